"""Who may act: one rule for "active", followed by every way in.

The dashboard login and the sessions already open (accounts.backends, accounts.middleware), the
admin login (the same backend), every API dialect's credentials (API keys, URL-sending tokens,
passwords: accounts.authentication, accounts.services.keys) and key creation all ask these two
functions, so switching a user or a team off closes every door at once."""

from accounts.models import User


def user_is_active(user: User | None) -> bool:
    """The account is on and, for an operator, so is the team. Support staff without a team need
    only their own account."""
    if user is None or not getattr(user, "is_active", False):
        return False
    team = user.team
    return team is None or team.is_active


def user_may_use_api(user: User | None) -> bool:
    """API credentials belong to operators: an active user of an active team."""
    return user_is_active(user) and user.team_id is not None
