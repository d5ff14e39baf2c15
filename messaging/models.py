"""Messages, their parts on the network, batches, prices, daily counters and customer callbacks.

A message's life (statuses are the shared vocabulary of every dialect: the README's API map)::

    QUEUE ──claim──▶ DEQUEUED ──gateway accepts──▶ SENT ──▶ ENROUTE / ACCEPTD / UNKNOWN ──▶ DELIVRD
      │                 │                                                              ├─▶ UNDELIV
      │                 └─gateway refuses──▶ REJECTD / ERROR  (refunded)               ├─▶ EXPIRED
      └─cancelled while scheduled──▶ DELETED  (refunded)                               └─▶ REJECTD
    Never sent, never charged: BLACKLISTED.

A status only moves to a higher rank (see RANK), through a guarded UPDATE, so a late or duplicated
delivery report can never move a message backwards. Inbound replies are messages with
direction IN and status DELIVRD.
"""

import uuid

from django.db import models
from django.db.models import Q, Value
from django.utils import timezone

from accounts.models import CREDIT_FIELD, Team, User


class Status(models.TextChoices):
    QUEUE = "QUEUE"
    DEQUEUED = "DEQUEUED"
    SENT = "SENT"
    ENROUTE = "ENROUTE"
    ACCEPTD = "ACCEPTD"
    UNKNOWN = "UNKNOWN"
    DELIVRD = "DELIVRD"
    UNDELIV = "UNDELIV"
    EXPIRED = "EXPIRED"
    REJECTD = "REJECTD"
    DELETED = "DELETED"
    INVALID_ROUTING = "INVALID_ROUTING"
    CODE_NOT_ALLOWED = "CODE_NOT_ALLOWED"
    BLACKLISTED = "BLACKLISTED"
    ERROR = "ERROR"
    SEGMENTS_EXCEEDED = "SEGMENTS_EXCEEDED"


RANK = {
    Status.QUEUE: 0,
    Status.DEQUEUED: 1,
    Status.SENT: 2,
    Status.ENROUTE: 3,
    Status.ACCEPTD: 3,
    Status.UNKNOWN: 3,
}
FINAL_RANK = 4  # every status not in RANK is final
FAILED = frozenset(
    {
        Status.UNDELIV,
        Status.EXPIRED,
        Status.REJECTD,
        Status.ERROR,
        Status.INVALID_ROUTING,
        Status.CODE_NOT_ALLOWED,
        Status.SEGMENTS_EXCEEDED,
    }
)


def rank(status: str) -> int:
    return RANK.get(status, FINAL_RANK)


def statuses_below(status: str) -> list[str]:
    """The statuses a message may leave to reach `status`."""
    target = rank(status)
    return [s for s in Status.values if rank(s) < target]


class Direction(models.TextChoices):
    OUT = "out", "Outbound"
    IN = "in", "Inbound"


class PriceRule(models.Model):
    """Credits per SMS segment to a destination country; the row with no country is the default."""

    country = models.CharField(max_length=2, blank=True, unique=True, help_text="ISO code; empty for the default.")
    credits_per_segment = models.DecimalField(**CREDIT_FIELD)

    class Meta:
        ordering = ["country"]
        constraints = [models.CheckConstraint(condition=Q(credits_per_segment__gte=0), name="price_not_negative")]

    def __str__(self) -> str:
        return f"{self.country or 'default'}: {self.credits_per_segment}"


