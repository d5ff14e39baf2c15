"""Texts stored masked and rebuilt only when sent: a 2FA PIN's SMS is stored with `****` where the
PIN goes (`Message.has_secret`), and the app that owns the secret gives the dispatcher the real
text at the moment it hands the message to the gateway, from whatever it keeps (otp derives the
PIN from the server key and the PIN's id: the PIN itself is stored nowhere).

Messaging sits below the apps with secrets, so they register here (in their AppConfig.ready)
instead of being imported."""

from collections.abc import Callable, Mapping, Sequence

# Given the claimed rows (dicts with at least pk and text) of messages with a masked text, the
# real text of those it knows, by message id.
SecretTexts = Callable[[Sequence[Mapping]], dict[int, str]]
_sources: list[SecretTexts] = []


def secret_texts_register(source: SecretTexts) -> None:
    if source not in _sources:
        _sources.append(source)


def secret_texts(rows: Sequence[Mapping]) -> dict[int, str]:
    """The real texts of the masked messages among `rows`, by message id."""
    masked = [row for row in rows if row["has_secret"]]
    texts: dict[int, str] = {}
    for source in _sources if masked else ():
        texts.update(source(masked))
    return texts
