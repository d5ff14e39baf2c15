"""The admin's connector form (each kind's settings checked, every error at once, the password
written only when a new one is typed) and the "test a number" form."""

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from core.numbers import InvalidNumber, normalize_number
from messaging.models import Connector
from messaging.routing.options import OPTIONS, Option, options_errors, options_of
from messaging.routing.secrets import secret_hint, secret_seal

SECRET_KINDS = ("smpp", "http")


def _field(option: Option) -> forms.Field:
    field: forms.Field
    if option.choices:
        choices = [(choice, choice) for choice in option.choices]
        field = forms.ChoiceField(choices=choices, label=option.label, required=False, help_text=option.help)
    else:
        kinds = {bool: forms.BooleanField, int: forms.IntegerField, float: forms.FloatField}
        field = kinds.get(type(option.default), forms.CharField)(
            label=option.label, required=False, help_text=option.help
        )
    field.initial = option.default
    return field


class ConnectorForm(forms.ModelForm):
    """The model's fields, a field for every setting of every kind (the admin groups them by kind),
    and the password, written only when one is typed."""

    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="SMPP or HTTP password. Leave empty to keep the stored one; it is never shown again.",
    )
    clear_password = forms.BooleanField(required=False, label="Remove the stored password")

    class Meta:
        model = Connector
        fields = ("name", "kind", "enabled", "throughput")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for options in OPTIONS.values():
            for option in options:
                self.fields[option.name] = _field(option)
        if self.instance.pk:
            self.initial.update(self.instance.settings)
            self.fields["password"].help_text += f" Now: {secret_hint(self.instance.secret)}."

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        kind = cleaned.get("kind", "")
        values = {}
        for option in OPTIONS.get(kind, ()):
            value = cleaned.get(option.name)
            if isinstance(option.default, bool):
                values[option.name] = bool(value)
            elif value not in (None, ""):
                values[option.name] = value
        for name, error in options_errors(kind=kind, values=values).items():
            self.add_error(name, error)
        if cleaned.get("password") and kind not in SECRET_KINDS:
            self.add_error("password", "Only SMPP and HTTP connectors have a password.")
        cleaned["options"] = options_of(kind=kind, values=values)
        return cleaned

    def save(self, commit: bool = True) -> Connector:
        connector = super().save(commit=False)
        connector.settings = self.cleaned_data["options"]
        if self.cleaned_data.get("clear_password"):
            connector.secret = ""
        elif self.cleaned_data.get("password"):
            connector.secret = secret_seal(self.cleaned_data["password"])
        if commit:
            connector.save()
        return connector


class RouteTestForm(forms.Form):
    number = forms.CharField(help_text="In international format, e.g. +37255512345.")
    team = forms.IntegerField(required=False, help_text="Team id (empty: a team no team-specific route names).")
    sender = forms.CharField(required=False)

    def clean_number(self) -> str:
        try:
            return normalize_number(self.cleaned_data["number"], default_country="", field="number")
        except InvalidNumber as error:
            raise forms.ValidationError(error.message) from None


class MarginsForm(forms.Form):
    since = forms.DateField(required=False, help_text="First day (default: 30 days ago).")
    until = forms.DateField(required=False, help_text="Last day (default: today).")

    def period(self) -> tuple[datetime, datetime]:
        """[since, until) as aware datetimes: whole days in the server's time zone."""
        data = self.cleaned_data if self.is_valid() else {}
        today = timezone.localdate()
        first = data.get("since") or today - timedelta(days=30)
        last = data.get("until") or today
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(first, time.min, tzinfo=zone),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
        )