class Batch(models.Model):
    """Messages sent by one request or one dashboard action. Progress is counted from its messages."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="batches")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="batches")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=20, help_text="Which API or dashboard page created it.")
    campaign = models.CharField(max_length=100, blank=True)
    total = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(**CREDIT_FIELD, default=0)
    messages_per_minute = models.PositiveIntegerField(null=True, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "batches"

    def __str__(self) -> str:
        return f"Batch {self.pk} ({self.total} messages)"


class Message(models.Model):
    # team and batch lead the composite indexes below, which serve their lookups too.
    # No database constraint on team and user: PostgreSQL checks a foreign key row by row at
    # commit, which was a third of a 100,000-recipient send, and both always come from the
    # authenticated sender. Teams and users are deactivated, never deleted (PROTECT guards that).
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="messages", db_index=False, db_constraint=False
    )
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="messages", db_constraint=False)
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="messages", db_index=False
    )
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.OUT)
    sender = models.CharField(max_length=20, blank=True)
    recipient = models.CharField(max_length=20)
    text = models.TextField(blank=True)
    encoding = models.CharField(max_length=4, default="GSM7")
    segments = models.PositiveSmallIntegerField(default=1)
    price = models.DecimalField(**CREDIT_FIELD, default=0, help_text="Credits charged for all segments.")
    is_refunded = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUE)
    error = models.CharField(max_length=255, blank=True)
    client_ref = models.CharField(
        max_length=100, blank=True, help_text="The API client's own reference for the message."
    )
    campaign = models.CharField(max_length=100, blank=True)
    data_field = models.CharField(max_length=255, blank=True)
    request_dlr = models.BooleanField(default=True)
    silent = models.BooleanField(default=False)
    has_secret = models.BooleanField(
        default=False, help_text="The stored text is masked; the real one (a PIN) went to the gateway from memory only."
    )
    dlr_url = models.CharField(
        max_length=500,
        blank=True,
        help_text="Delivery-report URL sent with this message (called with GET).",
    )
    callbacks = models.JSONField(
        default=list, blank=True, help_text="Status callback URLs given with the message (JSON POST)."
    )
    extras = models.JSONField(
        default=dict,
        db_default=Value({}, output_field=models.JSONField()),
        blank=True,
        help_text="Values the API client sent only to get them back in its answers (e.g. its own ids).",
    )
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies", db_index=False
    )
    is_read = models.BooleanField(default=False)
    is_deleted = models.BooleanField(
        default=False, help_text="Hidden from history; the status keeps the network's word."
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times handed to the gateway.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    status_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        # Every status change writes a new entry into each index that holds the row (status is
        # indexed, so no update is HOT): indexes that only hold the rows they are for (partial)
        # keep the dispatcher's three writes per message cheap.
        indexes = [
            models.Index(fields=["team", "-created_at"], name="msg_team_created"),
            models.Index(fields=["team", "status", "-created_at"], name="msg_team_status"),
            models.Index(fields=["team", "recipient"], name="msg_team_recipient"),
            models.Index(fields=["team", "client_ref"], name="msg_team_client_ref", condition=~Q(client_ref="")),
            models.Index(fields=["batch", "status"], name="msg_batch_status"),
            models.Index(fields=["reply_to"], name="msg_reply_to", condition=Q(reply_to__isnull=False)),
            # The dispatcher's claim query: due queued messages in id order (only queued rows).
            models.Index(fields=["scheduled_at", "id"], name="msg_queue", condition=Q(status="QUEUE")),
            # Claims a crashed worker left behind (only claimed rows).
            models.Index(fields=["claimed_at"], name="msg_claimed", condition=Q(status="DEQUEUED")),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.recipient} {self.status}"


class MessagePart(models.Model):
    """One SMS part as the network knows it: its id there and the last state it reported."""

    # Looked up through the unique (message, index) constraint's index.
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="parts", db_index=False)
    index = models.PositiveSmallIntegerField()
    network_id = models.CharField("id at the network", max_length=100, db_index=True)
    state = models.CharField("last state", max_length=20, choices=Status.choices, default=Status.SENT)

    class Meta:
        ordering = ["message_id", "index"]
        constraints = [models.UniqueConstraint(fields=["message", "index"], name="part_unique_index")]
        verbose_name = "SMS part"
        verbose_name_plural = "SMS parts (as the network sees them)"


class StatusEvent(models.Model):
    """What happened to a message and when: the delivery-report timeline of the detail page."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=Status.choices)
    detail = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "status change"
        verbose_name_plural = "status history"


