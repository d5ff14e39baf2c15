"""Writes to contacts, groups, templates and the blacklist."""

from accounts.models import Team
from contacts.models import BlacklistEntry, BlacklistSource
from messaging.numbers import normalize_number


def blacklist_add(*, team: Team, number: str, source: str = BlacklistSource.API) -> BlacklistEntry:
    """Add a number; adding it twice is not an error and keeps one row."""
    e164 = normalize_number(number, default_country=team.default_country, field="number")
    entry, _ = BlacklistEntry.objects.get_or_create(team=team, number=e164, defaults={"source": source})
    return entry


def blacklist_remove(*, entry: BlacklistEntry) -> None:
    entry.delete()
