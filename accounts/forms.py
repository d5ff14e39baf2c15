from django import forms

from accounts.models import Role, Team


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
    dlr_url = forms.URLField(
        label="Delivery-report URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Where each delivery report is posted, unless a send names its own. Empty: none.",
    )
    reply_url = forms.URLField(
        label="Reply-forward URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Where each reply to your messages is posted. Empty: replies only show in the Inbox.",
    )

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
        help_texts = {
            "time_zone": "Send times and daily statistics are in this zone, e.g. Europe/Tallinn.",
            "default_sender": "Used when a send names no sender: a number (+ and up to 15 digits) or up to 11"
            " letters and digits. Empty: the platform's default.",
            "low_balance_threshold": "Below this many credits, a user sees a warning on every page and the team's"
            " owners and admins get an email. 0: never.",
            "skip_blacklisted": "Numbers on your blacklist are not sent to: shown as Blocked, not charged.",
        }
