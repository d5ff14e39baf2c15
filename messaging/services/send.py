"""Sending: one service for one message or 100,000, from every dialect, page and task.

Numbers are read, texts converted and priced, blacklisted recipients kept (status BLACKLISTED,
not charged, and owed the callbacks of a final status), then the messages and the charge are
written in one transaction before the caller answers. Dispatch is queued on commit. Bad
recipients change nothing: they come back as rejections for the caller to report in its own words.

Rules every dialect, page and task gets from here (not from its own checks):
- a message needs text: a recipient whose text is empty after conversion (and personalisation, done
  by the caller) is rejected with EMPTY_TEXT; when that is every recipient, the request is refused
  with EmptyText (a ValidationFailed on `text`);
- a message needs a sender: the one given, else the team's default sender, else (when the caller's
  document makes the sender optional) the platform's SMS_DEFAULT_SENDER; with none, or when the
  caller's document requires one (`sender_required`) and neither it nor the team gives one, the
  request is refused with a ValidationFailed on `sender`;
- a send the balance cannot pay is refused on a quote before any number is read or any row built:
  every recipient reached, each text's segments at the cheapest price any destination has, less
  the most the team's blacklist could take off. The exact cost is checked again before writing and
  charged at commit under the balance's row lock (the check that holds under concurrency).

Speed (100,000 recipients in one request): each distinct text is converted and analysed once,
rows are plain values until the end (no per-row model `__init__`, no per-row `save` machinery),
and on PostgreSQL the messages go in with one COPY, their ids taken from the sequence first, so
the database stores rows while Python is still building the next ones. The balance is charged
last, so its row lock is held for the end of the transaction only."""

import json
import operator
import os
import uuid
import zoneinfo
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, router, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from psycopg.types.json import Jsonb

from accounts.errors import InsufficientCredits, ValidationFailed
from accounts.models import Team, User
from accounts.services import credit_charge
from config.collector import collection_paused
from contacts.selectors import blacklist_list, blacklisted_numbers
from messaging import segments
from messaging.conversion import CONVERSION_LEVELS, convert
from messaging.copy import binary_copy
from messaging.enqueue import enqueue_now
from messaging.models import Batch, DailyCount, Direction, Message, Status
from messaging.notify import notifications_for
from messaging.numbers import InvalidNumber, normalize_number
from messaging.personalise import MissingParams, fill_positional
from messaging.pricing import PriceBook
from messaging.senders import clean_sender
from messaging.services.dispatch import CLAIM_FIELDS
from messaging.services.status import count_deltas

MAX_REF = 100
EMPTY_TEXT = "Message cannot be empty"
SENDER_REQUIRED = "The sender field is required."
# From this many recipients on, the team's whole blacklist may be cheaper to read than looking
# each number up (when it is the shorter list).
BLACKLIST_SCAN_FROM = 1000


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
    params: Sequence[object] | None = None  # values of the text's `{0}` placeholders (seed 003 batch)


class EmptyText(ValidationFailed):
    """No recipient of the request has any text to send."""

    def __init__(self) -> None:
        super().__init__(EMPTY_TEXT, field="text")


