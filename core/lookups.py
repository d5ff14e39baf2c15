"""Two reads every app's selectors share: an id from a URL or a form, and "which of these numbers
does the team have" over a list that may be 100,000 long."""

from collections.abc import Iterable

from django.db.models import Model

CHUNK = 5000


def pk_of(value: object) -> int:
    """A primary key from a URL or a form; anything else raises ValueError."""
    pk = int(str(value).strip())
    if pk < 1:
        raise ValueError(value)
    return pk


def numbers_in(model: type[Model], *, team: object, numbers: Iterable[str]) -> set[str]:
    """Which of `numbers` the team has rows of `model` for (a `team` and a `number` field), in chunks
    of CHUNK so that no query carries an unbounded list of parameters."""
    wanted = list(dict.fromkeys(numbers))
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update(model._default_manager.filter(team=team, number__in=chunk).values_list("number", flat=True))
    return found
