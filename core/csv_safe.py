"""CSV files we hand out, written one way: every export (messages, contacts, groups, blacklist, an
import's skipped rows) streams its lines through `csv_lines`, so every cell is escaped by one rule.
It lives in core, below every app with an export, so each can use it without importing sideways.

Formula injection: a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and some read
a leading tab or carriage return the same way). Such a cell is written with a `'` in front, which
spreadsheets show as text, EXCEPT when the whole cell is an E.164 phone number (`+` and 7 to 15
digits, nothing else): that cannot be a formula (at worst a spreadsheet reads it as a plain
number), and our numbers must stay usable as they are. Our import drops the `'` again
(`unescape_cell`).
"""

import csv
import re
from collections.abc import Iterable, Iterator

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
BOM = "\ufeff"  # lets Excel read the file as UTF-8


def safe_cell(value: object) -> str:
    """A cell that no spreadsheet will run as a formula (see the module's rule)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not E164.match(text):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """What `safe_cell` was given, for a cell read back from one of our files."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


class _Line:
    """A file-like object whose write() returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[object], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The lines of a CSV file (BOM first), every cell escaped; for a `StreamingHttpResponse`."""
    writer = csv.writer(_Line())
    yield BOM + writer.writerow([safe_cell(v) for v in header])
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])
