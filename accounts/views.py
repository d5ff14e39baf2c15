"""Dashboard pages for the account: overview, team and credits, API keys, developer settings."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views import View

from accounts import selectors, services
from accounts.confirm import ask_first
from accounts.forms import ApiKeyForm, SubUserEditForm, SubUserForm, TeamSettingsForm, TransferForm
from accounts.models import KeyKind
from accounts.pages import TeamPageMixin
from accounts.permissions import Action, can, require
from core.pages import call_service


class LoginView(auth_views.LoginView):
    """Django's login. Failures lock out through accounts.lockout (axes), which shows this page
    again with the reason as 429; a deactivated account or team is refused (accounts.access)."""


class TeamView(TeamPageMixin, View):
    """The users and ledger rows the user may see (members: themselves), credit transfers, and for
    owners and admins new sub-users."""

    def get(self, request, user_form=None, transfer_form=None):
        user = request.user
        may_create = can(user, Action.USER_CREATE)
        users = selectors.user_list(team=self.team, actor=user)
        return render(
            request,
            "dashboard/team.html",
            {
                "users": [(u, u.pk == user.pk or can(user, Action.USER_MANAGE, target=u)) for u in users],
                "entries": selectors.credit_entry_list(team=self.team, actor=user)[:50],
                "user_form": (user_form or SubUserForm()) if may_create else None,
                "transfer_form": transfer_form or TransferForm(initial={"from_email": user.email}),
            },
        )

    def post(self, request):
        if "transfer" in request.POST:
            form = TransferForm(request.POST)
            if form.is_valid() and call_service(
                form, lambda: services.credit_transfer(actor=request.user, **form.cleaned_data)
            ):
                messages.success(request, "Credits transferred.")
                return redirect("dashboard:team")
            return self.get(request, transfer_form=form)
        require(request.user, Action.USER_CREATE)
        form = SubUserForm(request.POST)
        if form.is_valid() and call_service(
            form, lambda: services.user_create(actor=request.user, **form.cleaned_data)
        ):
            messages.success(request, f"User {form.cleaned_data['email']} created.")
            return redirect("dashboard:team")
        return self.get(request, user_form=form)


class UserEditView(TeamPageMixin, View):
    """One's own profile, or another user's as the role matrix allows (`Action.USER_MANAGE`)."""

    def _target(self, request, user_id):
        target = selectors.user_get(team=request.user.team, actor=request.user, user_id=user_id)
        if target.pk != request.user.pk:
            require(request.user, Action.USER_MANAGE, target=target)
        return target

    def get(self, request, user_id, form=None):
        target = self._target(request, user_id)
        initial = {f: getattr(target, f) for f in SubUserEditForm.base_fields}
        return render(
            request, "dashboard/user_edit.html", {"target": target, "form": form or SubUserEditForm(initial=initial)}
        )

    def post(self, request, user_id):
        target = self._target(request, user_id)
        form = SubUserEditForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            if target.pk == request.user.pk:  # one cannot demote or deactivate oneself
                data.pop("role"), data.pop("is_active")
            if call_service(form, lambda: services.user_update(actor=request.user, user=target, **data)):
                messages.success(request, f"{target.email} saved.")
                return redirect("dashboard:team")
        return self.get(request, user_id, form=form)


class ApiKeysView(TeamPageMixin, View):
    """The user's own API keys and URL-sending token (nobody manages another's: `Action.API_KEY_MANAGE`).
    A new secret is shown once, on this response."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.team is not None:
            require(request.user, Action.API_KEY_MANAGE, target=request.user)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, form=None, issued=None):
        keys = selectors.api_key_list(user=request.user)
        return render(
            request,
            "dashboard/keys.html",
            {
                "keys": keys,
                "form": form or ApiKeyForm(),
                "issued": issued,
                "send_url_base": request.build_absolute_uri("/api/rest/v1/sms/send-url/"),
            },
        )

    def post(self, request):
        action = request.POST.get("action", "create")
        if action == "create":
            form = ApiKeyForm(request.POST)
            issued = form.is_valid() and call_service(
                form, lambda: services.api_key_create(user=request.user, **form.cleaned_data)
            )
            return self.get(request, form=form, issued=issued or None)
        if action == "url-token":
            return self.get(
                request, issued=services.api_key_create(user=request.user, name="URL sending", kind=KeyKind.URL)
            )
        key = selectors.api_key_get(user=request.user, key_id=request.POST.get("key_id"))
        if action in ("revoke", "regenerate"):
            question = ask_first(
                request,
                title="Revoke an API key" if action == "revoke" else "Regenerate an API key",
                question=f"{action.title()} the key {key.prefix}… ({key.name or 'no name'})?",
                consequence="Every application using this key stops being able to send at once"
                + (", until you give it the new secret." if action == "regenerate" else ". This cannot be undone."),
                action_label=f"{action.title()} {key.prefix}…",
                back_url=reverse("dashboard:keys"),
            )
            if question:
                return question
        if action == "revoke":
            services.api_key_revoke(key=key)
            messages.success(request, f"Key {key.prefix}… revoked.")
            return HttpResponseRedirect(reverse("dashboard:keys"))
        if action == "regenerate":
            return self.get(request, issued=services.api_key_regenerate(key=key))
        return HttpResponseRedirect(reverse("dashboard:keys"))


class DeveloperSettingsView(TeamPageMixin, View):
    required_action = Action.TEAM_SETTINGS

    def get(self, request, form=None):
        return render(request, "dashboard/settings.html", {"form": form or TeamSettingsForm(instance=self.team)})

    def post(self, request):
        if request.POST.get("action") == "rotate-secret":
            services.team_signing_secret_rotate(team=self.team, actor=request.user)
            messages.success(request, "New signing secret: callbacks are signed with it from now on.")
            return redirect("dashboard:settings")
        form = TeamSettingsForm(request.POST, instance=self.team)
        if not form.is_valid():  # the rules too, on the fields whose shape is right: every error at once
            for field, message in services.team_settings_problems(form.cleaned_data):
                if field not in form.errors:
                    form.add_error(field, message)
        else:
            fields = {name: form.cleaned_data[name] for name in form.changed_data}
            # The ModelForm validated shapes; the service checks the rules and saves.
            self.team.refresh_from_db()
            if call_service(form, lambda: services.team_update(team=self.team, actor=request.user, **fields)):
                messages.success(request, "Settings saved.")
                return redirect("dashboard:settings")
        return self.get(request, form=form)


password_change = auth_views.PasswordChangeView.as_view(
    template_name="registration/password_change.html", success_url=reverse_lazy("dashboard:overview")
)
