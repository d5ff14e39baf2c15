"""The two personalisation styles of the seeds: `%name%` variables (seed 000 Personal API, and
contact fields) and `{0}` positional placeholders (seed 003 batch `params`)."""

import re
from collections.abc import Mapping, Sequence

_PERCENT = re.compile(r"%([A-Za-z0-9_]+)%")
_POSITIONAL = re.compile(r"\{(\d+)\}")


def fill_variables(text: str, variables: Mapping[str, object]) -> str:
    """Replace `%name%` with variables[name]; unknown names stay as they are."""
    return _PERCENT.sub(lambda m: str(variables[m.group(1)]) if m.group(1) in variables else m.group(0), text)


def fill_positional(text: str, params: Sequence[object]) -> str:
    """Replace `{0}`, `{1}` ... with params by position; missing positions stay as they are."""
    return _POSITIONAL.sub(
        lambda m: str(params[int(m.group(1))]) if int(m.group(1)) < len(params) else m.group(0), text
    )


def variable_names(text: str) -> list[str]:
    return list(dict.fromkeys(_PERCENT.findall(text)))
