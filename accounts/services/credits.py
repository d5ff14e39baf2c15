"""Credit movements. Each one changes a balance with a conditional SQL update and writes its
ledger row in the same transaction, so the ledger always sums to the balance."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import CreditEntry, EntryKind, Team, User
from accounts.permissions import Action, require, team_of
from core import metrics
from core.copy import rows_insert
from core.enqueue import enqueue_on_commit
from core.errors import InsufficientCredits, NotFound, ValidationFailed

MAX_AMOUNT = Decimal("1000000000")
QUANTUM = Decimal("0.0001")


def clean_amount(value: object, *, field: str = "amount") -> Decimal:
    """A positive amount of credits with at most four decimals, or a ValidationFailed."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValidationFailed("The amount is required and must be a number.", field=field)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed("The amount must be a number.", field=field) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationFailed("The amount must be greater than zero.", field=field)
    if amount > MAX_AMOUNT:
        raise ValidationFailed(f"The amount must not be greater than {MAX_AMOUNT}.", field=field)
    if amount != amount.quantize(QUANTUM):
        raise ValidationFailed("The amount can have at most four decimal places.", field=field)
    return amount.quantize(QUANTUM)


def is_zero_amount(value: object) -> bool:
    """True for an absent or zero amount; False for anything else, including non-numbers."""
    try:
        return Decimal(str(value if value not in (None, "") else 0)) == 0
    except InvalidOperation:
        return False


def _move(
    *,
    user_id: int,
    amount: Decimal,
    kind: str,
    actor: User | None,
    memo: str,
    transfer_id: uuid.UUID | None = None,
    message_id: int | None = None,
    batch_id: int | None = None,
) -> CreditEntry:
    """Apply a signed movement. Runs inside the caller's transaction."""
    if connection.vendor == "postgresql":
        return _move_in_one_statement(
            user_id=user_id,
            amount=amount,
            kind=kind,
            actor=actor,
            memo=memo,
            transfer_id=transfer_id,
            message_id=message_id,
            batch_id=batch_id,
        )
    users = User.objects.filter(pk=user_id)
    if amount < 0:
        # The condition makes the check and the write one statement: no read-then-write race.
        if not users.filter(balance__gte=-amount).update(balance=F("balance") + amount):
            raise InsufficientCredits("Insufficient credits.", field="amount")
    else:
        users.update(balance=F("balance") + amount)
    balance_after, team_id = users.values_list("balance", "team_id").get()
    return CreditEntry.objects.create(
        team_id=team_id,
        user_id=user_id,
        kind=kind,
        amount=amount,
        balance_after=balance_after,
        actor=actor,
        memo=memo[:255],
        transfer_id=transfer_id,
        message_id=message_id,
        batch_id=batch_id,
    )


_MOVE_SQL = """
WITH moved AS (
    UPDATE {users} SET balance = balance + %(amount)s WHERE id = %(user)s {guard} RETURNING balance, team_id
)
INSERT INTO {entries} (team_id, user_id, kind, amount, balance_after, actor_id, memo, transfer_id, message_id,
    batch_id, created_at)
SELECT team_id, %(user)s, %(kind)s, %(amount)s, balance, %(actor)s, %(memo)s, %(transfer)s, %(message)s, %(batch)s,
    %(now)s
FROM moved
RETURNING id, team_id, balance_after
"""


