"""The team's blacklist: numbers it does not send to. Sending skips them (`message_send`), an
opt-out reply adds one (`inbound_receive`); pages, the Blacklist API and CSV imports write here too."""

from django.db import IntegrityError, transaction

from accounts.models import Team
from core.errors import NotFound
from core.numbers import normalize_number
from messaging.models import BlacklistEntry, BlacklistSource


def blacklist_add(*, team: Team, number: str, source: str = BlacklistSource.API) -> BlacklistEntry:
    """Add a number; adding it twice is not an error and keeps one row (the first source stays)."""
    e164 = normalize_number(number, default_country=team.default_country, field="number")
    try:
        with transaction.atomic():
            entry, _ = BlacklistEntry.objects.get_or_create(team=team, number=e164, defaults={"source": source})
    except IntegrityError:  # added concurrently
        entry = BlacklistEntry.objects.get(team=team, number=e164)
    return entry


def blacklist_remove(*, entry: BlacklistEntry, team: Team | None = None) -> None:
    """Remove an entry (found through `blacklist_get`); with `team=`, another team's entry is not found."""
    if team is not None and entry.team_id != team.pk:
        raise NotFound("Blacklist entry not found.", field="id")
    entry.delete()
