"""Sending: one service for one message or 100,000, from every dialect, page and task.

Numbers are read, texts converted and priced, blacklisted recipients kept (status BLACKLISTED,
not charged, and owed the callbacks of a final status), then the messages and the charge are
written in one transaction before the caller answers: a single send's by intake.py (group commit on
PostgreSQL), a batch's here. Dispatch is woken on commit. Bad
recipients change nothing: they come back as rejections for the caller to report in its own words.

Rules every dialect, page and task gets from here (not from its own checks):
- a message needs text: a recipient whose text is empty after conversion (and personalisation, done
  by the caller) is rejected with EMPTY_TEXT; when that is every recipient, the request is refused
  with EmptyText (a ValidationFailed on `text`);
- a message needs a sender: the one given, else the team's default sender, else (when the caller's
  document makes the sender optional) the platform's SMS_DEFAULT_SENDER; with none, or when the
  caller's document requires one (`sender_required`) and neither it nor the team gives one, the
  request is refused with a ValidationFailed on `sender`;
- a send of QUOTE_FROM recipients or more that the balance cannot pay is refused on a quote before
  any number is read or any row built: every recipient reached, each text's segments at the
  cheapest price any destination has, less the most the team's blacklist could take off. Every
  send is charged at commit by a conditional update of the balance (the check that holds under
  concurrency), which refuses what the balance can't pay with nothing written.

Speed (100,000 recipients in one request): each distinct text is converted and analysed once,
rows are plain values until the end (no per-row model `__init__`, no per-row `save` machinery),
and on PostgreSQL the messages go in with one COPY, their ids taken from the sequence first, so
the database stores rows while Python is still building the next ones. The balance is charged
last, so its row lock is held for the end of the transaction only."""

import json
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.db import connection, router, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from psycopg.types.json import Jsonb

from accounts.models import Team, User
from accounts.permissions import team_of
from accounts.services import credit_charge
from accounts.services.credits import low_balance_crossed
from core import metrics
from core.collector import collection_paused
from core.copy import binary_copy, instances_insert, row_layout
from core.enqueue import enqueue_on_commit
from core.errors import InsufficientCredits, ValidationFailed
from core.numbers import InvalidNumber, normalize_number
from core.senders import clean_sender
from messaging import segments
from messaging.callbacks.notify import notifications_for
from messaging.conversion import CONVERSION_LEVELS, convert
from messaging.models import Batch, DailyCount, Direction, Message, Status
from messaging.personalise import MissingParams, fill_positional
from messaging.pricing import PriceBook
from messaging.routing.selectors import route_check
from messaging.selectors import blacklist_list, blacklisted_numbers
from messaging.services.intake import (
    PendingSend,
    dispatch_wake,
    send_store,
)
from messaging.services.status import count_deltas

MAX_REF = 100
EMPTY_TEXT = "Message cannot be empty"
SENDER_REQUIRED = "The sender field is required."
NO_ROUTE = "No route to this number"
# From this many recipients on, the team's whole blacklist may be cheaper to read than looking
# each number up (when it is the shorter list).
BLACKLIST_SCAN_FROM = 1000
# From this many recipients on, a send the balance can't pay is refused on a quote before any
# number is read; a smaller one is refused by the charge itself (no balance read on the way).
QUOTE_FROM = 100


@dataclass(frozen=True)
class Recipient:
    """One recipient; per-recipient values override the request's."""

    number: str
    text: str | None = None
    client_ref: str = ""
    campaign: str | None = None
    data_field: str = ""
    scheduled_at: datetime | None = None
    masked: bool = False  # `text` is stored masked (a PIN's): the gateway gets the real one (messaging/secrets.py)
    params: Sequence[object] | None = None  # values of the text's `{0}` placeholders (seed 003 batch)
    e164: bool = False  # `number` is already E.164 (the caller read it with normalize_number): not read again


class EmptyText(ValidationFailed):
    """No recipient of the request has any text to send."""

    def __init__(self) -> None:
        super().__init__(EMPTY_TEXT, field="text")


class BlacklistedRecipient(ValidationFailed):
    """A send that stores work with its message (`on_store`) met a blacklisted number: nothing is stored."""

    def __init__(self) -> None:
        super().__init__("The number is on the blacklist.", field="recipients")


