from django import forms


class CreditMovementForm(forms.Form):
    """Admin top-up and adjustment: the amount and why."""

    amount = forms.CharField(help_text="Credits; an adjustment may be negative, e.g. -5.")
    memo = forms.CharField(max_length=255)