class DailyCount(models.Model):
    """Delta rows of messages and credits per team, user, day and status. Every status change adds
    -1 to the old status and +1 to the new one; a periodic task squashes the rows of a day into one
    per key. Statistics read sums of these instead of scanning millions of messages."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    direction = models.CharField(max_length=3, choices=Direction.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    campaign = models.CharField(max_length=100, blank=True)
    count = models.IntegerField()
    credits = models.DecimalField(**CREDIT_FIELD)

    class Meta:
        indexes = [models.Index(fields=["team", "day"], name="daily_team_day")]


class CallbackKind(models.TextChoices):
    DLR_URI = "dlr_uri", "Delivery report to the message's own URL (GET)"
    STATUS_JSON = "status_json", "Status callback (JSON POST)"
    DLR_FORWARD = "dlr_forward", "Delivery report to the team URL (POST)"
    REPLY_FORWARD = "reply_forward", "Reply forwarded to the team URL (POST)"


class Callback(models.Model):
    """One notification to a customer URL, retried with backoff; each try is a CallbackAttempt."""

    class State(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="callbacks")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=CallbackKind.choices)
    webhook_id = models.UUIDField(default=uuid.uuid4, editable=False, help_text="The same on every retry.")
    method = models.CharField(max_length=6)
    url = models.URLField(max_length=2000)
    body = models.TextField(blank=True)
    content_type = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="callback_due")]


class CallbackAttempt(models.Model):
    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="tries")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    ok = models.BooleanField()
    error = models.CharField(max_length=500, blank=True)
    elapsed_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]


class EarlyReport(models.Model):
    """A delivery report that arrived before its part was stored (a fast network can answer
    before the dispatcher has written the part ids). Applied as soon as the part exists."""

    network_id = models.CharField(max_length=100, db_index=True)
    state = models.CharField(max_length=20)
    at = models.DateTimeField()
    error = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(default=timezone.now)


class SimulatedSubmission(models.Model):
    """The simulator's network: what it accepted, once per message. Like an upstream that takes an
    idempotency key, a message handed over twice (after a worker crash) is answered from here and
    not sent again."""

    message_id = models.BigIntegerField(unique=True)
    part_ids = models.JSONField()
    state = models.CharField(max_length=10, help_text="The receipt this network gives (and gives again if lost).")
    submitted_at = models.DateTimeField(default=timezone.now)


class InboundPart(models.Model):
    """One part of a long reply, kept until the last one arrives and the reply is stored whole
    (or until a clean-up stores what came, when the rest never does). Stored parts stay a while,
    `completed_at` set, so that one the SMSC offers again is known and not taken for a new reply."""

    sender = models.CharField(max_length=20)
    to = models.CharField(max_length=20, blank=True)
    reference = models.PositiveIntegerField()
    total = models.PositiveSmallIntegerField()
    sequence = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True)
    at = models.DateTimeField(help_text="When the network received this part.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True, help_text="When its reply was stored.")

    class Meta:
        ordering = ["sender", "to", "reference", "total", "sequence"]
        # Also the index that finds the parts of one reply. A part the SMSC offers again is kept once.
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "to", "reference", "total", "sequence"], name="inbound_part_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sender} ref {self.reference}: {self.sequence}/{self.total}"


class BlacklistSource(models.TextChoices):
    API = "api", "API"
    WEB = "web", "Dashboard"
    ADMIN = "admin", "Admin"
    REPLY = "reply", "Opt-out reply"
    IMPORT = "import", "CSV import"


class BlacklistEntry(models.Model):
    """A number the team does not send to (when its `skip_blacklisted` setting is on). Sending and
    inbound opt-out words apply it, so it lives here; the table keeps the name it was created with in contacts."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="blacklist")
    number = models.CharField(max_length=20, help_text="E.164")
    source = models.CharField(max_length=10, choices=BlacklistSource.choices, default=BlacklistSource.API)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "contacts_blacklistentry"
        ordering = ["-id"]
        verbose_name_plural = "blacklist entries"
        constraints = [models.UniqueConstraint(fields=["team", "number"], name="blacklist_unique_number")]

    def __str__(self) -> str:
        return self.number