class RejectionCode(StrEnum):
    """Why a recipient was not sent to: what a dialect maps to its own words (not `reason`)."""

    INVALID_NUMBER = "invalid_number"  # no plausible E.164 reading of the number
    EMPTY_TEXT = "empty_text"  # nothing left of the text after conversion
    MISSING_PARAMS = "missing_params"  # a `{n}` placeholder without its param
    TOO_LONG = "too_long"  # more than segments.MAX_CHARS characters
    NO_ROUTE = "no_route"  # routes are configured and none matches the number (messaging/routing)

    @property
    def is_number(self) -> bool:
        """The number is refused (invalid, or unroutable): each dialect's invalid-number error."""
        return self in (RejectionCode.INVALID_NUMBER, RejectionCode.NO_ROUTE)


REJECTION_STATUS = {  # the status a rejection is reported with where a document shows one
    RejectionCode.INVALID_NUMBER: Status.INVALID_ROUTING,
    RejectionCode.EMPTY_TEXT: Status.ERROR,
    RejectionCode.MISSING_PARAMS: Status.ERROR,
    RejectionCode.TOO_LONG: Status.SEGMENTS_EXCEEDED,
    RejectionCode.NO_ROUTE: Status.INVALID_ROUTING,
}


@dataclass(frozen=True)
class Rejection:
    index: int  # position in the request
    number: str  # as given
    code: RejectionCode
    reason: str  # in English, for a person

    @property
    def status(self) -> str:
        """INVALID_ROUTING, SEGMENTS_EXCEEDED, or ERROR (an empty text, a placeholder without its param)."""
        return REJECTION_STATUS[self.code]


@dataclass(frozen=True)
class SendResult:
    messages: list[Message]  # accepted recipients in request order (BLACKLISTED ones included)
    rejected: list[Rejection] = field(default_factory=list)
    batch: Batch | None = None
    cost: Decimal = Decimal(0)
    low_balance: bool = False


def refuse_nul(value: str, field_name: str) -> str:
    """`value`, unless it holds a NUL character (U+0000): no SMS field carries one, and PostgreSQL
    stores none in text (it was a 500)."""
    if "\x00" in value:
        raise ValidationFailed(f"The {field_name} may not contain a NUL character.", field=field_name)
    return value


def _clean_ref(value: str, field_name: str) -> str:
    if not value:
        return ""
    text = refuse_nul(str(value).strip(), field_name)
    if len(text) > MAX_REF:
        raise ValidationFailed(f"The {field_name} may not be longer than {MAX_REF} characters.", field=field_name)
    return text


MAX_EXTRA = 255


def _clean_extras(extras: Mapping[str, str] | None) -> dict[str, str]:
    """The dialect's extras that have a value, each a string of at most MAX_EXTRA characters."""
    cleaned = {}
    for name, value in (extras or {}).items():
        text = refuse_nul(str(value or "").strip(), str(name))
        if len(text) > MAX_EXTRA:
            raise ValidationFailed(f"The {name} may not be longer than {MAX_EXTRA} characters.", field=name)
        if text:
            cleaned[str(name)] = text
    return cleaned


