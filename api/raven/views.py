"""Outbound SMS (seed 003): Bearer key, JSON bodies, the `meta`/`data` envelope.

`POST /raven/v2/messages`, `GET /raven/v2/messages/{id}`, `POST /raven/v3/messages/batch` with
`{0}` placeholders filled from each recipient's `params`. The batch example spells the recipient
key `"to:"`; both `to` and `to:` are read. Where the seed is silent: errors keep the envelope,
with the reason in `meta.explain` and the fields in `errors`; a single message to an invalid number
is a 400, while a batch lists invalid numbers in `data.invalidNumber`, recipients refused for another
reason (a `{n}` without its param, a filled text over the limit) in `data.refused`, and sends the
rest; a batch of which nothing could be sent for a reason other than numbers is a 400 (the length
error, as for one message). The optional fields `email`, `connection` and `callbacks` are answered
when they were given; `externalId` and `clientId` always ("" when not given).

`GET /raven/v2/messages` lists the team's sent messages, newest first: `page` (from 1) and `pageSize`
(1 to 1000, default 100), with `page`, `pageSize`, `totalElements` and `totalPages` in `meta`."""

import time
import uuid
from datetime import datetime, timedelta
from datetime import time as day_start
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response

from accounts.authentication import BearerKeyAuthentication
from api.base import DialectView
from api.errors import ApiError
from core.errors import ValidationFailed
from messaging import selectors
from messaging.callbacks.notify import DOCUMENT_FIELDS, status_document
from messaging.models import Status
from messaging.services import Recipient, RejectionCode, message_send

TAGS = ["Outbound SMS (seed 003)"]


def envelope(data, *, explain: str | None = None) -> dict:
    meta = {"timestamp": int(time.time() * 1000), "transactionId": str(uuid.uuid4())}
    if explain:
        meta["explain"] = explain
    return {"meta": meta, "data": data}


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": {"type": "string", "format": "uri"}, "maxItems": 10},
            {"type": "string", "description": "URLs separated by commas."},
        ],
        "description": "Up to 10 URLs that get each status change as a JSON POST (with `requestDR: true`).",
    }
)
class CallbacksField(serializers.Field):
    """A list of URLs, or one string of URLs separated by commas."""

    def to_internal_value(self, data):
        urls = data if isinstance(data, list) else str(data).split(",")
        urls = [str(u).strip() for u in urls if str(u).strip()]
        for url in urls:
            serializers.URLField().run_validation(url)
        if len(urls) > 10:
            raise serializers.ValidationError("At most 10 callback URLs.")
        return urls


class MessageInput(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=False)
    to = serializers.CharField(max_length=32)
    requestDR = serializers.BooleanField(required=False, default=False)
    callbacks = CallbacksField(required=False, default=list)
    externalId = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    clientId = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    connection = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    type = serializers.ChoiceField(choices=["MT"], required=False, default="MT")


@extend_schema_serializer(component_name="RavenSendRequest")
class SendInput(MessageInput):
    from_ = serializers.CharField(max_length=20)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


@extend_schema_serializer(component_name="RavenBatchRecipient")
class BatchRecipient(serializers.Serializer):
    to = serializers.CharField(max_length=32)
    params = serializers.ListField(child=serializers.JSONField(), required=False, default=list, max_length=50)

    def to_internal_value(self, data):
        if isinstance(data, dict) and "to" not in data and "to:" in data:
            data = {**data, "to": data["to:"]}
        return super().to_internal_value(data)


@extend_schema_serializer(component_name="RavenBatchRequest")
class BatchInput(SendInput):
    to = BatchRecipient(many=True, allow_empty=False)  # type: ignore[assignment]  # a DRF field: see [tool.mypy]


class RavenView(DialectView):
    authentication_classes = [BearerKeyAuthentication]
    error_fields = {"recipients": "to", "credits": "text", "sender": "from"}

    def render_error(self, error: ApiError) -> Response:
        body = envelope(None, explain=error.message)
        if error.fields:
            body["errors"] = error.fields
        status = 400 if error.status == 422 else error.status
        return Response(body, status=status)


