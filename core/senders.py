"""Sender ids, by the rules of seed 000: a numeric sender is '+' and at most 15 digits (replies
reach it); anything else is alphanumeric, at most 11 characters (no replies)."""

from core.errors import ValidationFailed

NUMERIC_MAX_DIGITS = 15
ALPHANUMERIC_MAX = 11


def is_numeric_sender(sender: str) -> bool:
    return sender.startswith("+") and sender[1:].isdigit()


def clean_sender(sender: object, *, field: str = "sender") -> str:
    text = str(sender or "").strip()
    if not text:
        return ""
    if is_numeric_sender(text):
        if len(text) - 1 > NUMERIC_MAX_DIGITS:
            raise ValidationFailed(f"A numeric sender has at most {NUMERIC_MAX_DIGITS} digits.", field=field)
        return text
    if len(text) > ALPHANUMERIC_MAX:
        raise ValidationFailed(f"An alphanumeric sender has at most {ALPHANUMERIC_MAX} characters.", field=field)
    return text