@collection_paused()
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
    extras: Mapping[str, str] | None = None,
    all_or_nothing: bool = False,
    sender_required: bool = False,
    on_store: Callable[[Message], None] | None = None,
    source: str,
) -> SendResult:
    """With `all_or_nothing`, one bad recipient stops the whole request (nothing stored or charged).
    `sender_required`: the caller's document requires a sender, so no platform default is used.
    `extras` are values a dialect only answers back (seed 003 clientId, email, connection).
    `on_store(message)` stores more rows in the message's own transaction (a 2FA PIN's): for one
    recipient, refused with BlacklistedRecipient (nothing stored) when the number is blacklisted."""
    team = team_of(actor)
    _check_request(recipients=recipients, conversion=conversion, messages_per_minute=messages_per_minute)
    sender = _sender(team, refuse_nul(str(sender or ""), "sender"), required=sender_required)
    _check_urls(dlr_url=dlr_url, callbacks=callbacks)
    campaign = _clean_ref(campaign, "campaign")
    prices = PriceBook()
    texts = _read_texts(recipients, text=text, conversion=conversion, prices=prices)
    balance = _affordable_on_quote(actor=actor, texts=texts, prices=prices) if len(recipients) >= QUOTE_FROM else None
    routable = route_check(team_id=team.pk, sender=sender)
    accepted, rejected = _read_recipients(
        recipients, texts=texts, country=team.default_country, prices=prices, routable=routable
    )
    if not accepted or (rejected and all_or_nothing):
        return SendResult(messages=[], rejected=rejected)
    blocked = blocked_numbers(team=team, numbers=[a.number for a in accepted])
    if on_store is not None and (blocked or len(accepted) != 1 or messages_per_minute):
        if blocked:
            raise BlacklistedRecipient()
        raise ValueError("on_store is for a send to one recipient")
    cost = sum((a.price for a in accepted if a.number not in blocked), Decimal(0))
    if balance is not None and cost > balance and cost > _fresh_balance(actor):  # commit checks again
        raise InsufficientCredits(f"Insufficient credits: this costs {cost}.", field="credits")
    now = timezone.now()
    shared = _shared_values(actor=actor, sender=sender, request_dlr=request_dlr, silent=silent, dlr_url=dlr_url,
                            callbacks=callbacks, extras=extras, now=now)  # fmt: skip
    schedule = _Schedule.of(now=now, scheduled_at=scheduled_at, messages_per_minute=messages_per_minute)
    write = _Write(actor=actor, team=team, accepted=accepted, shared=shared, schedule=schedule, cost=cost)
    if len(accepted) == 1 and (cost > 0 or on_store is not None) and not messages_per_minute:
        message = _store_single(write, campaign=campaign, source=source, on_store=on_store)
        return SendResult(messages=[message], rejected=rejected, cost=cost, low_balance=_low(actor, team))
    built, batch = _store_many(
        write, blocked=blocked, campaign=campaign, source=source, messages_per_minute=messages_per_minute,
        scheduled_at=scheduled_at, notify=bool(request_dlr and (dlr_url or callbacks or team.dlr_url)),
    )  # fmt: skip
    return SendResult(messages=built.messages, rejected=rejected, batch=batch, cost=cost, low_balance=_low(actor, team))


@dataclass(frozen=True)
class _Write:
    """What a send stores: its accepted recipients, the values all their messages share, when each is due."""

    actor: User
    team: Team
    accepted: list["_Accepted"]
    shared: dict
    schedule: "_Schedule"
    cost: Decimal


def _store_single(write: _Write, *, campaign: str, source: str, on_store: Callable[[Message], None] | None) -> Message:
    """One message (the hottest path: every dialect's single send) stored with intake's group commit."""
    built = _Built(related={"team": write.team, "user": write.actor, "batch": None})
    [message] = built.messages_of(
        write.accepted, shared=write.shared, blocked=set(), schedule=write.schedule, campaign=campaign
    )
    counts = _count_rows(
        team=write.team, actor=write.actor, now=write.schedule.now, counts=built.counts, credits=built.credits
    )
    balance = send_store(
        PendingSend(
            message=message, counts=counts, cost=write.cost, memo=f"1 message(s) via {source}", on_store=on_store
        )
    )
    metrics.messages_accepted(source=source, count=1)
    if balance is not None:
        _charged(write.actor, write.team, cost=write.cost, balance=balance)
    return message


