"""Sending: one service for one message or 100,000, from every dialect, page and task.

Numbers are read, texts converted and priced, blacklisted recipients kept (status BLACKLISTED,
not charged), then the messages and the charge are written in one transaction before the caller
answers. Dispatch is queued on commit. Bad recipients change nothing: they come back as
rejections for the caller to report in its own words."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.errors import InsufficientCredits, ValidationFailed
from accounts.models import User
from accounts.services import credit_charge
from contacts.selectors import blacklisted_numbers
from messaging import segments
from messaging.conversion import CONVERSION_LEVELS, convert
from messaging.models import Batch, DailyCount, Message, Status
from messaging.numbers import InvalidNumber, normalize_number
from messaging.pricing import PriceBook
from messaging.senders import clean_sender
from messaging.services.status import ROW_FIELDS, count_deltas

MAX_REF = 100


@dataclass(frozen=True)
class Recipient:
    """One recipient; per-recipient values override the request's."""

    number: str
    text: str | None = None
    client_ref: str = ""
    campaign: str | None = None
    data_field: str = ""
    scheduled_at: datetime | None = None
    secret_text: str | None = None  # the text the gateway gets when `text` is stored masked (a PIN)


@dataclass(frozen=True)
class Rejection:
    index: int  # position in the request
    number: str  # as given
    status: str  # INVALID_ROUTING or SEGMENTS_EXCEEDED
    reason: str


@dataclass(frozen=True)
class SendResult:
    messages: list[Message]  # accepted recipients in request order (BLACKLISTED ones included)
    rejected: list[Rejection] = field(default_factory=list)
    batch: Batch | None = None
    cost: Decimal = Decimal(0)
    low_balance: bool = False


@dataclass
class _Prepared:
    index: int
    number: str
    text: str
    analysis: segments.TextAnalysis
    price: Decimal
    recipient: Recipient


def _clean_ref(value: str, field_name: str) -> str:
    text = str(value or "").strip()
    if len(text) > MAX_REF:
        raise ValidationFailed(f"The {field_name} may not be longer than {MAX_REF} characters.", field=field_name)
    return text


