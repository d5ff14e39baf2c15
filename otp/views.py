"""Dashboard page of the team's 2FA verifications: receiver, times and status, never a PIN."""

from django.views.generic import ListView

from accounts.views import TeamPageMixin

from .models import PinStatus
from .selectors import pin_list


class VerificationListView(TeamPageMixin, ListView):
    template_name = "otp/verifications.html"
    context_object_name = "pins"
    paginate_by = 50

    def get_queryset(self):
        return pin_list(team=self.team, status=self.request.GET.get("status") or None)

    def get_context_data(self, **kwargs):
        return super().get_context_data(statuses=PinStatus.choices, status=self.request.GET.get("status", ""), **kwargs)
