"""Statuses in words on every page: `{{ m.status|status_words }}`, `{{ m|failure_reason }}` (messaging.vocabulary)."""

from django import template

from messaging import vocabulary

register = template.Library()


@register.filter
def status_words(status: str) -> vocabulary.StatusWords:
    return vocabulary.status_words(status)


@register.filter
def failure_reason(message) -> str:
    return vocabulary.failure_reason(message.status, message.error)


@register.filter
def detail_explained(detail: str) -> str:
    """A timeline line: a known gateway error explained (its code kept), any other detail as it is."""
    known = vocabulary.known_error(detail)
    return f"{known} ({detail})" if known else detail