def message_send(
    *,
    actor: User,
    recipients: Sequence[Recipient],
    text: str = "",
    sender: str = "",
    conversion: int = 0,
    scheduled_at: datetime | None = None,
    messages_per_minute: int | None = None,
    request_dlr: bool = True,
    silent: bool = False,
    dlr_url: str = "",
    callbacks: Sequence[str] = (),
    campaign: str = "",
    all_or_nothing: bool = False,
    source: str,
) -> SendResult:
    """With `all_or_nothing`, one bad recipient stops the whole request (nothing stored or charged)."""
    team = actor.team
    if not recipients:
        raise ValidationFailed("At least one recipient is required.", field="recipients")
    if len(recipients) > settings.SMS_MAX_RECIPIENTS:
        raise ValidationFailed(f"At most {settings.SMS_MAX_RECIPIENTS} recipients per request.", field="recipients")
    if conversion not in CONVERSION_LEVELS:
        raise ValidationFailed("The conversion must be 0, 1 or 2.", field="conversion")
    if messages_per_minute is not None and messages_per_minute < 1:
        raise ValidationFailed("The messages per minute must be at least 1.", field="messages_per_minute")
    sender = clean_sender(sender or team.default_sender)
    campaign = _clean_ref(campaign, "campaign")

    prices = PriceBook()
    analysed: dict[str, tuple[str, segments.TextAnalysis]] = {}  # a bulk text is analysed once
    prepared: list[_Prepared] = []
    rejected: list[Rejection] = []
    for index, r in enumerate(recipients):
        body = text if r.text is None else r.text
        if body not in analysed:
            converted = convert(body, conversion)
            analysed[body] = (converted, segments.analyse(converted))
        converted, analysis = analysed[body]
        try:
            number = normalize_number(r.number, default_country=team.default_country, field="recipients")
        except InvalidNumber:
            rejected.append(Rejection(index, str(r.number), Status.INVALID_ROUTING, "Invalid number"))
            continue
        if analysis.too_long:
            reason = f"Text exceeds the limit of allowed segments ({segments.MAX_CHARS} characters)."
            rejected.append(Rejection(index, str(r.number), Status.SEGMENTS_EXCEEDED, reason))
            continue
        price = prices.per_segment(number) * analysis.segments
        prepared.append(_Prepared(index, number, converted, analysis, price, r))
    if not prepared or (rejected and all_or_nothing):
        return SendResult(messages=[], rejected=rejected)

    blocked = blacklisted_numbers(team=team, numbers=[p.number for p in prepared]) if team.skip_blacklisted else set()
    now = timezone.now()
    start = max(scheduled_at or now, now)
    interval = timedelta(minutes=1) / messages_per_minute if messages_per_minute else None
    messages = []
    for position, p in enumerate(prepared):
        r = p.recipient
        when = r.scheduled_at or (start + interval * position if interval else scheduled_at)
        is_blocked = p.number in blocked
        secret = r.secret_text is not None and not is_blocked
        messages.append(
            Message(
                team=team,
                user=actor,
                sender=sender,
                recipient=p.number,
                text=p.text,
                encoding=p.analysis.encoding,
                segments=p.analysis.segments,
                price=Decimal(0) if is_blocked else p.price,
                status=Status.BLACKLISTED if is_blocked else (Status.DEQUEUED if secret else Status.QUEUE),
                has_secret=secret,
                claimed_at=now if secret else None,
                attempts=1 if secret else 0,
                client_ref=_clean_ref(r.client_ref, "client_ref"),
                campaign=campaign if r.campaign is None else _clean_ref(r.campaign, "campaign"),
                data_field=str(r.data_field or "")[:255],
                request_dlr=request_dlr,
                silent=silent,
                dlr_url=dlr_url,
                callbacks=list(callbacks),
                scheduled_at=when if when and when > now else None,
                created_at=now,
                status_at=now,
            )
        )
    cost = sum((m.price for m in messages), Decimal(0))

    with transaction.atomic():
        batch = None
        if len(messages) > 1 or messages_per_minute:
            batch = Batch.objects.create(
                team=team,
                user=actor,
                source=source,
                campaign=campaign,
                total=len(messages),
                cost=cost,
                messages_per_minute=messages_per_minute,
                scheduled_at=scheduled_at,
                created_at=now,
            )
            for m in messages:
                m.batch = batch
        Message.objects.bulk_create(messages, batch_size=2000)
        if cost > 0:
            try:
                credit_charge(
                    user=actor,
                    amount=cost,
                    memo=f"{len(messages)} message(s) via {source}",
                    batch_id=batch.pk if batch else None,
                    message_id=None if batch else messages[0].pk,
                )
            except InsufficientCredits:
                raise InsufficientCredits(f"Insufficient credits: this costs {cost}.", field="credits") from None
        _count_new(messages)
        transaction.on_commit(_kick_dispatcher)
        secrets = {m.pk: r.recipient.secret_text for m, r in zip(messages, prepared, strict=True) if m.has_secret}
        if secrets:
            # Claimed at creation, submitted from memory by this process once committed: the real
            # text never reaches the database, and the dispatcher never sees these messages.
            transaction.on_commit(lambda: dispatch_secrets(texts=secrets))

    actor.refresh_from_db(fields=["balance"])
    return SendResult(
        messages=messages,
        rejected=rejected,
        batch=batch,
        cost=cost,
        low_balance=actor.balance < team.low_balance_threshold,
    )


def _count_new(messages: Sequence[Message]) -> None:
    rows = [{f: getattr(m, f) for f in ROW_FIELDS} for m in messages]
    deltas = []
    for status in {r["status"] for r in rows}:
        deltas += count_deltas([r for r in rows if r["status"] == status], status=status, sign=+1)
    DailyCount.objects.bulk_create(deltas)


def dispatch_secrets(*, texts: dict[int, str]) -> None:
    from messaging.gateways import get_gateway
    from messaging.services.dispatch import submit_claimed

    submit_claimed(gateway=get_gateway(), message_ids=list(texts), texts=texts)


def _kick_dispatcher() -> None:
    from messaging.tasks import dispatch

    dispatch()
