"""Daily counters: squashing the delta rows (periodic) and reading statistics from them."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum

from accounts.models import Team, User
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


@dataclass(frozen=True)
class DayStatus:
    day: date
    status: str
    count: int
    credits: Decimal


def statistics(
    *, team: Team, start: date, end: date, user: User | None = None, campaign: str | None = None, direction: str = "out"
) -> list[DayStatus]:
    """Messages and credits per day and status (days in the team's time zone), both ends included."""
    rows = DailyCount.objects.filter(team=team, day__gte=start, day__lte=end, direction=direction)
    if user is not None:
        rows = rows.filter(user=user)
    if campaign:
        rows = rows.filter(campaign=campaign)
    totals = rows.values("day", "status").annotate(count=Sum("count"), credits=Sum("credits")).order_by("day", "status")
    return [DayStatus(r["day"], r["status"], r["count"], r["credits"]) for r in totals if r["count"]]
