"""Reads, always scoped to a team: another team's object is simply not found."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import ApiKey, CreditEntry, Team, User
from accounts.permissions import Action, scope
from core.errors import NotFound


def user_list(*, team: Team, actor: User | None) -> QuerySet[User]:
    """The team's users whose record and balance `actor` may see (members: themselves);
    `actor=None` is the platform itself (tasks, commands, support)."""
    users = User.objects.filter(team=team).order_by("id")
    return users if actor is None else scope(users, actor=actor, action=Action.BALANCE_READ, user_field="")


def user_get(*, team: Team, actor: User | None, user_id: object) -> User:
    try:
        return user_list(team=team, actor=actor).get(pk=int(str(user_id)))
    except (User.DoesNotExist, ValueError):
        raise NotFound("User not found.", field="user_id") from None


def user_find(*, team: Team, actor: User | None, email: str) -> User:
    user = user_list(team=team, actor=actor).filter(email__iexact=(email or "").strip()).first()
    if user is None:
        raise NotFound("User not found.", field="email")
    return user


def team_balance(*, team: Team) -> Decimal:
    return User.objects.filter(team=team).aggregate(total=Coalesce(Sum("balance"), Decimal(0)))["total"]


def credit_entry_list(*, team: Team, actor: User | None, user: User | None = None) -> QuerySet[CreditEntry]:
    """Ledger rows of the users whose balance `actor` may see (`None`: the platform)."""
    entries = CreditEntry.objects.filter(team=team).select_related("user", "actor")
    if actor is not None:
        entries = scope(entries, actor=actor, action=Action.BALANCE_READ)
    return entries.filter(user=user) if user else entries


def api_key_list(*, user: User) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(user=user)


def api_key_get(*, user: User, key_id: object) -> ApiKey:
    try:
        return api_key_list(user=user).get(pk=int(str(key_id)))
    except (ApiKey.DoesNotExist, ValueError):
        raise NotFound("API key not found.") from None


@dataclass(frozen=True)
class CreditDrift:
    user_id: int
    email: str
    balance: Decimal
    ledger_total: Decimal


def credit_drift_list() -> list[CreditDrift]:
    """Users whose balance differs from the sum of their ledger rows (should always be empty)."""
    ledger = (
        CreditEntry.objects.filter(user=OuterRef("pk")).values("user").annotate(total=Sum("amount")).values("total")
    )
    zero = Value(Decimal(0), output_field=DecimalField(max_digits=16, decimal_places=4))
    rows = User.objects.annotate(ledger_total=Coalesce(Subquery(ledger), zero)).values_list(
        "pk", "email", "balance", "ledger_total"
    )
    return [CreditDrift(*row) for row in rows if row[2] != row[3]]
