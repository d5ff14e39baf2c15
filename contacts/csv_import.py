"""CSV import of contacts and of blacklist numbers: upload, preview, start, run.

1. `contact_import_create` decodes the upload (UTF-8, UTF-8 with BOM, UTF-16 with BOM, else
   Windows-1252 / Latin-1), finds the delimiter (`,` `;` tab `|`, or an Excel `sep=` line), counts
   the records, guesses the column mapping from the header and stores it all in a `ContactImport`.
2. `import_preview` parses the first rows with exactly the rules of the real run.
3. `contact_import_start` fixes the mapping and queues the huey task on commit (ids only).
4. `contact_import_run` (the task) claims the import with a guarded update, then works in chunks
   of 5,000 rows: every row is checked by `services.contact_clean` (the rules of a form or an API
   call), numbers repeated in the file and numbers already stored are skipped with the reason, and
   the rest is written with one `bulk_create(ignore_conflicts=True)` per chunk. Each chunk commits
   with its progress and its error report, so the dashboard can poll, and a retried task resumes
   after the last committed chunk instead of starting again.

Nothing wrong is imported: a row is either stored whole or reported in `errors` with its row
number (the header is row 1, as a spreadsheet shows it), the value at fault and why.
"""

import codecs
import csv
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from accounts.models import User
from contacts import selectors, services
from contacts.models import (
    Contact,
    ContactImport,
    Group,
    ImportKind,
    ImportStatus,
)
from core import generations
from core.copy import binary_copy
from core.csv_safe import unescape_cell
from core.enqueue import enqueue_on_commit
from core.errors import DomainError, NotFound, ValidationFailed
from core.numbers import normalize_number
from messaging.models import BlacklistEntry, BlacklistSource
from messaging.selectors import blacklisted_numbers

log = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 1_000_000
CHUNK = 5000
MAX_REPORTED_ERRORS = 5000
PREVIEW_ROWS = 10
# A contact has six fields and custom fields; a file wider than this is refused at upload, so the
# preview (a table and one column choice per field) stays small: 100,000 columns made 32 MB pages.
MAX_COLUMNS = 250
SHOWN_CHARS = 100  # a cell shown in the preview, a column's name, a value in the skipped-rows report
DELIMITERS = ",;\t|"

CONTACT_FIELDS = ("number", "first_name", "last_name", "title", "email", "notes")
BLACKLIST_FIELDS = ("number",)
FIELD_LABELS = {
    "number": "Number",
    "first_name": "First name",
    "last_name": "Last name",
    "title": "Title",
    "email": "Email",
    "notes": "Notes",
}
# Header words (lower case, letters and digits only) that name each field.
HEADER_WORDS = {
    "number": {
        "number", "phone", "phonenumber", "mobile", "mobilenumber", "mobilephone", "msisdn", "cell", "cellphone",
        "tel", "telephone", "contactnumber", "recipient", "recipientnumber", "receiver", "gsm", "nr", "phoneno",
        "phonenr", "mobileno", "mobilenr", "telnr", "telefon", "telefoninumber", "mobiil", "handy",
    },
    "first_name": {"firstname", "first", "givenname", "forename", "name"},
    "last_name": {"lastname", "last", "surname", "familyname"},
    "title": {"title", "salutation", "honorific"},
    "email": {"email", "emailaddress", "mail"},
    "notes": {"notes", "note", "comment", "comments", "remarks"},
}  # fmt: skip
EXPORT_ONLY = {"groups", "created_at", "updated_at", "id", "contact_id"}  # our export's extra columns


@dataclass(frozen=True)
class PreviewRow:
    row: int
    cells: list[str]
    number: str  # E.164 when valid
    name: str
    error: str  # "" when the row would be imported


@dataclass(frozen=True)
class Preview:
    columns: list[str]  # header cells, or "Column 1", "Column 2" ...
    has_header: bool
    mapping: dict[str, int]
    custom_fields: dict[int, str]  # column -> custom field name
    rows: list[PreviewRow] = field(default_factory=list)
    total_rows: int = 0