# -- Carrier connections and routing (messaging/routing/) -------------------------------------------


class ConnectorKind(models.TextChoices):
    SMPP = "smpp", "SMPP"
    HTTP = "http", "HTTP upstream"
    SIMULATOR = "simulator", "Simulator"
    CONSOLE = "console", "Console (log only)"


class Connector(models.Model):
    """One carrier connection the engine sends through. `settings` holds the kind's settings (see
    messaging/routing/settings.py); the password is stored encrypted in `secret`, never in clear."""

    name = models.CharField(max_length=50, unique=True)
    kind = models.CharField(max_length=10, choices=ConnectorKind.choices)
    settings = models.JSONField(default=dict, blank=True)
    secret = models.TextField(blank=True, help_text="The password, encrypted with SMS_CONNECTOR_SECRETS_KEY.")
    throughput = models.PositiveIntegerField(
        "throughput cap", default=0, help_text="SMS parts per second over all consumers; 0: no cap."
    )
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "carrier connector"

    def __str__(self) -> str:
        return self.name if self.enabled else f"{self.name} (disabled)"


class ConnectorCost(models.Model):
    """What the carrier charges us per SMS part to a country (empty country: everywhere else)."""

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="costs")
    country = models.CharField(max_length=2, blank=True, help_text="ISO code; empty for every other country.")
    cost = models.DecimalField(**CREDIT_FIELD, help_text="Per SMS part, in credits.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connector", "country"], name="connector_cost_unique")]
        verbose_name = "cost per country"
        verbose_name_plural = "costs per country"


class RouteMode(models.TextChoices):
    FAILOVER = "failover", "Failover: in the order given"
    WEIGHTED = "weighted", "Weighted: shared by weight, the others as failover"
    LEAST_COST = "least_cost", "Least cost: cheapest for the country first"


class Route(models.Model):
    """An ordered rule: the first route (by position) whose every filled-in filter matches a message
    names the connectors that may carry it. A route with no filter is a catch-all."""

    position = models.PositiveIntegerField(default=100, help_text="Lower positions are tried first.")
    name = models.CharField(max_length=80, blank=True)
    prefix = models.CharField(
        max_length=16, blank=True, help_text="E.164 prefix the destination starts with, e.g. +3725."
    )
    country = models.CharField(max_length=2, blank=True, help_text="ISO code of the destination's country.")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    sender = models.CharField(max_length=20, blank=True, help_text="Only messages from this sender.")
    mode = models.CharField(max_length=12, choices=RouteMode.choices, default=RouteMode.FAILOVER)
    connectors = models.ManyToManyField(Connector, through="RouteConnector", related_name="routes")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name or f"route {self.pk}"


class RouteConnector(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="steps")
    connector = models.ForeignKey(Connector, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=1, help_text="Failover order.")
    weight = models.PositiveSmallIntegerField(default=1, help_text="Share of traffic in a weighted route.")

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["route", "connector"], name="route_connector_unique")]
        verbose_name = "connector"


class SubmitAttempt(models.Model):
    """One hand-over of a message to a connector and how it went (routed messages only: with no
    connectors configured the one implicit gateway carries everything, as before)."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted"
        REFUSED = "refused", "Refused for good"
        TEMPORARY = "temporary", "Refused for now (handed on)"
        UNCERTAIN = "uncertain", "No answer (may have reached the network)"
        HANDED = "handed", "Handed over, no outcome stored (in progress, or its worker stopped)"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="submit_attempts", db_constraint=False)
    connector = models.ForeignKey(Connector, null=True, on_delete=models.SET_NULL, related_name="+")
    connector_name = models.CharField(max_length=50)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    error = models.CharField(max_length=255, blank=True)
    country = models.CharField(max_length=2, blank=True)
    cost = models.DecimalField(**CREDIT_FIELD, default=0, help_text="What the carrier charges for it (accepted).")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["connector", "at"], name="attempt_connector_at")]
        verbose_name = "submit attempt"
