"""Daily counters: squashing the delta rows (periodic) and reading statistics from them."""

from datetime import date

from django.db.models import Count, Sum

from accounts.models import Team, User
from accounts.permissions import Action, require, scope, team_of
from accounts.selectors import user_find, user_list
from messaging.models import DailyCount


def daily_counts_squash() -> int:
    """Replace each key's many delta rows by one (RapidPro's squashed counts). Run in a transaction."""
    keys = ("team_id", "user_id", "day", "direction", "status", "campaign")
    groups = DailyCount.objects.values(*keys).annotate(n=Count("id"), total=Sum("count"), credits_total=Sum("credits"))
    squashed = 0
    for group in groups.filter(n__gt=1):
        key = {k: group[k] for k in keys}
        DailyCount.objects.filter(**key).delete()
        if group["total"] or group["credits_total"]:
            DailyCount.objects.create(**key, count=group["total"], credits=group["credits_total"])
        squashed += group["n"]
    return squashed


def statistics(
    *,
    team: Team,
    start: date,
    end: date,
    user: User | None = None,
    campaign: str | None = None,
    direction: str = "out",
    by: tuple[str, ...] = ("day", "status"),
) -> list[dict]:
    """Messages (`count`) and `credits` grouped `by` day, status, campaign or user_id (days in the
    team's time zone, both ends included)."""
    rows = DailyCount.objects.filter(team=team, day__gte=start, day__lte=end, direction=direction)
    if user is not None:
        rows = rows.filter(user=user)
    if campaign:
        rows = rows.filter(campaign=campaign)
    totals = rows.values(*by).annotate(count=Sum("count"), credits=Sum("credits")).order_by(*by)
    return [r for r in totals if r["count"]]


def statistics_users(*, actor: User, email: str = "") -> list[User]:
    """Whose statistics the actor may see (`Action.STATISTICS_READ`): owners and admins every user
    of the team, members themselves; `email` names one of them. Asking for a user of the team one
    may not see is refused; an unknown email is not found."""
    if email:
        user = user_find(team=team_of(actor), actor=None, email=email)
        require(actor, Action.STATISTICS_READ, target=user, field="email")
        return [user]
    return list(
        scope(user_list(team=team_of(actor), actor=None), actor=actor, action=Action.STATISTICS_READ, user_field="")
    )
