"""Helpers of the server-rendered pages that every app's views share."""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.db.models import QuerySet

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


class FillSelect(forms.Select):
    """A model choice whose options carry a text to copy into another field of the form: picking a
    template fills the message box (`data-fills` names the field, each option's `data-fill` holds
    the text; static/js/behaviours.js copies it, the page allows no inline script)."""

    def __init__(self, *, target: str, attribute: str = "text", attrs: dict | None = None) -> None:
        super().__init__(attrs={**(attrs or {}), "data-fills": target})
        self.attribute = attribute

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)  # a ModelChoiceIteratorValue; None for the empty choice
        if instance is not None:
            option["attrs"]["data-fill"] = getattr(instance, self.attribute)
        return option


class TemplateTextForm(forms.Form):
    """A send form with a `template` choice and a `text` box. The box is what is sent: a picked
    template fills it in the browser, where the operator can still edit it; without JavaScript an
    empty box takes the template's text. A send never carries both (the send service refuses that)."""

    def offer_templates(self, templates: QuerySet) -> None:
        """The team's templates to choose from; no choice at all for a team without one."""
        if templates.exists():
            self.fields["template"].queryset = templates
        else:
            del self.fields["template"]

    def clean(self) -> dict:
        data = super().clean() or {}
        template = data.get("template")
        if template is not None and not (data.get("text") or "").strip():
            data["text"] = template.text
        return data
