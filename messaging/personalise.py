"""The two personalisation styles of the seeds: `%name%` variables (seed 000 Personal API, and
contact fields) and `{0}` positional placeholders (seed 003 batch `params`).

A `{n}` placeholder without a value is an error (the recipient would get "Hi {0}"), while an
unknown `%name%` stays as written (a text may well contain a percent sign)."""

import re
from collections.abc import Mapping, Sequence

from core.errors import ValidationFailed

_PERCENT = re.compile(r"%([A-Za-z0-9_]+)%")
_POSITIONAL = re.compile(r"\{(\d+)\}")


class MissingParams(ValidationFailed):
    """A `{n}` placeholder of the text has no value among the params."""


def fill_variables(text: str, variables: Mapping[str, object]) -> str:
    """Replace `%name%` with variables[name]; unknown names stay as they are."""
    return _PERCENT.sub(lambda m: str(variables[m.group(1)]) if m.group(1) in variables else m.group(0), text)


def fill_positional(text: str, params: Sequence[object]) -> str:
    """Replace `{0}`, `{1}` ... with params by position. A placeholder whose position has no value
    (too few params, or null) raises MissingParams naming it."""
    missing = sorted({int(n) for n in _POSITIONAL.findall(text) if int(n) >= len(params) or params[int(n)] is None})
    if missing:
        names = ", ".join(f"{{{n}}}" for n in missing)
        given = f"{len(params)} value{'' if len(params) == 1 else 's'}"
        raise MissingParams(f"The text's placeholder {names} has no value in params ({given} given).", field="params")
    return _POSITIONAL.sub(lambda m: _text(params[int(m.group(1))]), text)


def _text(value: object) -> str:
    """A JSON param as the recipient reads it: true/false rather than Python's True/False."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def variable_names(text: str) -> list[str]:
    return list(dict.fromkeys(_PERCENT.findall(text)))