# The documented shapes, for the schema.


@extend_schema_serializer(component_name="RavenMeta")
class MetaOutput(serializers.Serializer):
    timestamp = serializers.IntegerField(help_text="Milliseconds since 1970.")
    transactionId = serializers.UUIDField()
    explain = serializers.CharField(required=False, help_text="Why a request failed; a batch's summary.")


class _WithFrom(serializers.Serializer):
    """`from` is a Python keyword: the field is declared as `from_`."""

    def get_fields(self):
        fields = super().get_fields()
        return {"from": fields.pop("from_"), **fields}


@extend_schema_serializer(component_name="RavenMessage")
class MessageOutput(_WithFrom):
    id = serializers.UUIDField()
    from_ = serializers.CharField()
    to = serializers.CharField()
    text = serializers.CharField()
    requestDR = serializers.BooleanField()
    type = serializers.CharField(help_text='"MT"')
    owner = serializers.CharField(help_text="Your team.")
    operator = serializers.CharField(help_text="The user who sent it.")
    status = serializers.ChoiceField(choices=Status.choices)
    date = serializers.DateTimeField(help_text="The last status change.")
    externalId = serializers.CharField(help_text='As sent; "" when not.')
    clientId = serializers.CharField(help_text='As sent; "" when not.')
    email = serializers.CharField(required=False, help_text="When sent with one.")
    connection = serializers.CharField(required=False, help_text="When sent with one.")
    segments = serializers.IntegerField()
    callbacks = serializers.CharField(required=False, help_text="When sent with callbacks: the URLs, comma separated.")


@extend_schema_serializer(component_name="RavenMessageResponse")
class MessageEnvelope(serializers.Serializer):
    meta = MetaOutput()
    data = MessageOutput()  # type: ignore[assignment]  # a DRF field: see [tool.mypy]


@extend_schema_serializer(component_name="RavenBatchId")
class BatchIdOutput(serializers.Serializer):
    id = serializers.UUIDField()
    mobile = serializers.CharField()


@extend_schema_serializer(component_name="RavenBatchRefused")
class BatchRefusedOutput(serializers.Serializer):
    mobile = serializers.CharField(help_text="As given.")
    status = serializers.ChoiceField(choices=[Status.ERROR, Status.SEGMENTS_EXCEEDED])
    explain = serializers.CharField(help_text="Why it was not sent.")


@extend_schema_serializer(component_name="RavenBatch")
class BatchOutput(_WithFrom):
    ids = BatchIdOutput(many=True)
    invalidNumber = serializers.ListField(child=serializers.CharField(), help_text="Numbers not sent (not charged).")
    refused = BatchRefusedOutput(
        many=True,
        required=False,
        help_text="Valid numbers not sent (not charged), with the reason: a `{n}` placeholder without its "
        "param, or a filled text over the limit. There when there are some.",
    )
    from_ = serializers.CharField()
    text = serializers.CharField()
    type = serializers.CharField(help_text='"MT"')
    owner = serializers.CharField()
    operator = serializers.CharField()
    status = serializers.CharField(help_text='"QUEUE"')
    date = serializers.DateTimeField()
    requestDR = serializers.BooleanField()
    externalId = serializers.CharField(help_text='As sent; "" when not.')
    clientId = serializers.CharField(help_text='As sent; "" when not.')
    email = serializers.CharField(required=False, help_text="When sent with one.")
    connection = serializers.CharField(required=False, help_text="When sent with one.")
    callbacks = serializers.CharField(required=False, help_text="When sent with callbacks: the URLs, comma separated.")


@extend_schema_serializer(component_name="RavenBatchResponse")
class BatchEnvelope(serializers.Serializer):
    meta = MetaOutput()
    data = BatchOutput()  # type: ignore[assignment]  # a DRF field: see [tool.mypy]


@extend_schema_serializer(component_name="RavenListMeta")
class ListMetaOutput(MetaOutput):
    page = serializers.IntegerField(help_text="This page, from 1.")
    pageSize = serializers.IntegerField()
    totalElements = serializers.IntegerField(help_text="Messages matching the filters, on every page.")
    totalPages = serializers.IntegerField()


