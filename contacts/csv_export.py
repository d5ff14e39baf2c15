"""CSV export of contacts, groups and the blacklist, as generators of lines for a
`StreamingHttpResponse` (rows are read in chunks: 100,000 contacts never sit in memory at once).

Formula injection: a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and some read
a leading tab or carriage return the same way). Such a cell is written with a `'` in front, which
spreadsheets show as text, EXCEPT when the whole cell is an E.164 phone number (`+` and 7 to 15
digits, nothing else): that cannot be a formula (at worst a spreadsheet reads it as a plain
number), and our numbers must stay usable as they are. Our import drops the `'` again.
"""

import csv
import re
from collections.abc import Iterable, Iterator

from django.db.models import Count, Prefetch
from django.utils import timezone

from accounts.models import Team
from contacts import selectors
from contacts.models import ContactImport, Group

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
CHUNK = 2000
BOM = "\ufeff"  # lets Excel read the file as UTF-8


def safe_cell(value: object) -> str:
    """A cell that no spreadsheet will run as a formula (see the module's rule)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not E164.match(text):
        return "'" + text
    return text


class _Line:
    """A file-like object whose write() returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def _lines(header: list[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


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
            _when(c.created_at),
            *[(c.fields or {}).get(k, "") for k in custom],
        ]
        for c in contacts.prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name"))).iterator(
            chunk_size=CHUNK
        )
    )
    return _lines(header, rows)


def groups_csv(*, team: Team) -> Iterator[str]:
    groups = selectors.group_list(team=team).annotate(members=Count("memberships"))
    rows = ([g.pk, g.name, g.members, _when(g.created_at)] for g in groups.iterator(chunk_size=CHUNK))
    return _lines(["group_id", "name", "contacts", "created_at"], rows)


def blacklist_csv(*, team: Team) -> Iterator[str]:
    entries = selectors.blacklist_list(team=team).order_by("id")
    rows = ([e.number, e.source, _when(e.created_at)] for e in entries.iterator(chunk_size=CHUNK))
    return _lines(["number", "source", "created_at"], rows)


def import_errors_csv(*, contact_import: ContactImport) -> Iterator[str]:
    """What an import skipped, row by row (the first few thousand), and why."""
    rows = ([e.get("row"), e.get("value"), e.get("reason")] for e in contact_import.errors)
    return _lines(["row", "value", "reason"], rows)
