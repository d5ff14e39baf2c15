"""Helpers of the server-rendered pages that every app's views share."""

from collections.abc import Callable
from typing import TypeVar

from django import forms

from core.errors import DomainError

T = TypeVar("T")


def call_service(form: forms.Form, action: Callable[[], T]) -> T | None:
    """Run a service for a page; a domain error lands beside its field (or on top of the form)."""
    try:
        return action()
    except DomainError as exc:
        for field, message in getattr(exc, "problems", [(exc.field, exc.message)]):
            form.add_error(field if field in form.fields else None, message)
        return None