@extend_schema_serializer(component_name="RavenMessageList")
class ListEnvelope(serializers.Serializer):
    meta = ListMetaOutput()
    data = MessageOutput(many=True, help_text="Newest first.")  # type: ignore[assignment]  # a DRF field: see [tool.mypy]


@extend_schema_serializer(component_name="RavenError")
class ErrorEnvelope(serializers.Serializer):
    meta = MetaOutput()
    data = serializers.JSONField(allow_null=True, help_text="Always null.")  # type: ignore[assignment]  # a DRF field: see [tool.mypy]
    errors = serializers.DictField(  # type: ignore[assignment]  # a DRF field: see [tool.mypy]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="The messages of each field at fault, when there are some.",
    )


META = {"timestamp": 1629174338140, "transactionId": "c4cdd080-fbbf-46e3-aff1-311e21f5048c"}
NO_CREDITS = "Insufficient credits: this costs 7."


def _failed(name: str, explain: str, errors: dict | None = None) -> OpenApiExample:
    body = {"meta": {**META, "explain": explain}, "data": None}
    return OpenApiExample(name, value={**body, "errors": errors} if errors else body)


def error_responses(*examples: OpenApiExample, not_found: bool = False, sends: bool = True) -> dict:
    """401, 429; 400 with these examples, and 402 for endpoints that send (an endpoint that reads no
    input has no examples); 404 when the path names a message."""
    responses = {
        401: OpenApiResponse(
            ErrorEnvelope,
            description="No Bearer key, or a wrong one.",
            examples=[_failed("Unauthorized", "Authentication credentials were not provided.")],
        ),
        429: OpenApiResponse(
            ErrorEnvelope,
            description="Past the rate limit: wait `Retry-After` seconds.",
            examples=[_failed("Rate limit", "Request was throttled. Expected available in 41 seconds.")],
        ),
    }
    if examples:
        responses[400] = OpenApiResponse(
            ErrorEnvelope,
            description="Invalid input: the reason in `meta.explain`, the fields in `errors`.",
            examples=list(examples),
        )
    if examples and sends:
        responses[402] = OpenApiResponse(
            ErrorEnvelope,
            description="Not enough credits: nothing was sent.",
            examples=[_failed("Not enough credits", NO_CREDITS, {"text": [NO_CREDITS]})],
        )
    if not_found:
        responses[404] = OpenApiResponse(
            ErrorEnvelope,
            description="No such message in your team.",
            examples=[_failed("Not found", "Message not found.", {"message_id": ["Message not found."]})],
        )
    return responses


SENT = {
    "id": "611b3a42-c5f7-4045-90c1-7d1f3b2a9e10",
    "from": "12345",
    "to": "+580000000005",
    "text": "text demo",
    "requestDR": True,
    "type": "MT",
    "owner": "Acme",
    "operator": "user@example.com",
    "status": "QUEUE",
    "date": "2021-08-17T04:25:38.117592Z",
    "externalId": "",
    "clientId": "",
    "segments": 1,
}


def _document(message, *, status=None) -> dict:
    m = {
        "uuid": message.uuid,
        "sender": message.sender,
        "recipient": message.recipient,
        "text": message.text,
        "request_dlr": message.request_dlr,
        "client_ref": message.client_ref,
        "extras": message.extras,
        "callbacks": message.callbacks,
        "segments": message.segments,
        "team__name": message.team.name,
        "user__email": message.user.email,
    }
    return status_document(m, status=status or message.status, at=message.status_at)


def _optional(body: dict) -> dict:
    """What message_send keeps of the optional fields: the externalId as the client reference,
    clientId, email and connection as extras (answered back, never acted on)."""
    return {
        "client_ref": body["externalId"],
        "extras": {"client_id": body["clientId"], "email": body["email"], "connection": body["connection"]},
        "request_dlr": body["requestDR"],
        "callbacks": body["callbacks"],
    }


