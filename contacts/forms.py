"""Dashboard forms of contacts, groups, templates, the blacklist, imports, and the two send pages (numbers, groups).
They check the shape of the input; the rules live in the services (`accounts.forms.call_service`
puts a service's error beside its field)."""

from datetime import datetime

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Team
from contacts import selectors
from contacts.csv_import import BLACKLIST_FIELDS, CONTACT_FIELDS, FIELD_LABELS, MAX_BYTES
from contacts.models import Group, ImportKind, Template
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


class TeamGroupsMixin:
    """Group choices limited to the team's own groups."""

    def limit_groups(self, team: Team, *names: str) -> None:
        for name in names:
            self.fields[name].queryset = selectors.group_list(team=team)


class ContactForm(TeamGroupsMixin, forms.Form):
    number = forms.CharField(
        max_length=32, help_text="International (+372…) or national, read with your default country."
    )
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    title = forms.CharField(max_length=50, required=False)
    email = forms.CharField(max_length=254, required=False)
    custom_fields = forms.CharField(
        label="Custom fields",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "company = Acme\ncity = Tallinn"}),
        help_text="One “name = value” a line; use them in texts as %name%.",
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    groups = forms.ModelMultipleChoiceField(
        queryset=Group.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, team: Team, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.limit_groups(team, "groups")

    def clean_custom_fields(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for line in self.cleaned_data["custom_fields"].splitlines():
            if not line.strip():
                continue
            if "=" not in line:
                raise forms.ValidationError(f"Write “name = value”: {line.strip()!r}")
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
        return values

    @staticmethod
    def fields_text(fields: dict) -> str:
        return "\n".join(f"{k} = {v}" for k, v in (fields or {}).items())


class GroupForm(forms.Form):
    name = forms.CharField(max_length=100)


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=100)
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        strip=False,
        help_text="Variables: %first_name%, %last_name%, %title%, %number%, %email% and your custom fields.",
    )


class BlacklistForm(forms.Form):
    number = forms.CharField(max_length=32)


class IdListField(forms.Field):
    """Checked rows of a table (`ids` repeated)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        try:
            return [int(v) for v in (value or [])]
        except (TypeError, ValueError):
            raise forms.ValidationError("Invalid selection.") from None


class ContactBulkForm(TeamGroupsMixin, forms.Form):
    ACTIONS = [("add_to_group", "Add to group"), ("remove_from_group", "Remove from group"), ("delete", "Delete")]

    ids = IdListField(required=False)
    action = forms.ChoiceField(
        choices=ACTIONS, widget=forms.Select(attrs={"aria-label": "Action on the selected contacts"})
    )
    group = forms.ModelChoiceField(
        queryset=Group.objects.none(),
        required=False,
        empty_label="Choose a group",
        widget=forms.Select(attrs={"aria-label": "Group for the selected contacts"}),
    )

    def __init__(self, *args, team: Team, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.limit_groups(team, "group")

    def clean(self):
        data = super().clean()
        if not data.get("ids"):
            raise forms.ValidationError("Select at least one contact.")
        if data.get("action") in ("add_to_group", "remove_from_group") and not data.get("group"):
            self.add_error("group", "Choose a group.")
        return data


class ImportUploadForm(TeamGroupsMixin, forms.Form):
    file = forms.FileField(help_text=f"CSV, at most {MAX_BYTES // (1024 * 1024)} MB. UTF-8 or Latin-1.")
    kind = forms.ChoiceField(choices=ImportKind.choices, initial=ImportKind.CONTACTS)
    group = forms.ModelChoiceField(
        queryset=Group.objects.none(),
        required=False,
        empty_label="No group",
        help_text="Contacts: also put them in this group.",
    )

    def __init__(self, *args, team: Team, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.limit_groups(team, "group")


class ImportMappingForm(TeamGroupsMixin, forms.Form):
    """One column choice per field; built for the import's kind and columns."""

    has_header = forms.BooleanField(required=False, label="The first row is a header")
    keep_other_columns = forms.BooleanField(
        required=False, label="Keep other columns as custom fields (named after their header)"
    )
    group = forms.ModelChoiceField(queryset=Group.objects.none(), required=False, empty_label="No group")

    def __init__(self, *args, team: Team, kind: str, columns: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.limit_groups(team, "group")
        choices = [("", "— not imported —")] + [(str(i), f"{i + 1}: {label}") for i, label in enumerate(columns)]
        names = CONTACT_FIELDS if kind == ImportKind.CONTACTS else BLACKLIST_FIELDS
        for name in names:
            self.fields[name] = forms.ChoiceField(choices=choices, required=name == "number", label=FIELD_LABELS[name])
        self.field_names = names
        if kind != ImportKind.CONTACTS:
            del self.fields["keep_other_columns"], self.fields["group"]
        self.order_fields([*names, "has_header", "keep_other_columns", "group"])

    def mapping(self) -> dict[str, int]:
        return {name: int(self.cleaned_data[name]) for name in self.field_names if self.cleaned_data.get(name)}


class GroupSendForm(TeamGroupsMixin, TemplateTextForm):
    groups = forms.ModelMultipleChoiceField(
        queryset=Group.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    numbers = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="More numbers: one per line, or separated by commas or semicolons. A number given twice is sent"
        " once.",
    )
    template = forms.ModelChoiceField(
        queryset=Template.objects.none(),
        required=False,
        empty_label="No template",
        widget=FillSelect(target="text"),
        help_text="Fills the text below, which you can still edit.",
    )
    text = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "data-counter": "1"}),
        help_text="Variables such as %first_name% are filled from each contact.",
    )
    sender = forms.CharField(max_length=15, required=False)
    scheduled_at = forms.DateTimeField(
        label="Send at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text="Empty: now. In your team's time zone.",
    )

    def __init__(self, *args, team: Team, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        self.limit_groups(team, "groups")
        if not self.fields["groups"].queryset.exists():
            self.fields["groups"].help_text = "No groups yet: make one under Contacts → Groups, or type numbers below."
        self.offer_templates(selectors.template_list(team=team))

    def clean_numbers(self) -> list[str]:
        return split_numbers(self.cleaned_data["numbers"])

    def clean_scheduled_at(self) -> datetime | None:
        value = self.cleaned_data["scheduled_at"]
        if value is None:
            return None
        naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        return naive.replace(tzinfo=self.team.zone)
