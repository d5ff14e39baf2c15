"""The gate of every dashboard page that works on a team's data: the user has a team, and the role
matrix says yes to the page's action. Every app's views use it (pages import it, never each other)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils import timezone

from accounts.permissions import Action, require


class TeamPageMixin(LoginRequiredMixin):
    """A page of the operator dashboard: the user has a team; a page with a `required_action` needs
    the role matrix's yes for it on the team (accounts.permissions). Times are shown, and typed times
    read, in the team's time zone."""

    required_action: Action | None = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if request.user.team is None:
                return redirect("admin:index")  # support staff work in the admin
            if self.required_action is not None:
                require(request.user, self.required_action, team=request.user.team)
            self.team = request.user.team
            with timezone.override(self.team.zone):
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)
