"""Dashboard pages of 2FA: the verification log (never a PIN) and the team's 2FA policy."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import ListView

from accounts.pages import TeamPageMixin
from accounts.permissions import Action
from core.pages import call_service

from . import conf
from .forms import PolicyForm
from .models import PinStatus
from .selectors import otp_policy_get, pin_list
from .services import POLICY_FIELDS, otp_policy_update


class VerificationListView(TeamPageMixin, ListView):
    template_name = "otp/verifications.html"
    context_object_name = "pins"
    paginate_by = 50

    def get_queryset(self):
        return pin_list(team=self.team, actor=self.request.user, status=self.request.GET.get("status") or None)

    def get_context_data(self, **kwargs):
        return super().get_context_data(statuses=PinStatus.choices, status=self.request.GET.get("status", ""), **kwargs)


class PolicyView(TeamPageMixin, View):
    required_action = Action.TEAM_SETTINGS

    def get(self, request, form=None):
        form = form or PolicyForm(instance=otp_policy_get(team=self.team))
        return render(request, "otp/policy.html", {"form": form, "receiver_hourly_limit": conf.receiver_hourly_limit()})

    def post(self, request):
        form = PolicyForm(request.POST, instance=otp_policy_get(team=self.team))
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in POLICY_FIELDS if name in form.cleaned_data}
            if call_service(form, lambda: otp_policy_update(team=self.team, actor=request.user, **fields)):
                messages.success(request, "2FA settings saved.")
                return redirect("dashboard:otp-policy")
        return self.get(request, form=form)