@dataclass(frozen=True)
class Rejection:
    index: int  # position in the request
    number: str  # as given
    status: str  # INVALID_ROUTING, SEGMENTS_EXCEEDED, or ERROR (an empty text, a `{n}` placeholder without its param)
    reason: str


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
    source: str,
) -> SendResult:
    """With `all_or_nothing`, one bad recipient stops the whole request (nothing stored or charged).
    `sender_required`: the caller's document requires a sender, so no platform default is used.
    `extras` are values a dialect only answers back (seed 003 clientId, email, connection)."""
    team = actor.team
    if not recipients:
        raise ValidationFailed("At least one recipient is required.", field="recipients")
    if len(recipients) > settings.SMS_MAX_RECIPIENTS:
        raise ValidationFailed(f"At most {settings.SMS_MAX_RECIPIENTS} recipients per request.", field="recipients")
    if conversion not in CONVERSION_LEVELS:
        raise ValidationFailed("The conversion must be 0, 1 or 2.", field="conversion")
    if messages_per_minute is not None and messages_per_minute < 1:
        raise ValidationFailed("The messages per minute must be at least 1.", field="messages_per_minute")
    sender = _sender(team, refuse_nul(str(sender or ""), "sender"), required=sender_required)
    for url in (dlr_url, *callbacks):
        refuse_nul(url, "callbacks" if url in callbacks else "dlr_url")
    campaign = _clean_ref(campaign, "campaign")

    # Each distinct text converted and analysed once: (converted, analysis, flat price or None).
    prices = PriceBook()
    flat_price = None if prices.by_country else prices.default  # one price for every destination
    analysed: dict[str, tuple[str, segments.TextAnalysis, Decimal | None]] = {}
    bodies: list[str] = []  # each recipient's text, its `{n}` placeholders filled
    unfilled: dict[int, str] = {}  # recipient index -> why its placeholders can't be filled
    for index, r in enumerate(recipients):
        body = text if r.text is None else r.text
        if r.params is not None:
            try:
                body = fill_positional(body, r.params)
            except MissingParams as error:
                unfilled[index] = error.message
        bodies.append(body)
        if body not in analysed:
            converted = convert(refuse_nul(body, "text"), conversion)
            analysis = segments.analyse(converted)
            analysed[body] = (converted, analysis, flat_price * analysis.segments if flat_price is not None else None)
    if all(not converted.strip() for converted, _, _ in analysed.values()):
        raise EmptyText()
    chargeable = [body for index, body in enumerate(bodies) if index not in unfilled]
    balance = _affordable_on_quote(actor=actor, bodies=chargeable, analysed=analysed, prices=prices)

    # Read every recipient: (recipient, E.164 number, converted text, analysis, price).
    country = team.default_country
    prepared: list[tuple] = []
    rejected: list[Rejection] = []
    for index, r in enumerate(recipients):
        converted, analysis, price = analysed[bodies[index]]
        if not converted.strip():
            rejected.append(Rejection(index, str(r.number), Status.ERROR, EMPTY_TEXT))
            continue
        try:
            number = normalize_number(r.number, default_country=country, field="recipients")
        except InvalidNumber:
            rejected.append(Rejection(index, str(r.number), Status.INVALID_ROUTING, "Invalid number"))
            continue
        if index in unfilled:
            rejected.append(Rejection(index, str(r.number), Status.ERROR, unfilled[index]))
            continue
        if analysis.too_long:
            reason = f"Text exceeds the limit of allowed segments ({segments.MAX_CHARS} characters)."
            rejected.append(Rejection(index, str(r.number), Status.SEGMENTS_EXCEEDED, reason))
            continue
        if price is None:
            price = prices.per_segment(number) * analysis.segments
        prepared.append((r, number, converted, analysis, price))
    if not prepared or (rejected and all_or_nothing):
        return SendResult(messages=[], rejected=rejected)

    blocked = _blacklisted(team, [p[1] for p in prepared])
    now = timezone.now()
    start = max(scheduled_at or now, now)
    interval = timedelta(minutes=1) / messages_per_minute if messages_per_minute else None
    zero = Decimal(0)
    cost = sum((p[4] for p in prepared if p[1] not in blocked), zero)
    if cost > balance and cost > _fresh_balance(actor):  # nothing written yet; commit checks again
        raise InsufficientCredits(f"Insufficient credits: this costs {cost}.", field="credits")
    shared = {  # the values every message of this request has (attnames, as in __dict__)
        "id": None,
        "team_id": team.pk,
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
        "status_at": now,
        "created_at": now,
    }

    with transaction.atomic():
        batch = None
        if len(prepared) > 1 or messages_per_minute:
            batch = Batch.objects.create(
                team=team,
                user=actor,
                source=source,
                campaign=campaign,
                total=len(prepared),
                cost=cost,
                messages_per_minute=messages_per_minute,
                scheduled_at=scheduled_at,
                created_at=now,
            )
            shared["batch_id"] = batch.pk
        related = {"team": team, "user": actor, "batch": batch}
        db = router.db_for_write(Message)
        messages: list[Message] = []
        secrets: dict[int, str] = {}
        counts: Counter = Counter()  # (status, campaign) -> messages, for the daily counters
        credits: dict[tuple[str, str], Decimal] = {}

        def rows():
            """Build each message (an instance for the answer, its values for the insert)."""
            uuids = _uuid4s(len(prepared))
            for position, (r, number, converted, analysis, price) in enumerate(prepared):
                when = r.scheduled_at or (start + interval * position if interval else scheduled_at)
                is_blocked = number in blocked
                secret = r.secret_text is not None and not is_blocked
                status = Status.BLACKLISTED if is_blocked else (Status.DEQUEUED if secret else Status.QUEUE)
                values = dict(shared)
                values.update(
                    uuid=next(uuids),
                    recipient=number,
                    text=converted,
                    encoding=analysis.encoding,
                    segments=analysis.segments,
                    price=zero if is_blocked else price,
                    status=status.value,
                    has_secret=secret,
                    claimed_at=now if secret else None,
                    attempts=1 if secret else 0,
                    client_ref=_clean_ref(r.client_ref, "client_ref"),
                    campaign=campaign if r.campaign is None else _clean_ref(r.campaign, "campaign"),
                    data_field=refuse_nul(str(r.data_field)[:255], "data_field") if r.data_field else "",
                    scheduled_at=when if when and when > now else None,
                )
                message = _message(values, db=db, related=related)
                messages.append(message)
                key = (values["status"], values["campaign"])
                counts[key] += 1
                credits[key] = credits.get(key, zero) + values["price"]
                yield message

        _insert(rows(), batch=batch)
        claimed = []  # the secret messages, as the dispatcher's claim would read them
        for message, (r, *_) in zip(messages, prepared, strict=True):
            if message.has_secret:
                secrets[message.pk] = r.secret_text
                claimed.append({name: getattr(message, name) for name in CLAIM_FIELDS})
        _count_new(team=team, actor=actor, now=now, counts=counts, credits=credits)
        if blocked and request_dlr and (dlr_url or callbacks or team.dlr_url):
            # BLACKLISTED is final from the start: it owes the callbacks every final status owes
            # (dlruri with a failed %dlr%, status callbacks, the team's DLR URL), or the integrator
            # would never learn the message was not sent.
            notifications_for(
                message_ids=[m.pk for m in messages if m.status == Status.BLACKLISTED],
                status=Status.BLACKLISTED,
                at=now,
            )
        entry = None
        if cost > 0:
            try:
                entry = credit_charge(
                    user=actor,
                    amount=cost,
                    memo=f"{len(messages)} message(s) via {source}",
                    batch_id=batch.pk if batch else None,
                    message_id=None if batch else messages[0].pk,
                )
            except InsufficientCredits:
                raise InsufficientCredits(f"Insufficient credits: this costs {cost}.", field="credits") from None
        transaction.on_commit(_kick_dispatcher)
        if secrets:
            # Claimed at creation, submitted from memory by this process once committed: the real
            # text never reaches the database, and the dispatcher never sees these messages.
            transaction.on_commit(lambda: dispatch_secrets(claimed=claimed, texts=secrets))

        if entry is None:  # read before the commit: the answer needs no query once the send is committed
            actor.refresh_from_db(fields=["balance"])
    if entry is not None:
        actor.balance = entry.balance_after  # what this charge left, read in its own statement
    return SendResult(
        messages=messages,
        rejected=rejected,
        batch=batch,
        cost=cost,
        low_balance=actor.balance < team.low_balance_threshold,
    )


