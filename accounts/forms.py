from collections.abc import Callable
from typing import TypeVar

from django import forms

from accounts.errors import DomainError
from accounts.models import Role, Team

T = TypeVar("T")


def call_service(form: forms.Form, action: Callable[[], T]) -> T | None:
    """Run a service for a page; a domain error lands beside its field (or on top of the form)."""
    try:
        return action()
    except DomainError as exc:
        for field, message in getattr(exc, "problems", [(exc.field, exc.message)]):
            form.add_error(field if field in form.fields else None, message)
        return None


class CreditMovementForm(forms.Form):
    """Admin top-up and adjustment: the amount and why."""

    amount = forms.CharField(help_text="Credits; an adjustment may be negative, e.g. -5.")
    memo = forms.CharField(max_length=255)


class TransferForm(forms.Form):
    from_email = forms.EmailField(label="From")
    to_email = forms.EmailField(label="To")
    amount = forms.CharField(label="Credits")


class SubUserForm(forms.Form):
    email = forms.EmailField()
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    contact_number = forms.CharField(max_length=32)
    company = forms.CharField(max_length=200, required=False)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)
    password = forms.CharField(widget=forms.PasswordInput)
    credit_balance = forms.CharField(label="Starting credits", required=False, initial="0")


class SubUserEditForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    contact_number = forms.CharField(max_length=32)
    company = forms.CharField(max_length=200, required=False)
    role = forms.ChoiceField(choices=Role.choices)
    is_active = forms.BooleanField(required=False, label="Active")


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, required=False)
    expiry_days = forms.IntegerField(min_value=1, max_value=365, required=False, help_text="Empty: never expires.")


class TeamSettingsForm(forms.ModelForm):
    dlr_url = forms.URLField(label="Delivery-report URL", required=False, max_length=500, assume_scheme="https")
    reply_url = forms.URLField(label="Reply-forward URL", required=False, max_length=500, assume_scheme="https")

    class Meta:
        model = Team
        fields = [
            "name",
            "default_country",
            "time_zone",
            "default_sender",
            "low_balance_threshold",
            "skip_blacklisted",
            "dlr_url",
            "reply_url",
        ]