def _store_many(
    write: _Write,
    *,
    blocked: set[str],
    campaign: str,
    source: str,
    messages_per_minute: int | None,
    scheduled_at: datetime | None,
    notify: bool,
) -> tuple["_Built", Batch | None]:
    """The messages of a batch (or of a single send that is blacklisted or free), their
    counters and their charge, in one transaction."""
    actor, team, cost, now = write.actor, write.team, write.cost, write.schedule.now
    with transaction.atomic():
        batch = None
        if len(write.accepted) > 1 or messages_per_minute:
            batch = Batch.objects.create(
                team=team, user=actor, source=source, campaign=campaign, total=len(write.accepted), cost=cost,
                messages_per_minute=messages_per_minute, scheduled_at=scheduled_at, created_at=now,
            )  # fmt: skip
            write.shared["batch_id"] = batch.pk
        built = _Built(related={"team": team, "user": actor, "batch": batch})
        rows = built.messages_of(
            write.accepted, shared=write.shared, blocked=blocked, schedule=write.schedule, campaign=campaign
        )
        _insert(rows, batch=batch)  # builds the rows while it stores them
        DailyCount.objects.bulk_create(
            _count_rows(team=team, actor=actor, now=now, counts=built.counts, credits=built.credits)
        )
        if blocked and notify:
            _notify_blacklisted(built.messages, at=now)
        entry = _charge(actor=actor, cost=cost, messages=built.messages, batch=batch, source=source)
        blacklisted = sum(n for (status, _), n in built.counts.items() if status == Status.BLACKLISTED)
        metrics.messages_accepted(source=source, count=len(built.messages) - blacklisted)
        metrics.messages_finished(status=Status.BLACKLISTED, count=blacklisted)
        transaction.on_commit(dispatch_wake)
        if entry is None:  # read before the commit: the answer needs no query once the send is committed
            actor.refresh_from_db(fields=["balance"])
    if entry is not None:
        _charged(actor, team, cost=cost, balance=entry.balance_after)
    return built, batch


def _charged(actor: User, team: Team, *, cost: Decimal, balance: Decimal) -> None:
    """After a committed charge: the actor's balance as it left it, and the team's admins told once
    when it crossed their low-balance threshold."""
    actor.balance = balance  # what this charge left, read in its own statement
    if low_balance_crossed(threshold=team.low_balance_threshold, before=balance + cost, after=balance):
        enqueue_on_commit("messaging.tasks.low_balance_email", actor.pk)


def _low(actor: User, team: Team) -> bool:
    return actor.balance < team.low_balance_threshold


def _check_urls(*, dlr_url: str, callbacks: Sequence[str]) -> None:
    for url in (dlr_url, *callbacks):
        refuse_nul(url, "callbacks" if url in callbacks else "dlr_url")


def _check_request(*, recipients: Sequence[Recipient], conversion: int, messages_per_minute: int | None) -> None:
    if not recipients:
        raise ValidationFailed("At least one recipient is required.", field="recipients")
    if len(recipients) > settings.SMS_MAX_RECIPIENTS:
        raise ValidationFailed(f"At most {settings.SMS_MAX_RECIPIENTS} recipients per request.", field="recipients")
    if conversion not in CONVERSION_LEVELS:
        raise ValidationFailed("The conversion must be 0, 1 or 2.", field="conversion")
    if messages_per_minute is not None and messages_per_minute < 1:
        raise ValidationFailed("The messages per minute must be at least 1.", field="messages_per_minute")


@dataclass(frozen=True, slots=True)
class _Text:
    """One distinct text of a request, converted and analysed once however many recipients share it."""

    converted: str
    analysis: segments.TextAnalysis
    price: Decimal | None  # what it costs to any destination, or None when that depends on the country

    @property
    def chargeable(self) -> bool:
        return bool(self.converted.strip()) and not self.analysis.too_long


@dataclass(frozen=True)
class _Texts:
    """Each recipient's text (its `{n}` placeholders filled), as read from the request."""

    by_body: dict[str, _Text]  # each distinct body, converted and analysed
    bodies: list[str]  # each recipient's body, in request order
    unfilled: dict[int, str]  # recipient index -> why its placeholders can't be filled

    def of(self, index: int) -> _Text:
        return self.by_body[self.bodies[index]]


def _read_texts(recipients: Sequence[Recipient], *, text: str, conversion: int, prices: PriceBook) -> _Texts:
    """Every recipient's text, each distinct one converted, analysed and (when the price does not
    depend on the destination) priced once. EmptyText when no recipient has any text."""
    by_body: dict[str, _Text] = {}
    bodies: list[str] = []
    unfilled: dict[int, str] = {}
    for index, r in enumerate(recipients):
        body = text if r.text is None else r.text
        if r.params is not None:
            try:
                body = fill_positional(body, r.params)
            except MissingParams as error:
                unfilled[index] = error.message
        bodies.append(body)
        if body not in by_body:
            converted = convert(refuse_nul(body, "text"), conversion)
            analysis = segments.analyse(converted)
            by_body[body] = _Text(converted, analysis, prices.uniform_price(analysis))
    if all(not t.converted.strip() for t in by_body.values()):
        raise EmptyText()
    return _Texts(by_body=by_body, bodies=bodies, unfilled=unfilled)


