from django import forms
from django.db.models import QuerySet

from core.numbers import split_numbers
from core.pages import FillSelect, TemplateTextForm
from messaging.conversion import CONVERSION_LEVELS

CONVERSION_CHOICES = [
    (0, "0 — send as written"),
    (1, "1 — typographic characters to GSM"),
    (2, "2 — everything to GSM 7-bit"),
]
assert [c for c, _ in CONVERSION_CHOICES] == list(CONVERSION_LEVELS)


class SendForm(TemplateTextForm):
    numbers = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "+372 5555 5555\n+46 70 123 45 67"}),
        required=False,
        help_text="One number per line, or separated by commas or semicolons. Spaces inside a number are fine;"
        " a number given twice is sent once.",
    )
    template = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="No template",
        widget=FillSelect(target="text"),
        help_text="Fills the message below, which you can still edit.",
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5, "data-counter": "1"}), strip=False, required=False, label="Message"
    )
    sender = forms.CharField(
        max_length=20, required=False, help_text="A number (+ and up to 15 digits) or up to 11 letters and digits."
    )
    scheduled_at = forms.DateTimeField(
        required=False,
        label="Send at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Empty: now. In your team's time zone.",
    )
    conversion = forms.TypedChoiceField(choices=CONVERSION_CHOICES, coerce=int, initial=0)
    messages_per_minute = forms.IntegerField(min_value=1, required=False, label="Messages per minute (throttle)")
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, templates: QuerySet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offer_templates(templates)

    def numbers_list(self) -> list[str]:
        return split_numbers(self.cleaned_data.get("numbers") or "")