def _sender(team: Team, sender: str, *, required: bool) -> str:
    """The sender of a request: the one given, the team's default, or the platform's default."""
    chosen = clean_sender(sender) or clean_sender(team.default_sender)
    if not chosen and not required:
        chosen = clean_sender(settings.SMS_DEFAULT_SENDER)
    if not chosen:
        raise ValidationFailed(SENDER_REQUIRED, field="sender")
    return chosen


def _affordable_on_quote(*, actor: User, bodies: Sequence[str], analysed: dict, prices: PriceBook) -> Decimal:
    """The actor's balance, after refusing (InsufficientCredits) a send that it cannot pay even at
    the least it could cost: every recipient's segments at the cheapest price of any destination,
    less what the team's blacklist could take off. No number is read and nothing is written, so a
    100,000-recipient send from an empty account costs a few dictionary lookups."""
    cheapest = min([prices.default, *prices.by_country.values()])
    if cheapest <= 0:
        return actor.balance
    chargeable = {body: a.segments for body, (c, a, _) in analysed.items() if c.strip() and not a.too_long}
    total = sum(chargeable.get(body, 0) for body in bodies)
    if cheapest * total <= actor.balance:
        return actor.balance
    team = actor.team
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


def _blacklisted(team, numbers: list[str]) -> set[str]:
    """Which of these numbers the team blacklisted (none when the team sends to them anyway)."""
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