@dataclass(frozen=True, slots=True)
class _Accepted:
    """A recipient read and found sendable: its number in E.164, its text and what it costs."""

    recipient: Recipient
    number: str  # E.164
    text: _Text
    price: Decimal


def _read_recipients(
    recipients: Sequence[Recipient],
    *,
    texts: _Texts,
    country: str,
    prices: PriceBook,
    routable: Callable[[str], bool] | None = None,
) -> tuple[list[_Accepted], list[Rejection]]:
    """Each recipient, accepted (number read, text sendable, priced) or rejected with its reason."""
    accepted: list[_Accepted] = []
    rejected: list[Rejection] = []
    for index, r in enumerate(recipients):
        text = texts.of(index)
        if not text.converted.strip():
            rejected.append(Rejection(index, str(r.number), RejectionCode.EMPTY_TEXT, EMPTY_TEXT))
            continue
        try:
            number = r.number if r.e164 else normalize_number(r.number, default_country=country, field="recipients")
        except InvalidNumber:
            rejected.append(Rejection(index, str(r.number), RejectionCode.INVALID_NUMBER, "Invalid number"))
            continue
        if routable is not None and not routable(number):
            rejected.append(Rejection(index, str(r.number), RejectionCode.NO_ROUTE, NO_ROUTE))
            continue
        if index in texts.unfilled:
            rejected.append(Rejection(index, str(r.number), RejectionCode.MISSING_PARAMS, texts.unfilled[index]))
            continue
        if text.analysis.too_long:
            reason = f"Text exceeds the limit of allowed segments ({segments.MAX_CHARS} characters)."
            rejected.append(Rejection(index, str(r.number), RejectionCode.TOO_LONG, reason))
            continue
        price = text.price if text.price is not None else prices.credits(analysis=text.analysis, e164=number)
        accepted.append(_Accepted(r, number, text, price))
    return accepted, rejected


def _shared_values(
    *,
    actor: User,
    sender: str,
    request_dlr: bool,
    silent: bool,
    dlr_url: str,
    callbacks: Sequence[str],
    extras: Mapping[str, str] | None,
    now: datetime,
) -> dict:
    """The values every message of this request has (attnames, as in __dict__)."""
    return {
        "id": None,
        "team_id": actor.team_id,
        "user_id": actor.pk,
        "batch_id": None,
        "direction": Direction.OUT.value,
        "sender": sender,
        "is_refunded": False,
        "error": "",
        "request_dlr": request_dlr,
        "silent": silent,
        "dlr_url": dlr_url,
        "callbacks": list(callbacks),
        "extras": _clean_extras(extras),
        "reply_to_id": None,
        "is_read": False,
        "is_deleted": False,
        "sent_at": None,
        "done_at": None,
        "claimed_at": None,
        "attempts": 0,
        "status_at": now,
        "created_at": now,
    }


@dataclass(frozen=True)
class _Schedule:
    """When each message of the request falls due: its own time, else the request's, spread at
    `interval` when the request gives a rate."""

    now: datetime
    start: datetime
    scheduled_at: datetime | None
    interval: timedelta | None

    @classmethod
    def of(cls, *, now: datetime, scheduled_at: datetime | None, messages_per_minute: int | None) -> "_Schedule":
        interval = timedelta(minutes=1) / messages_per_minute if messages_per_minute else None
        return cls(now, max(scheduled_at or now, now), scheduled_at, interval)

    def at(self, position: int, own: datetime | None) -> datetime | None:
        """The due time stored for the message at `position` (None: due now)."""
        when = own or (self.start + self.interval * position if self.interval else self.scheduled_at)
        return when if when and when > self.now else None


