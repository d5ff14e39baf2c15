"""Support staff: find teams, users and keys; top up and adjust credits through the services."""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group as AuthGroup
from django.shortcuts import redirect, render
from django.urls import path, reverse

from accounts.forms import CreditMovementForm
from accounts.models import ApiKey, CreditEntry, StaffPermissionGroup, Team, User
from accounts.services import api_key_revoke, credit_adjust, credit_top_up, team_set_active
from core.admin_readonly import ReadOnlyMixin
from core.errors import DomainError


class UserInline(ReadOnlyMixin, admin.TabularInline):
    model = User
    fields = ("email", "role", "balance", "is_active")
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "default_country", "time_zone", "is_active", "created_at")
    list_filter = ("is_active", "default_country")
    search_fields = ("name", "users__email")
    inlines = [UserInline]
    actions = ["deactivate", "activate"]

    @admin.action(description="Deactivate selected teams (their logins and API keys stop working)")
    def deactivate(self, request, queryset):
        for team in queryset:
            team_set_active(team=team, actor=request.user, active=False)

    @admin.action(description="Activate selected teams")
    def activate(self, request, queryset):
        for team in queryset:
            team_set_active(team=team, actor=request.user, active=True)


class CreditEntryInline(ReadOnlyMixin, admin.TabularInline):
    model = CreditEntry
    fk_name = "user"
    fields = ("created_at", "kind", "amount", "balance_after", "actor", "memo")
    readonly_fields = fields
    ordering = ("-id",)
    extra = 0
    max_num = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups":
            field.label = "Staff permission groups"
        return field

    list_display = ("email", "team", "role", "balance", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff")
    list_select_related = ("team",)
    search_fields = ("email", "first_name", "last_name", "team__name", "contact_number")
    readonly_fields = ("balance", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "contact_number", "company")}),
        ("Team", {"fields": ("team", "role", "balance")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "team", "role", "password1", "password2")}),)
    inlines = [CreditEntryInline]
    change_form_template = "admin/accounts/user/change_form.html"

    def get_urls(self):
        own = [
            path("<int:user_id>/credits/<str:movement>/", self.admin_site.admin_view(self.credit_view), name="credit"),
        ]
        return own + super().get_urls()

    def credit_view(self, request, user_id: int, movement: str):
        """Top up or adjust one user's credits; both go through the ledger services and need a memo."""
        user = User.objects.get(pk=user_id)
        service = {"top-up": credit_top_up, "adjust": credit_adjust}.get(movement)
        if service is None or not self.has_change_permission(request, user):
            return redirect(reverse("admin:accounts_user_change", args=[user_id]))
        form = CreditMovementForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                entry = service(
                    user=user, amount=form.cleaned_data["amount"], actor=request.user, memo=form.cleaned_data["memo"]
                )
            except DomainError as exc:
                form.add_error("amount" if exc.field == "amount" else None, exc.message)
            else:
                messages.success(
                    request, f"{entry.get_kind_display()} of {entry.amount}: balance is now {entry.balance_after}."
                )
                return redirect(reverse("admin:accounts_user_change", args=[user_id]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{'Top up' if movement == 'top-up' else 'Adjust'} credits of {user.email}",
            "form": form,
            "target": user,
            "opts": self.model._meta,
        }
        return render(request, "admin/accounts/credit_form.html", context)


@admin.register(CreditEntry)
class CreditEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "team", "user", "kind", "amount", "balance_after", "actor", "memo")
    list_filter = ("kind", "created_at")
    list_select_related = ("team", "user", "actor")
    search_fields = ("user__email", "team__name", "memo", "transfer_id")
    date_hierarchy = "created_at"


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("prefix", "kind", "name", "user", "created_at", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("kind",)
    list_select_related = ("user",)
    search_fields = ("prefix", "name", "user__email")
    # Never the raw key (it is not stored) and not even the hash.
    fields = ("user", "kind", "name", "prefix", "parent", "created_at", "expires_at", "revoked_at", "last_used_at")
    # Expiry and revocation change only through the service, which carries them to the keys made
    # with this one: hence read-only here, and revoking is an action.
    readonly_fields = ("user", "kind", "prefix", "parent", "created_at", "expires_at", "revoked_at", "last_used_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # keys are shown once to their owner: they are made on the dashboard or the API

    @admin.action(description="Revoke selected keys (and the keys made with them)")
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(key=key)


# Django's auth groups (staff permissions) under their own name: "Groups" alone is a team's contact groups.
admin.site.unregister(AuthGroup)
admin.site.register(StaffPermissionGroup, GroupAdmin)