# Reading


def decode(data: bytes) -> tuple[str, str]:
    """The text of an upload and the encoding it was read with."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), codec
    for codec in ("utf-8", "cp1252"):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"  # every byte is a Latin-1 character: never fails


def _dialect(text: str) -> tuple[str, str]:
    """(delimiter, text without an Excel `sep=` line)."""
    first = text[: text.find("\n") if "\n" in text else len(text)].strip()
    if first.lower().startswith("sep=") and len(first) == 5:
        return first[4], text[text.find("\n") + 1 :] if "\n" in text else ""
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return (best if counts[best] else ","), text


def records(text: str) -> Iterator[list[str]]:
    """Non-empty CSV records, cells stripped. A malformed file raises ValidationFailed with the line."""
    delimiter, body = _dialect(text)
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            cells = [unescape_cell(c.strip()).strip() for c in cells]  # our export's formula guard undone
            if any(cells):
                yield cells
    except csv.Error as exc:
        raise ValidationFailed(f"The file is not valid CSV (line {reader.line_num}): {exc}", field="file") from None


def _word(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _slug(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_")[:50]


def _number_column(cells: list[str], country: str) -> int | None:
    for index, cell in enumerate(cells):
        try:
            normalize_number(cell, default_country=country)
        except DomainError:
            continue
        return index
    return None


def guess_mapping(
    first: list[str], second: list[str] | None = None, *, kind: str, country: str
) -> tuple[dict[str, int], bool]:
    """(mapping, has_header) from the first two records: header words when the first has them (the
    number column found in the second record if no header word names it), else the first column of
    the first record that holds a phone number."""
    wanted = CONTACT_FIELDS if kind == ImportKind.CONTACTS else BLACKLIST_FIELDS
    mapping: dict[str, int] = {}
    for index, cell in enumerate(first):
        word = _word(cell)
        for name in wanted:
            if name not in mapping and word in HEADER_WORDS[name]:
                mapping[name] = index
                break
    if mapping:
        if "number" not in mapping and second:
            column = _number_column(second, country)
            if column is not None and column not in mapping.values():
                mapping["number"] = column
        return mapping, True
    column = _number_column(first, country)
    if column is not None:
        return {"number": column}, False
    column = _number_column(second or [], country)
    return {"number": column or 0}, True  # the first row is probably a header in other words


def custom_columns(contact_import: ContactImport, header: list[str]) -> dict[int, str]:
    """Columns that become custom fields: unmapped, with a header that makes a usable `%name%`."""
    if contact_import.kind != ImportKind.CONTACTS or not contact_import.has_header:
        return {}
    if not contact_import.keep_other_columns:
        return {}
    used = set(contact_import.mapping.values())
    names: dict[int, str] = {}
    for index, cell in enumerate(header):
        name = _slug(cell)
        taken = name in services.BUILT_IN_VARIABLES or name in EXPORT_ONLY or name in names.values()
        if index in used or not name or taken:
            continue
        names[index] = name
    return names


# Checking one row: the same for the preview and the run


class _RowChecker:
    def __init__(self, contact_import: ContactImport, custom: dict[int, str]) -> None:
        self.imp = contact_import
        self.team = contact_import.team
        self.custom = custom
        self.seen: dict[str, int] = {}

    def cell(self, cells: list[str], name: str) -> str:
        index = self.imp.mapping.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    def check(self, row: int, cells: list[str]) -> tuple[Contact | BlacklistEntry | None, str, str]:
        """(object to store, E.164 number, "") or (None, number when readable, reason)."""
        raw = self.cell(cells, "number")
        if not raw:
            return None, "", "No number"
        try:
            if self.imp.kind == ImportKind.BLACKLIST:
                number = normalize_number(raw, default_country=self.team.default_country, field="number")
                obj = BlacklistEntry(team=self.team, number=number, source=BlacklistSource.IMPORT)
            else:
                obj = services.contact_clean(
                    team=self.team,
                    number=raw,
                    first_name=self.cell(cells, "first_name"),
                    last_name=self.cell(cells, "last_name"),
                    title=self.cell(cells, "title"),
                    email=self.cell(cells, "email"),
                    notes=self.cell(cells, "notes"),
                    fields={name: cells[i] for i, name in self.custom.items() if i < len(cells) and cells[i]},
                )
        except DomainError as exc:
            return None, "", exc.message
        if obj.number in self.seen:
            return None, obj.number, f"Duplicate of row {self.seen[obj.number]}"
        self.seen[obj.number] = row
        return obj, obj.number, ""

    def existing(self, numbers: list[str]) -> set[str]:
        if self.imp.kind == ImportKind.BLACKLIST:
            return blacklisted_numbers(team=self.team, numbers=numbers)
        return selectors.contact_numbers(team=self.team, numbers=numbers)

    @property
    def exists_reason(self) -> str:
        if self.imp.kind == ImportKind.BLACKLIST:
            return "Already on the blacklist"
        return "Already a contact (kept as it is, added to the group)" if self.imp.group_id else "Already a contact"


def _numbered(contact_import: ContactImport) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of the data rows; the header is row 1 when there is one."""
    rows = records(contact_import.content)
    if contact_import.has_header:
        next(rows, None)
    first = 2 if contact_import.has_header else 1
    for offset, cells in enumerate(rows):
        yield first + offset, cells