class _Built:
    """The messages of a send as they are built, with the totals the daily counters need."""

    def __init__(self, *, related: dict) -> None:
        self.related = related
        self.db = router.db_for_write(Message)
        self.messages: list[Message] = []
        self.counts: Counter = Counter()  # (status, campaign) -> messages
        self.credits: dict[tuple[str, str], Decimal] = {}  # (status, campaign) -> their price

    def messages_of(
        self, accepted: Sequence[_Accepted], *, shared: dict, blocked: set[str], schedule: _Schedule, campaign: str
    ) -> Iterator[Message]:
        """Build each message (an instance for the answer, its values for the insert), lazily: the
        database stores rows while the next ones are built."""
        uuids = _uuid4s(len(accepted))
        zero = Decimal(0)
        for position, a in enumerate(accepted):
            r = a.recipient
            is_blocked = a.number in blocked
            status = Status.BLACKLISTED if is_blocked else Status.QUEUE
            values = dict(shared)
            values.update(
                uuid=next(uuids),
                recipient=a.number,
                text=a.text.converted,
                encoding=a.text.analysis.encoding,
                segments=a.text.analysis.segments,
                price=zero if is_blocked else a.price,
                status=status.value,
                has_secret=r.masked,
                client_ref=_clean_ref(r.client_ref, "client_ref"),
                campaign=campaign if r.campaign is None else _clean_ref(r.campaign, "campaign"),
                data_field=refuse_nul(str(r.data_field)[:255], "data_field") if r.data_field else "",
                scheduled_at=schedule.at(position, r.scheduled_at),
            )
            message = _message(values, db=self.db, related=self.related)
            self.messages.append(message)
            key = (values["status"], values["campaign"])
            self.counts[key] += 1
            self.credits[key] = self.credits.get(key, zero) + values["price"]
            yield message


def _notify_blacklisted(messages: list[Message], *, at: datetime) -> None:
    """BLACKLISTED is final from the start: it owes the callbacks every final status owes (dlruri
    with a failed %dlr%, status callbacks, the team's DLR URL), or the integrator would never learn
    the message was not sent."""
    blacklisted = [m.pk for m in messages if m.status == Status.BLACKLISTED]
    notifications_for(message_ids=blacklisted, status=Status.BLACKLISTED, at=at)


def _charge(*, actor: User, cost: Decimal, messages: list[Message], batch: Batch | None, source: str):
    """Charge the send (None when it costs nothing), under the balance's row lock."""
    if cost <= 0:
        return None
    try:
        return credit_charge(
            user=actor,
            amount=cost,
            memo=f"{len(messages)} message(s) via {source}",
            batch_id=batch.pk if batch else None,
            message_id=None if batch else messages[0].pk,
        )
    except InsufficientCredits:
        raise InsufficientCredits(f"Insufficient credits: this costs {cost}.", field="credits") from None


def _sender(team: Team, sender: str, *, required: bool) -> str:
    """The sender of a request: the one given, the team's default, or the platform's default."""
    chosen = clean_sender(sender) or clean_sender(team.default_sender)
    if not chosen and not required:
        chosen = clean_sender(settings.SMS_DEFAULT_SENDER)
    if not chosen:
        raise ValidationFailed(SENDER_REQUIRED, field="sender")
    return chosen


def _affordable_on_quote(*, actor: User, texts: _Texts, prices: PriceBook) -> Decimal:
    """The actor's balance, after refusing (InsufficientCredits) a send that it cannot pay even at
    the least it could cost: every recipient's segments at the cheapest price of any destination,
    less what the team's blacklist could take off. No number is read and nothing is written, so a
    100,000-recipient send from an empty account costs a few dictionary lookups."""
    cheapest = prices.cheapest
    if cheapest <= 0:
        return actor.balance
    chargeable = {body: t.analysis.segments for body, t in texts.by_body.items() if t.chargeable}
    total = sum(chargeable.get(body, 0) for i, body in enumerate(texts.bodies) if i not in texts.unfilled)
    if cheapest * total <= actor.balance:
        return actor.balance
    team = team_of(actor)
    blacklisted = blacklist_list(team=team).count() if team.skip_blacklisted and chargeable else 0
    least = cheapest * max(total - blacklisted * max(chargeable.values(), default=0), 0)
    balance = _fresh_balance(actor)
    if least > balance:
        exact = not prices.by_country and not blacklisted  # (when every number is valid)
        words = "" if exact else "at least "
        raise InsufficientCredits(f"Insufficient credits: this costs {words}{least}.", field="credits")
    return balance


