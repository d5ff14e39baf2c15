"""CSV export of contacts, groups and the blacklist, as generators of lines for a
`StreamingHttpResponse` (rows are read in chunks: 100,000 contacts never sit in memory at once).
Every cell is escaped against formula injection by `core.csv_safe`, like every export.
"""

from collections.abc import Iterator

from django.db.models import Count, Prefetch
from django.utils import timezone

from accounts.models import Team
from contacts import selectors
from contacts.models import ContactImport, Group
from core.csv_safe import csv_lines
from messaging.selectors import blacklist_list

CHUNK = 2000


def _when(value, team: Team) -> str:
    """In the team's time zone, as the pages show it (a streamed body is written after the page's
    view has returned, outside its time zone)."""
    return timezone.localtime(value, team.zone).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def contacts_csv(*, team: Team, group: Group | None = None, search: str = "") -> Iterator[str]:
    """number, first_name, last_name, title, email, notes, groups, created_at, then one column per
    custom field (the import reads such a file back as it is)."""
    contacts = selectors.contact_list(team=team, search=search, group=group).order_by("id")
    keys: dict[str, None] = {}
    for fields in contacts.values_list("fields", flat=True).iterator(chunk_size=CHUNK):
        if isinstance(fields, dict):
            keys.update(dict.fromkeys(fields))
    custom = list(keys)
    header = ["number", "first_name", "last_name", "title", "email", "notes", "groups", "created_at", *custom]
    rows = (
        [
            c.number,
            c.first_name,
            c.last_name,
            c.title,
            c.email,
            c.notes,
            "; ".join(g.name for g in c.groups.all()),
            _when(c.created_at, team),
            *[(c.fields or {}).get(k, "") for k in custom],
        ]
        for c in contacts.prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name"))).iterator(
            chunk_size=CHUNK
        )
    )
    return csv_lines(header, rows)


def groups_csv(*, team: Team) -> Iterator[str]:
    groups = selectors.group_list(team=team).annotate(members=Count("memberships"))
    rows = ([g.pk, g.name, g.members, _when(g.created_at, team)] for g in groups.iterator(chunk_size=CHUNK))
    return csv_lines(["group_id", "name", "contacts", "created_at"], rows)


def blacklist_csv(*, team: Team) -> Iterator[str]:
    entries = blacklist_list(team=team).order_by("id")
    rows = ([e.number, e.source, _when(e.created_at, team)] for e in entries.iterator(chunk_size=CHUNK))
    return csv_lines(["number", "source", "created_at"], rows)


def import_errors_csv(*, contact_import: ContactImport) -> Iterator[str]:
    """What an import skipped, row by row (the first few thousand), and why."""
    rows = ([e.get("row"), e.get("value"), e.get("reason")] for e in contact_import.errors)
    return csv_lines(["row", "value", "reason"], rows)