MESSAGE_FILTERS = [
    OpenApiParameter("page", int, description="The page, from 1.", default=1),
    OpenApiParameter("pageSize", int, description="Messages a page, 1 to 1000.", default=100),
    OpenApiParameter("status", str, description="One status or several separated by commas, e.g. `DELIVRD,UNDELIV`."),
    OpenApiParameter(
        "dateFrom",
        str,
        description="Sent on or after: a day (`2021-08-17`, from midnight in your team's time zone) or an "
        "ISO 8601 date and time.",
    ),
    OpenApiParameter(
        "dateTo", str, description="Sent before the end of this day (`2021-08-17`), or before this date and time."
    ),
    OpenApiParameter("externalId", str, description="Only messages sent with this externalId."),
    OpenApiParameter("clientId", str, description="Only messages sent with this clientId."),
]
MAX_PAGE_SIZE = 1000
MAX_PAGE = 1_000_000


class ListQuery(serializers.Serializer):
    """The list's text filters, checked as any input is (bounded, no NUL character)."""

    status = serializers.CharField(required=False, allow_blank=True, max_length=500)
    dateFrom = serializers.CharField(required=False, allow_blank=True, max_length=40)
    dateTo = serializers.CharField(required=False, allow_blank=True, max_length=40)
    externalId = serializers.CharField(required=False, allow_blank=True, max_length=100)
    clientId = serializers.CharField(required=False, allow_blank=True, max_length=255)


def _whole_number(query, name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name) or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(f"{name} must be a whole number.", field=name) from None
    if not low <= value <= high:
        raise ValidationFailed(f"{name} must be from {low} to {high}.", field=name)
    return value


def _moment(query, name: str, *, zone, end_of_day: bool) -> datetime | None:
    """`name` as an aware date and time: a day is its first moment in `zone` (the next day's, for
    an end); a date and time without an offset is in `zone`."""
    raw = (query.get(name) or "").strip()
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            if day is None:
                raise ValueError(raw)
            moment = datetime.combine(day + timedelta(days=1) if end_of_day else day, day_start())
    except (ValueError, OverflowError):
        raise ValidationFailed(
            f"{name} must be a date (2021-08-17) or an ISO 8601 date and time.", field=name
        ) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, zone)