def _fresh_balance(actor: User) -> Decimal:
    """The actor's balance read now (the one loaded with the request may be a moment old)."""
    actor.balance = User.objects.filter(pk=actor.pk).values_list("balance", flat=True).get()
    return actor.balance


def _uuid4s(count: int) -> Iterator[uuid.UUID]:
    """`count` random UUIDs as `uuid.uuid4` makes them, from one read of the OS's random source
    instead of one read per id (a tenth of a 100,000-recipient send)."""
    pool = os.urandom(16 * count)
    return (uuid.UUID(bytes=pool[i : i + 16], version=4) for i in range(0, len(pool), 16))


def blocked_numbers(*, team: Team, numbers: list[str]) -> set[str]:
    """Which of these E.164 numbers the send keeps as BLACKLISTED (none when the team sends to them
    anyway). The dashboard's confirmation asks this same function."""
    if not team.skip_blacklisted:
        return set()
    if len(numbers) >= BLACKLIST_SCAN_FROM:
        entries = blacklist_list(team=team)
        size = entries.count()
        if size == 0:
            return set()
        if size <= len(numbers):
            return set(entries.values_list("number", flat=True)).intersection(numbers)
    return blacklisted_numbers(team=team, numbers=numbers)


def _message(values: dict, *, db: str, related: dict) -> Message:
    """A Message from the complete values of its fields (attnames), as if read back from the
    database: `Model.__init__` (its signals, its defaults) is what costs most per row of a bulk
    send, and these values are already final."""
    message = Message.__new__(Message)
    state = ModelState()
    state.db, state.adding = db, False
    state.fields_cache = dict(related)
    values["_state"] = state
    message.__dict__ = values
    return message


def _insert(messages, *, batch: Batch | None) -> None:
    """Store the messages (an iterable, consumed once) and set their ids: on PostgreSQL a batch's
    with one binary COPY, else with one INSERT."""
    if connection.vendor != "postgresql" or batch is None:
        instances_insert(list(messages))
        return
    stored = []
    values, columns, _ = row_layout(Message)
    as_json, json_at = _jsonb_once(), [i for i, column in enumerate(columns) if column in ("callbacks", "extras")]
    with binary_copy(Message._meta.db_table, columns) as copy:
        for message in messages:
            row = list(values(message.__dict__))
            for i in json_at:  # JSON values given to COPY as the database's jsonb
                row[i] = as_json(row[i])
            copy.write_row(row)
            stored.append(message)
    # The ids: COPY takes them from the sequence row after row, so in ascending order.
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM messaging_message WHERE batch_id = %s", [batch.pk])
        ids = sorted(row[0] for row in cursor.fetchall())
    if len(ids) != len(stored):
        raise RuntimeError(f"stored {len(stored)} messages but found {len(ids)} ids")
    for message, pk in zip(stored, ids, strict=True):
        message.__dict__["id"] = pk


def _jsonb_once():
    """Jsonb values that encode each JSON value once: a request's messages share one."""
    encoded: dict[int, Jsonb] = {}  # by id: the lists live as long as their messages

    def as_json(value: list | dict) -> Jsonb:
        if id(value) not in encoded:
            text = json.dumps(value)
            encoded[id(value)] = Jsonb(value, dumps=lambda _value: text)
        return encoded[id(value)]

    return as_json


def _count_rows(*, team, actor: User, now: datetime, counts: Counter, credits: dict) -> list[DailyCount]:
    """The daily counter rows of new messages, from their (status, campaign) totals."""
    zones = {team.pk: team.zone}
    by_status: dict[str, list[dict]] = {}
    for (status, campaign), n in counts.items():
        by_status.setdefault(status, []).append(
            {
                "team_id": team.pk,
                "user_id": actor.pk,
                "created_at": now,
                "direction": Direction.OUT.value,
                "campaign": campaign,
                "price": credits[(status, campaign)],
                "count": n,
            }
        )
    deltas = []
    for status, rows in by_status.items():
        deltas += count_deltas(rows, status=status, sign=+1, zones=zones)
    return deltas