_COLUMNS = [(f.attname, f.column) for f in Message._meta.concrete_fields if not f.primary_key]
_ROW = operator.itemgetter(*[attname for attname, _ in _COLUMNS])
_JSON = [i for i, (attname, _) in enumerate(_COLUMNS) if attname in ("callbacks", "extras")]


def _insert(messages, *, batch: Batch | None) -> None:
    """Store the messages (an iterable, consumed once) and set their ids. On PostgreSQL one
    INSERT for a single message and a binary COPY for a batch; elsewhere `bulk_create`."""
    if connection.vendor != "postgresql":
        stored = list(messages)
        for message in stored:
            message._state.adding = True
        Message.objects.bulk_create(stored, batch_size=2000)
        return
    if batch is None:
        columns = ", ".join(connection.ops.quote_name(column) for _, column in _COLUMNS)
        [message] = messages
        placeholders = ", ".join(["%s"] * len(_COLUMNS))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO messaging_message ({columns}) VALUES ({placeholders}) RETURNING id",  # noqa: S608
                _row(message, json.dumps),
            )
            message.__dict__["id"] = cursor.fetchone()[0]
        return
    stored = []
    with binary_copy(Message._meta.db_table, [column for _, column in _COLUMNS]) as copy:
        as_json = _jsonb_once()
        for message in messages:
            copy.write_row(_row(message, as_json))
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


def _row(message: Message, as_json) -> list:
    """The message's column values, its JSON values (callbacks, extras) given to the database `as_json`."""
    values = list(_ROW(message.__dict__))
    for index in _JSON:
        values[index] = as_json(values[index])
    return values


def _count_new(*, team, actor: User, now: datetime, counts: Counter, credits: dict) -> None:
    """The daily counter rows of new messages, from their (status, campaign) totals."""
    zones = {team.pk: zoneinfo.ZoneInfo(team.time_zone)}
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
    DailyCount.objects.bulk_create(deltas)


def dispatch_secrets(*, claimed: list[dict], texts: dict[int, str]) -> None:
    """Submit messages claimed at creation (rows as `claim_due` returns them) with their real texts."""
    from messaging.gateways import get_gateway
    from messaging.services.dispatch import submit

    submit(gateway=get_gateway(), claimed=claimed, texts=texts)


def _kick_dispatcher() -> None:
    enqueue_now("messaging.tasks.dispatch")  # a failed wake-up is logged: dispatch_periodic catches up