class MessagesApi(RavenView):
    @extend_schema(
        operation_id="raven_list",
        tags=TAGS,
        summary="Your sent messages, newest first (paginated)",
        description="The filters combine. `page` (from 1) and `pageSize` (default 100, at most 1000) pick the page; "
        "`meta` tells the page, its size and the totals. Each message reads as `GET /raven/v2/messages/{id}` shows it.",
        parameters=MESSAGE_FILTERS,
        responses={
            200: OpenApiResponse(
                ListEnvelope,
                examples=[
                    OpenApiExample(
                        "One page",
                        value={
                            "meta": {**META, "page": 1, "pageSize": 100, "totalElements": 1, "totalPages": 1},
                            "data": [{**SENT, "status": "DELIVRD"}],
                        },
                    )
                ],
            ),
            **error_responses(
                _failed("Bad status", "Unknown status: SENDING.", {"status": ["Unknown status: SENDING."]}),
                sends=False,
            ),
        },
    )
    def get(self, request):
        page = _whole_number(request.query_params, "page", 1, 1, MAX_PAGE)
        size = _whole_number(request.query_params, "pageSize", 100, 1, MAX_PAGE_SIZE)
        checked = ListQuery(data=request.query_params)
        checked.is_valid(raise_exception=True)
        query = checked.validated_data
        team = request.user.team
        statuses = [s.strip().upper() for s in (query.get("status") or "").split(",") if s.strip()]
        for status in statuses:
            if status not in Status.values:
                raise ValidationFailed(f"Unknown status: {status}.", field="status")
        zone = team.zone
        messages = selectors.message_sent_list(
            team=team,
            actor=request.user,
            statuses=statuses,
            created_from=_moment(query, "dateFrom", zone=zone, end_of_day=False),
            created_before=_moment(query, "dateTo", zone=zone, end_of_day=True),
            client_ref=query.get("externalId", ""),
            client_id=query.get("clientId", ""),
        )
        total = messages.count()
        rows = messages.values(*DOCUMENT_FIELDS, "status", "status_at")[(page - 1) * size : page * size]
        document = envelope([status_document(m, status=m["status"], at=m["status_at"]) for m in rows])
        document["meta"].update(page=page, pageSize=size, totalElements=total, totalPages=(total + size - 1) // size)
        return Response(document)

    @extend_schema(
        operation_id="raven_send",
        tags=TAGS,
        request=SendInput,
        summary="Send an SMS",
        description="`to` in E.164 (the `+` is optional). With `requestDR: true`, each status change from SENT "
        "on is POSTed as JSON (the message, as `GET /raven/v2/messages/{id}` shows it) to each URL of `callbacks`. "
        "`externalId`, `clientId`, `email` and `connection` are kept and answered back (here, in the status and in "
        "the callbacks).",
        responses={
            200: OpenApiResponse(
                MessageEnvelope, examples=[OpenApiExample("Queued", value={"meta": META, "data": SENT})]
            ),
            **error_responses(
                _failed("Invalid number", "Invalid number", {"to": ["Invalid number"]}),
                _failed("Missing text", "This field is required.", {"text": ["This field is required."]}),
            ),
        },
        examples=[
            OpenApiExample(
                "Seed example", request_only=True, value={"from": "12345", "text": "text demo", "to": "+580000000005"}
            ),
            OpenApiExample(
                "With a delivery receipt",
                request_only=True,
                value={
                    "from": "2222",
                    "text": "We detect an incident outside of us due to a Power Cut that affects your área. "
                    "It is not necessary to report it",
                    "to": "+525500000000",
                    "requestDR": True,
                    "type": "MT",
                    "callbacks": ["https://example.com/sms-status"],
                },
            ),
        ],
    )
    def post(self, request):
        data = SendInput(data=self.params)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        optional = _optional(body)
        result = message_send(
            actor=request.user,
            recipients=[Recipient(body["to"], client_ref=optional.pop("client_ref"))],
            text=body["text"],
            sender=body["from"],
            all_or_nothing=True,
            source="raven",
            **optional,
        )
        if result.rejected:
            rejection = result.rejected[0]
            field = "to" if rejection.code.is_number else "text"
            return self.render_error(ApiError(400, "invalid", rejection.reason, {field: [rejection.reason]}))
        message = result.messages[0]
        return Response(envelope(_document(message, status="QUEUE" if message.status != "BLACKLISTED" else None)))


class MessageStatusApi(RavenView):
    @extend_schema(
        operation_id="raven_message_status",
        tags=TAGS,
        summary="Status of a message",
        responses={
            200: OpenApiResponse(
                MessageEnvelope,
                examples=[OpenApiExample("Delivered", value={"meta": META, "data": {**SENT, "status": "DELIVRD"}})],
            ),
            **error_responses(not_found=True),
        },
    )
    def get(self, request, message_id):
        message = selectors.message_get(team=request.user.team, actor=request.user, message_id=message_id)
        return Response(envelope(_document(message)))


BATCH_EXAMPLE: dict[str, Any] = {
    "ids": [
        {"id": "507f1f77-b0c4-4f6e-9d7a-2a1c3e5b7d90", "mobile": "+525500000000"},
        {"id": "507abf71-a3d2-4c8b-8e1f-6b9d0c2e4f13", "mobile": "+525511111111"},
    ],
    "invalidNumber": [],
    "from": "12345",
    "text": "Hi {0}, your balance is ${1}",
    "type": "MT",
    "owner": "owner",
    "operator": "operator",
    "status": "QUEUE",
    "date": "2020-06-22T15:06:37.909584Z",
    "requestDR": False,
    "externalId": "",
    "clientId": "",
}
MISSING_PARAM = "The text's placeholder {1} has no value in params (1 value given)."
TOO_LONG = "Text exceeds the limit of allowed segments (1600 characters)."


class BatchApi(RavenView):
    @extend_schema(
        operation_id="raven_batch_send",
        tags=TAGS,
        request=BatchInput,
        summary="Send one text to many numbers, with {0} placeholders",
        description="`{0}`, `{1}`... in `text` are filled from each recipient's `params`, by position. "
        'The recipient key may be spelled `"to"` or `"to:"` (as in the seed). Invalid numbers are listed in '
        "`data.invalidNumber`; a recipient whose placeholders lack params, or whose filled text is over the limit, "
        "in `data.refused` with the reason; neither is sent nor charged, and the others are sent. When nothing "
        "could be sent for a reason other than the numbers (the text over the limit, no params), the answer is "
        "a 400 with that reason.",
        responses={
            200: OpenApiResponse(
                BatchEnvelope,
                examples=[
                    OpenApiExample(
                        "Queued", value={"meta": {**META, "explain": "2 queued, 0 invalid"}, "data": BATCH_EXAMPLE}
                    ),
                    OpenApiExample(
                        "One refused",
                        value={
                            "meta": {**META, "explain": "1 queued, 0 invalid, 1 refused"},
                            "data": {
                                **BATCH_EXAMPLE,
                                "ids": BATCH_EXAMPLE["ids"][:1],
                                "refused": [{"mobile": "+525511111111", "status": "ERROR", "explain": MISSING_PARAM}],
                            },
                        },
                    ),
                ],
            ),
            **error_responses(
                _failed("No recipients", "This list may not be empty.", {"to": ["This list may not be empty."]}),
                _failed("Text too long", TOO_LONG, {"text": [TOO_LONG]}),
                _failed("No params", MISSING_PARAM.replace("1 value", "0 values"), {"to.0.params": [MISSING_PARAM]}),
            ),
        },
        examples=[
            OpenApiExample(
                "Seed example",
                request_only=True,
                value={
                    "from": "12345",
                    "text": "Hi {0}, your balance is ${1}",
                    "to": [
                        {"to:": "+525500000000", "params": ["Elizabeth", 10.65]},
                        {"to:": "+525511111111", "params": ["Joshua", 20.5]},
                    ],
                    "type": "MT",
                },
            )
        ],
    )
    def post(self, request):
        data = BatchInput(data=self.params)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        optional = _optional(body)
        ref = optional.pop("client_ref")
        recipients = [Recipient(r["to"], params=r["params"], client_ref=ref) for r in body["to"]]
        with transaction.atomic():
            result = message_send(
                actor=request.user,
                recipients=recipients,
                text=body["text"],
                sender=body["from"],
                source="raven",
                **optional,
            )
        invalid = [r for r in result.rejected if r.code.is_number]
        refused = [r for r in result.rejected if not r.code.is_number]
        if refused and not result.messages:
            # Nothing sent, and not (only) for the numbers: the length or params error, as for one message.
            errors: dict[str, list[str]] = {}
            for r in result.rejected:
                if r.code == RejectionCode.TOO_LONG:
                    errors.setdefault("text", [r.reason])
                else:
                    errors[f"to.{r.index}.{'to' if r.code.is_number else 'params'}"] = [r.reason]
            return self.render_error(ApiError(400, "invalid", refused[0].reason, errors))
        sample = _document_of_request(request, body)
        document = {
            "ids": [{"id": str(m.uuid), "mobile": m.recipient} for m in result.messages],
            "invalidNumber": [r.number for r in invalid],
            **(
                {"refused": [{"mobile": r.number, "status": r.status, "explain": r.reason} for r in refused]}
                if refused
                else {}
            ),
            **sample,
        }
        explain = f"{len(result.messages)} queued, {len(invalid)} invalid" + (
            f", {len(refused)} refused" if refused else ""
        )
        return Response(envelope(document, explain=explain))


def _document_of_request(request, body: dict) -> dict:
    """The batch answer's fields about the request, with the optional ones as GET shows them."""
    m = {
        "uuid": "",
        "sender": body["from"],
        "recipient": "",
        "text": body["text"],
        "request_dlr": body["requestDR"],
        "client_ref": body["externalId"],
        "extras": _optional(body)["extras"],
        "callbacks": body["callbacks"],
        "segments": 0,
        "team__name": request.user.team.name,
        "user__email": request.user.email,
    }
    document = status_document(m, status="QUEUE", at=timezone.now())
    for name in ("id", "to", "segments"):
        del document[name]
    return document
