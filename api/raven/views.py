"""Outbound SMS (seed 003): Bearer key, JSON bodies, the `meta`/`data` envelope.

`POST /raven/v2/messages`, `GET /raven/v2/messages/{id}`, `POST /raven/v3/messages/batch` with
`{0}` placeholders filled from each recipient's `params`. The batch example spells the recipient
key `"to:"`; both `to` and `to:` are read. Where the seed is silent: errors keep the envelope,
with the reason in `meta.explain` and the fields in `errors`; a single message to an invalid number
is a 400, while a batch lists invalid numbers in `data.invalidNumber` and sends the rest."""

import time
import uuid

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
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
from messaging import selectors
from messaging.models import Status
from messaging.notify import status_document
from messaging.personalise import fill_positional
from messaging.services import Recipient, message_send

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
    connection = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
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
    to = BatchRecipient(many=True, allow_empty=False)


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
    externalId = serializers.CharField()
    clientId = serializers.CharField()
    segments = serializers.IntegerField()
    callbacks = serializers.CharField(required=False, help_text="When sent with callbacks: the URLs, comma separated.")


@extend_schema_serializer(component_name="RavenMessageResponse")
class MessageEnvelope(serializers.Serializer):
    meta = MetaOutput()
    data = MessageOutput()


@extend_schema_serializer(component_name="RavenBatchId")
class BatchIdOutput(serializers.Serializer):
    id = serializers.UUIDField()
    mobile = serializers.CharField()


@extend_schema_serializer(component_name="RavenBatch")
class BatchOutput(_WithFrom):
    ids = BatchIdOutput(many=True)
    invalidNumber = serializers.ListField(child=serializers.CharField(), help_text="Numbers not sent (not charged).")
    from_ = serializers.CharField()
    text = serializers.CharField()
    type = serializers.CharField(help_text='"MT"')
    owner = serializers.CharField()
    operator = serializers.CharField()
    status = serializers.CharField(help_text='"QUEUE"')
    date = serializers.DateTimeField()


@extend_schema_serializer(component_name="RavenBatchResponse")
class BatchEnvelope(serializers.Serializer):
    meta = MetaOutput()
    data = BatchOutput()


@extend_schema_serializer(component_name="RavenError")
class ErrorEnvelope(serializers.Serializer):
    meta = MetaOutput()
    data = serializers.JSONField(allow_null=True, help_text="Always null.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="The messages of each field at fault, when there are some.",
    )


META = {"timestamp": 1629174338140, "transactionId": "c4cdd080-fbbf-46e3-aff1-311e21f5048c"}
NO_CREDITS = "Insufficient credits: this costs 7."


def _failed(name: str, explain: str, errors: dict | None = None) -> OpenApiExample:
    body = {"meta": {**META, "explain": explain}, "data": None}
    return OpenApiExample(name, value={**body, "errors": errors} if errors else body)


def error_responses(*examples: OpenApiExample, not_found: bool = False) -> dict:
    """401, 429; 400 with these examples and 402 for endpoints that send (an endpoint that reads no
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
        "segments": message.segments,
        "team__name": message.team.name,
        "user__email": message.user.email,
    }
    return status_document(m, status=status or message.status, at=message.status_at)


class MessagesApi(RavenView):
    @extend_schema(
        operation_id="raven_send",
        tags=TAGS,
        request=SendInput,
        summary="Send an SMS",
        description="`to` in E.164 (the `+` is optional). With `requestDR: true`, each status change from SENT "
        "on is POSTed as JSON (the message, as `GET /raven/v2/messages/{id}` shows it) to each URL of `callbacks`.",
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
        result = message_send(
            actor=request.user,
            recipients=[Recipient(body["to"], client_ref=body["externalId"] or body["clientId"])],
            text=body["text"],
            sender=body["from"],
            request_dlr=body["requestDR"],
            callbacks=body["callbacks"] if body["requestDR"] else [],
            all_or_nothing=True,
            source="raven",
        )
        if result.rejected:
            rejection = result.rejected[0]
            field = "to" if rejection.reason == "Invalid number" else "text"
            return self.render_error(ApiError(400, "invalid", rejection.reason, {field: [rejection.reason]}))
        message = result.messages[0]
        document = _document(message, status="QUEUE" if message.status != "BLACKLISTED" else None)
        document["externalId"], document["clientId"] = body["externalId"], body["clientId"]
        if body["callbacks"]:
            document["callbacks"] = ",".join(body["callbacks"])
        return Response(envelope(document))


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


class BatchApi(RavenView):
    @extend_schema(
        operation_id="raven_batch_send",
        tags=TAGS,
        request=BatchInput,
        summary="Send one text to many numbers, with {0} placeholders",
        description="`{0}`, `{1}`... in `text` are filled from each recipient's `params`, by position. "
        'The recipient key may be spelled `"to"` or `"to:"` (as in the seed). Invalid numbers are listed in '
        "`data.invalidNumber`, not sent and not charged; the others are sent.",
        responses={
            200: OpenApiResponse(
                BatchEnvelope,
                examples=[
                    OpenApiExample(
                        "Queued",
                        value={
                            "meta": {**META, "explain": "2 queued, 0 invalid"},
                            "data": {
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
                            },
                        },
                    )
                ],
            ),
            **error_responses(
                _failed("No recipients", "This list may not be empty.", {"to": ["This list may not be empty."]})
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
        ref = body["externalId"] or body["clientId"]
        recipients = [
            Recipient(r["to"], text=fill_positional(body["text"], r["params"]), client_ref=ref) for r in body["to"]
        ]
        with transaction.atomic():
            result = message_send(
                actor=request.user,
                recipients=recipients,
                text=body["text"],
                sender=body["from"],
                request_dlr=body["requestDR"],
                callbacks=body["callbacks"] if body["requestDR"] else [],
                source="raven",
            )
        document = {
            "ids": [{"id": str(m.uuid), "mobile": m.recipient} for m in result.messages],
            "invalidNumber": [r.number for r in result.rejected],
            "from": body["from"],
            "text": body["text"],
            "type": "MT",
            "owner": request.user.team.name,
            "operator": request.user.email,
            "status": "QUEUE",
            "date": timezone.now().isoformat().replace("+00:00", "Z"),
        }
        return Response(envelope(document, explain=f"{len(result.messages)} queued, {len(result.rejected)} invalid"))