def _move_in_one_statement(
    *,
    user_id: int,
    amount: Decimal,
    kind: str,
    actor: User | None,
    memo: str,
    transfer_id: uuid.UUID | None,
    message_id: int | None,
    batch_id: int | None,
) -> CreditEntry:
    """`_move` as one statement (PostgreSQL): the balance row is locked for one round trip less,
    which is what concurrent sends of one user queue on."""
    now = timezone.now()
    sql = _MOVE_SQL.format(
        users=User._meta.db_table,
        entries=CreditEntry._meta.db_table,
        guard="AND balance >= %(need)s" if amount < 0 else "",
    )
    params: dict[str, Any] = {  # the driver adapts each (UUIDs and datetimes too)
        "amount": amount,
        "need": -amount,
        "user": user_id,
        "kind": kind,
        "actor": actor.pk if actor is not None else None,
        "memo": memo[:255],
        "transfer": transfer_id,
        "message": message_id,
        "batch": batch_id,
        "now": now,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        if amount < 0:
            raise InsufficientCredits("Insufficient credits.", field="amount")
        raise User.DoesNotExist("User matching query does not exist.")
    entry = CreditEntry(
        id=row[0],
        team_id=row[1],
        user_id=user_id,
        kind=kind,
        amount=amount,
        balance_after=row[2],
        actor=actor,
        memo=memo[:255],
        transfer_id=transfer_id,
        message_id=message_id,
        batch_id=batch_id,
        created_at=now,
    )
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


def _require_memo(memo: str) -> str:
    memo = (memo or "").strip()
    if not memo:
        raise ValidationFailed("A memo is required.", field="memo")
    return memo


@transaction.atomic
def credit_top_up(*, user: User, amount: object, actor: User | None, memo: str) -> CreditEntry:
    """Credits bought: by support staff (`actor`), or by the platform itself (`actor=None`)."""
    if actor is not None:
        require(actor, Action.CREDIT_TOP_UP)
    return _move(
        user_id=user.pk, amount=clean_amount(amount), kind=EntryKind.TOP_UP, actor=actor, memo=_require_memo(memo)
    )


@transaction.atomic
def credit_adjust(*, user: User, amount: object, actor: User | None, memo: str) -> CreditEntry:
    """A signed correction by support staff, e.g. `-5` to take back a mistaken top-up."""
    if actor is not None:
        require(actor, Action.CREDIT_TOP_UP)
    text = str(amount).strip()
    negative = text.startswith("-")
    value = clean_amount(text.lstrip("-"))
    entry = _move(
        user_id=user.pk,
        amount=-value if negative else value,
        kind=EntryKind.ADJUSTMENT,
        actor=actor,
        memo=_require_memo(memo),
    )
    low_balance_check(entry=entry)
    return entry


@transaction.atomic
def credit_charge(
    *,
    user: User,
    amount: object,
    memo: str,
    actor: User | None = None,
    message_id: int | None = None,
    batch_id: int | None = None,
) -> CreditEntry:
    value = clean_amount(amount)
    entry = _move(
        user_id=user.pk,
        amount=-value,
        kind=EntryKind.CHARGE,
        actor=actor,
        memo=memo,
        message_id=message_id,
        batch_id=batch_id,
    )
    metrics.credits_charged(amount=value)
    return entry


@dataclass(frozen=True)
class ChargeLine:
    """One send's charge in a group of them (`credit_charge_many`)."""

    user_id: int
    team_id: int
    amount: Decimal  # positive: what is taken
    memo: str
    message_id: int


class ShortOfCredits(InsufficientCredits):
    """Some users' balances can't pay their charges of a group: nothing of the group is written."""

    def __init__(self, user_ids: set[int]) -> None:
        super().__init__("Insufficient credits.", field="credits")
        self.user_ids = user_ids


_TAKE_SQL = """
UPDATE {users} AS u SET balance = u.balance - c.total
FROM (VALUES {values}) AS c(id, total)
WHERE u.id = c.id AND u.balance >= c.total
RETURNING u.id, u.balance
"""
_LOCK_SQL = "SELECT id FROM {users} WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE"
_ENTRY_COLUMNS = (
    "team_id",
    "user_id",
    "kind",
    "amount",
    "balance_after",
    "actor_id",
    "memo",
    "message_id",
    "created_at",
)


def credit_charge_many(*, lines: Sequence[ChargeLine]) -> list[Decimal]:
    """`credit_charge` for many sends at once, in the caller's transaction (PostgreSQL): the same
    rule, each user's total taken by one conditional update and a CHARGE row written per line with
    the balance after it, in two statements however many lines. Returns each line's balance after
    it. ShortOfCredits (and nothing written) when a user can't pay all of their lines: the caller
    rolls back and charges those users' lines one at a time."""
    if connection.vendor != "postgresql":
        return [_charge_line(line) for line in lines]
    totals: dict[int, Decimal] = {}
    for line in lines:
        totals[line.user_id] = totals.get(line.user_id, Decimal(0)) + line.amount
    ids = sorted(totals)
    with connection.cursor() as cursor:
        if len(ids) > 1:  # rows locked in id order, as transfers lock them: no deadlock between groups
            cursor.execute(_LOCK_SQL.format(users=User._meta.db_table), [ids])
        values = ", ".join(["(%s::bigint, %s::numeric)"] * len(ids))
        cursor.execute(
            _TAKE_SQL.format(users=User._meta.db_table, values=values), [v for i in ids for v in (i, totals[i])]
        )
        after = dict(cursor.fetchall())
        if len(after) < len(ids):
            raise ShortOfCredits(set(ids) - set(after))
        balances, now = [], timezone.now()
        for line in reversed(lines):  # the last line of a user leaves the balance the update returned
            balances.append(after[line.user_id])
            after[line.user_id] += line.amount
        balances.reverse()
        rows = [
            (
                line.team_id,
                line.user_id,
                EntryKind.CHARGE.value,
                -line.amount,
                balance,
                None,
                line.memo[:255],
                line.message_id,
                now,
            )
            for line, balance in zip(lines, balances, strict=True)
        ]
    rows_insert(CreditEntry, _ENTRY_COLUMNS, rows)
    metrics.credits_charged(amount=sum(totals.values(), Decimal(0)))
    return balances


def _charge_line(line: ChargeLine) -> Decimal:
    """One line as `credit_charge` takes it (the databases without UPDATE ... FROM VALUES)."""
    try:
        entry = _move(
            user_id=line.user_id,
            amount=-line.amount,
            kind=EntryKind.CHARGE,
            actor=None,
            memo=line.memo,
            message_id=line.message_id,
        )
    except InsufficientCredits:
        raise ShortOfCredits({line.user_id}) from None
    metrics.credits_charged(amount=line.amount)
    return entry.balance_after


@transaction.atomic
def credit_refund(
    *,
    user: User,
    amount: object,
    memo: str,
    actor: User | None = None,
    message_id: int | None = None,
    batch_id: int | None = None,
) -> CreditEntry:
    """The ledger half of a refund: `amount` back on the user's balance, as a REFUND row. It does not
    know which messages it pays back; to refund messages use
    `messaging.services.dispatch.message_charges_refund`, which refunds each one once and calls this."""
    return _move(
        user_id=user.pk,
        amount=clean_amount(amount),
        kind=EntryKind.REFUND,
        actor=actor,
        memo=memo,
        message_id=message_id,
        batch_id=batch_id,
    )


@dataclass(frozen=True)
class Transfer:
    id: uuid.UUID
    source: CreditEntry
    target: CreditEntry


def credit_transfer(*, actor: User, from_email: str, to_email: str, amount: object, memo: str = "") -> Transfer:
    """Move credits between two active users of the actor's team: whose credits the actor may take
    is the role matrix's `Action.CREDIT_TRANSFER` (members their own, admins anyone's but an owner's)."""
    value = clean_amount(amount)
    team_users = User.objects.filter(team=team_of(actor), is_active=True)
    source = team_users.filter(email__iexact=(from_email or "").strip()).first()
    if source is None:
        raise NotFound("No user with that email address in your team.", field="from_email")
    target = team_users.filter(email__iexact=(to_email or "").strip()).first()
    if target is None:
        raise NotFound("No user with that email address in your team.", field="to_email")
    if source.pk == target.pk:
        raise ValidationFailed("Cannot transfer credits to the same user.", field="to_email")
    require(actor, Action.CREDIT_TRANSFER, target=source, field="from_email")

    transfer_id = uuid.uuid4()
    with transaction.atomic():
        # Lock both rows in id order, so two opposite transfers cannot deadlock. NO KEY UPDATE, like
        # the UPDATE itself, does not block the key-share locks that ledger inserts take on users.
        list(User.objects.select_for_update(no_key=True).filter(pk__in=[source.pk, target.pk]).order_by("pk"))
        memo = memo or f"Transfer from {source.email} to {target.email}"
        out = _move(
            user_id=source.pk,
            amount=-value,
            kind=EntryKind.TRANSFER_OUT,
            actor=actor,
            memo=memo,
            transfer_id=transfer_id,
        )
        low_balance_check(entry=out)
        into = _move(
            user_id=target.pk, amount=value, kind=EntryKind.TRANSFER_IN, actor=actor, memo=memo, transfer_id=transfer_id
        )
    return Transfer(id=transfer_id, source=out, target=into)


def low_balance_crossed(*, threshold: Decimal, before: Decimal, after: Decimal) -> bool:
    """Whether a movement took a balance from at or above the team's threshold to below it. Each
    movement's before and after are exact (the balance row is locked for it), so one dip below the
    threshold is one crossing, however many sends follow while it stays below."""
    return before >= threshold > after


def low_balance_check(*, entry: CreditEntry) -> None:
    """After a debit that is not a send (a transfer out, a negative adjustment): when it crossed the
    team's threshold, the team's owners and admins are mailed once the debit commits. Sends check in
    `message_send`, which has the team at hand."""
    if entry.amount >= 0:
        return
    threshold = Team.objects.filter(pk=entry.team_id).values_list("low_balance_threshold", flat=True).first()
    before = entry.balance_after - entry.amount
    if threshold is not None and low_balance_crossed(threshold=threshold, before=before, after=entry.balance_after):
        enqueue_on_commit("messaging.tasks.low_balance_email", entry.user_id)


def low_balance_notify(*, user_id: int) -> int:
    """Mail the team's owners and admins that this user's balance went below the team's threshold
    (Django's email backend). Returns how many were mailed."""
    from django.conf import settings
    from django.core.mail import send_mail

    from accounts.models import Role

    user = User.objects.select_related("team").get(pk=user_id)
    team = user.team
    if team is None:  # support staff have no team balance to warn about
        return 0
    to = list(
        User.objects.filter(team=team, is_active=True, role__in=[Role.OWNER, Role.ADMIN]).values_list(
            "email", flat=True
        )
    )
    if not to:
        return 0
    send_mail(
        subject=f"Low balance: {user.email} has {user.balance:.2f} credits",
        message=(
            f"The balance of {user.email} in {team.name} went below {team.low_balance_threshold:.2f} credits"
            f" and is now {user.balance:.2f} credits.\n\nTop it up, or transfer credits on the Team & credits page,"
            " so that sends are not refused.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=to,
    )
    return len(to)
