"""Reads of contacts, groups, templates and the blacklist, scoped to a team."""

from collections.abc import Iterable

from accounts.errors import NotFound
from accounts.models import Team
from contacts.models import BlacklistEntry

CHUNK = 5000


def blacklisted_numbers(*, team: Team, numbers: Iterable[str]) -> set[str]:
    """Which of these E.164 numbers are on the team's blacklist (in chunks: the list may be 100,000 long)."""
    wanted = list(dict.fromkeys(numbers))
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update(BlacklistEntry.objects.filter(team=team, number__in=chunk).values_list("number", flat=True))
    return found


def blacklist_list(*, team: Team):
    return BlacklistEntry.objects.filter(team=team)


def blacklist_get(*, team: Team, entry_id: object) -> BlacklistEntry:
    try:
        return blacklist_list(team=team).get(pk=int(str(entry_id)))
    except (BlacklistEntry.DoesNotExist, ValueError):
        raise NotFound("Blacklist entry not found.", field="id") from None
