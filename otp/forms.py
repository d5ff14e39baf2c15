from django import forms

from otp.models import OtpPolicy


class PolicyForm(forms.ModelForm):
    """Shapes only; the rules (bounds, country codes, the {pin} placeholder) are in otp_policy_clean."""

    allowed_countries = forms.CharField(
        required=False, help_text="ISO codes separated by commas, e.g. EE, FI. Empty: every country."
    )

    class Meta:
        model = OtpPolicy
        fields = [
            "digits_only",
            "text_template",
            "sender",
            "max_attempts",
            "resend_cooldown_seconds",
            "receiver_limit",
            "receiver_window_seconds",
            "team_hourly_limit",
            "allowed_countries",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and isinstance(self.instance.allowed_countries, list):
            self.initial["allowed_countries"] = ", ".join(self.instance.allowed_countries)

    def clean_allowed_countries(self):
        text = self.cleaned_data.get("allowed_countries") or ""
        return [code.strip().upper() for code in text.split(",") if code.strip()]

    def _post_clean(self):
        pass  # the model is saved by the service, not by the form
