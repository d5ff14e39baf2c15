"""Support staff: each team's 2FA policy (saved through the service) and a read-only PIN log."""

from django import forms
from django.contrib import admin
from django.utils import timezone

from core.errors import DomainError

from .models import OtpPolicy, Pin
from .services import POLICY_FIELDS, otp_policy_clean, otp_policy_update


class OtpPolicyForm(forms.ModelForm):
    class Meta:
        model = OtpPolicy
        fields = ("team", *POLICY_FIELDS)

    def clean(self):
        data = super().clean()
        for name in POLICY_FIELDS:  # one field at a time, so every error shows beside its field
            if name in data:
                try:
                    data.update(otp_policy_clean({name: data[name]}))
                except DomainError as exc:
                    self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


@admin.register(OtpPolicy)
class OtpPolicyAdmin(admin.ModelAdmin):
    form = OtpPolicyForm
    list_display = ("team", "digits_only", "max_attempts", "receiver_limit", "team_hourly_limit", "updated_at")
    search_fields = ("team__name",)
    autocomplete_fields = ("team",)

    def get_readonly_fields(self, request, obj=None):
        return ("team",) if obj else ()

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in POLICY_FIELDS if name in form.cleaned_data}
        saved = otp_policy_update(team=obj.team, actor=request.user, **fields)
        obj.pk = saved.pk


@admin.register(Pin)
class PinAdmin(admin.ModelAdmin):
    """The verification log. The hash is neither shown nor editable; nothing can be changed here."""

    list_display = ("receiver", "team", "created_at", "status", "attempts", "max_attempts", "verified_at")
    list_filter = ("created_at",)
    search_fields = ("receiver", "team__name")
    list_select_related = ("team",)
    fields = (
        "team",
        "requested_by",
        "receiver",
        "pin_length",
        "attempts",
        "max_attempts",
        "message",
        "created_at",
        "expires_at",
        "verified_at",
    )
    readonly_fields = fields

    @admin.display(description="status")
    def status(self, obj: Pin) -> str:
        return obj.status_at(timezone.now()).label

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pin_hash")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