def _header(contact_import: ContactImport) -> list[str]:
    return next(records(contact_import.content), [])


# Upload, preview, start


def contact_import_create(
    *, actor: User, data: bytes, filename: str = "", kind: str = ImportKind.CONTACTS, group: Group | None = None
) -> ContactImport:
    """Store an upload for its preview. Refuses empty, binary, oversized and malformed files."""
    team = actor.team
    if kind not in ImportKind.values:
        raise ValidationFailed("Unknown import kind.", field="kind")
    if group is not None and group.team_id != team.pk:
        raise NotFound("Group not found.", field="group")
    if len(data) > MAX_BYTES:
        raise ValidationFailed(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.", field="file")
    text, encoding = decode(data)
    if "\x00" in text:
        raise ValidationFailed("This does not look like a CSV file.", field="file")
    count, first, second = 0, None, None
    for cells in records(text):
        if len(cells) > MAX_COLUMNS:
            raise ValidationFailed(
                f"Row {count + 1} has {len(cells):,} columns; at most {MAX_COLUMNS} can be imported. "
                "Remove the columns you don't need and upload it again.",
                field="file",
            )
        if count == 0:
            first = cells
        elif count == 1:
            second = cells
        count += 1
        if count > MAX_ROWS + 1:
            raise ValidationFailed(f"The file has more than {MAX_ROWS:,} rows.", field="file")
    if first is None:
        raise ValidationFailed("The file is empty.", field="file")
    mapping, has_header = guess_mapping(first, second, kind=kind, country=team.default_country)
    if count - has_header < 1:
        raise ValidationFailed("The file has a header but no rows.", field="file")
    return ContactImport.objects.create(
        team=team,
        user=actor,
        kind=kind,
        filename=filename[:255],
        encoding=encoding,
        content=text,
        size=len(data),
        mapping=mapping,
        has_header=has_header,
        group=group,
        record_count=count,
        total_rows=count - has_header,
    )


def import_preview(*, contact_import: ContactImport, limit: int = PREVIEW_ROWS) -> Preview:
    """The first rows as the import would read them, with the reason for each one it would skip."""
    header = _header(contact_import)
    custom = custom_columns(contact_import, header)
    checker = _RowChecker(contact_import, custom)
    checked = []
    for row, cells in _numbered(contact_import):
        checked.append((row, cells, *checker.check(row, cells)))
        if len(checked) >= limit:
            break
    existing = checker.existing([number for *_, obj, number, _ in checked if obj is not None])
    rows = []
    for row, cells, obj, number, error in checked:
        if obj is not None and number in existing:
            error = checker.exists_reason
        name = obj.full_name if isinstance(obj, Contact) else ""
        rows.append(PreviewRow(row, [_shown(c) for c in cells[:MAX_COLUMNS]], number, name, error))
    width = min(max([len(header)] + [len(r.cells) for r in rows]), MAX_COLUMNS)
    columns = (
        [_shown(header[i]) if i < len(header) and header[i] else f"Column {i + 1}" for i in range(width)]
        if contact_import.has_header
        else [f"Column {i + 1}" for i in range(width)]
    )
    return Preview(
        columns, contact_import.has_header, dict(contact_import.mapping), custom, rows, contact_import.total_rows
    )


def _shown(cell: str) -> str:
    return cell if len(cell) <= SHOWN_CHARS else cell[: SHOWN_CHARS - 1] + "…"


def contact_import_configure(
    *,
    actor: User,
    contact_import: ContactImport,
    mapping: dict[str, int],
    has_header: bool,
    keep_other_columns: bool = True,
    group: Group | None = None,
) -> ContactImport:
    """Change the mapping while the import is still a preview."""
    team = actor.team
    if contact_import.team_id != team.pk:
        raise NotFound("Import not found.", field="import_id")
    if group is not None and group.team_id != team.pk:
        raise NotFound("Group not found.", field="group")
    if contact_import.status != ImportStatus.UPLOADED:
        raise ValidationFailed("This import has already been started.", field="status")
    wanted = CONTACT_FIELDS if contact_import.kind == ImportKind.CONTACTS else BLACKLIST_FIELDS
    clean = {name: int(index) for name, index in mapping.items() if name in wanted and index not in (None, "")}
    if "number" not in clean:
        raise ValidationFailed("Choose the column that holds the number.", field="number")
    if len(set(clean.values())) != len(clean):
        raise ValidationFailed("Each column can be imported into one field only.", field="number")
    if any(index < 0 for index in clean.values()):
        raise ValidationFailed("Unknown column.", field="number")
    contact_import.mapping = clean
    contact_import.has_header = has_header
    contact_import.keep_other_columns = keep_other_columns
    contact_import.group = group
    contact_import.total_rows = contact_import.record_count - (1 if has_header else 0)
    contact_import.save(update_fields=["mapping", "has_header", "keep_other_columns", "group", "total_rows"])
    return contact_import


def contact_import_start(*, actor: User, contact_import: ContactImport) -> ContactImport:
    """Queue the import (once: a second start is refused), the task is enqueued on commit."""
    if contact_import.team_id != actor.team_id:
        raise NotFound("Import not found.", field="import_id")
    started = ContactImport.objects.filter(pk=contact_import.pk, status=ImportStatus.UPLOADED).update(
        status=ImportStatus.QUEUED
    )
    if not started:
        raise ValidationFailed("This import has already been started.", field="status")
    contact_import.status = ImportStatus.QUEUED
    enqueue_on_commit("contacts.tasks.contact_import_task", contact_import.pk)
    return contact_import


# The run


def contact_import_run(*, import_id: int, last_attempt: bool = True) -> ContactImport | None:
    """Run a queued import; None when it is not queued (already running, done, or never started).

    On an unexpected error the import goes back to `queued` (to be resumed by the task's retry) or,
    on the last attempt, to `failed` with the error."""
    claimed = ContactImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    contact_import = ContactImport.objects.select_related("team", "group").get(pk=import_id)
    try:
        _run(contact_import)
    except Exception as exc:
        log.exception("contact import %s failed", import_id)
        ContactImport.objects.filter(pk=import_id, status=ImportStatus.RUNNING).update(
            status=ImportStatus.FAILED if last_attempt else ImportStatus.QUEUED,
            failure=str(exc)[:1000] or exc.__class__.__name__,
            finished_at=timezone.now() if last_attempt else None,
        )
        if not last_attempt:
            raise
    contact_import.refresh_from_db()
    return contact_import


def _run(imp: ContactImport) -> None:
    checker = _RowChecker(imp, custom_columns(imp, _header(imp)))
    errors: list[dict] = list(imp.errors)
    done = imp.processed_rows  # resuming after a failed attempt: those rows are committed
    counts = {"created": imp.created_count, "skipped": imp.skipped_count, "grouped": imp.grouped_count}
    chunk: list[tuple[int, list[str]]] = []

    def flush() -> None:
        nonlocal done
        _import_chunk(imp, checker, chunk, errors, counts, processed=done + len(chunk))
        done += len(chunk)
        chunk.clear()

    for position, (row, cells) in enumerate(_numbered(imp)):
        if position < done:
            checker.check(row, cells)  # rebuild the "duplicate of row N" memory, nothing else
            continue
        chunk.append((row, cells))
        if len(chunk) >= CHUNK:
            flush()
    flush()
    ContactImport.objects.filter(pk=imp.pk).update(
        status=ImportStatus.DONE, finished_at=timezone.now(), content="", failure=""
    )


def _import_chunk(imp, checker: _RowChecker, chunk, errors: list[dict], counts: dict, *, processed: int) -> None:
    skipped: list[tuple[int, str, str]] = []
    good: list[tuple[int, Contact | BlacklistEntry]] = []
    for row, cells in chunk:
        obj, _, reason = checker.check(row, cells)
        if obj is None:
            skipped.append((row, checker.cell(cells, "number"), reason))
        else:
            good.append((row, obj))
    existing = checker.existing([obj.number for _, obj in good])
    new = [obj for _, obj in good if obj.number not in existing]
    skipped += [(row, obj.number, checker.exists_reason) for row, obj in good if obj.number in existing]
    skipped.sort()
    with transaction.atomic():
        model = BlacklistEntry if imp.kind == ImportKind.BLACKLIST else Contact
        _insert_new(model, new)
        if model is BlacklistEntry and new:
            generations.bump()  # sends cache whether a team has a blacklist
        if imp.group_id and imp.kind == ImportKind.CONTACTS and good:
            numbers = [obj.number for _, obj in good]
            counts["grouped"] += services.group_numbers_add(team=imp.team, group=imp.group, numbers=numbers)
        counts["created"] += len(new)
        counts["skipped"] += len(skipped)
        room = MAX_REPORTED_ERRORS - len(errors)
        errors += [
            {"row": row, "value": _shown(value), "reason": reason} for row, value, reason in skipped[: max(room, 0)]
        ]
        ContactImport.objects.filter(pk=imp.pk).update(
            processed_rows=processed,
            created_count=counts["created"],
            skipped_count=counts["skipped"],
            grouped_count=counts["grouped"],
            errors=errors,
        )


def _insert_new(model: type[models.Model], objs: list[models.Model]) -> None:
    """Store new rows whose numbers the team did not have. On PostgreSQL with a binary COPY (a
    tenth of the client work of bulk_create's arrays); if a number arrived meanwhile from
    elsewhere, the COPY fails whole and bulk_create skips the clashes instead."""
    if connection.vendor == "postgresql" and objs:
        try:
            with transaction.atomic():
                _copy(model, objs)
            return
        except IntegrityError:
            pass
    model.objects.bulk_create(objs, batch_size=1000, ignore_conflicts=True)


def _copy(model: type[models.Model], objs: list[models.Model]) -> None:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    as_json = {i for i, f in enumerate(fields) if isinstance(f, models.JSONField)}
    with binary_copy(model._meta.db_table, [f.column for f in fields]) as copy:
        for obj in objs:
            row = [getattr(obj, f.attname) for f in fields]
            for i in as_json:
                row[i] = Jsonb(row[i])
            copy.write_row(row)
