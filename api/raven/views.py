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
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.authentication import BearerKeyAuthentication
from api.base import DialectView
from api.errors import ApiError
from messaging import selectors
from messaging.notify import status_document
from messaging.personalise import fill_positional
from messaging.services import Recipient, message_send

TAGS = ["Outbound SMS (seed 003)"]


def envelope(data, *, explain: str | None = None) -> dict:
    meta = {"timestamp": int(time.time() * 1000), "transactionId": str(uuid.uuid4())}
    if explain:
        meta["explain"] = explain
    return {"meta": meta, "data": data}


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


class SendInput(MessageInput):
    from_ = serializers.CharField(max_length=20)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class BatchRecipient(serializers.Serializer):
    to = serializers.CharField(max_length=32)
    params = serializers.ListField(child=serializers.JSONField(), required=False, default=list, max_length=50)

    def to_internal_value(self, data):
        if isinstance(data, dict) and "to" not in data and "to:" in data:
            data = {**data, "to": data["to:"]}
        return super().to_internal_value(data)


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
        tags=TAGS,
        request=SendInput,
        summary="Send an SMS",
        examples=[
            OpenApiExample(
                "Seed example", request_only=True, value={"from": "12345", "text": "text demo", "to": "+580000000005"}
            )
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
    @extend_schema(tags=TAGS, summary="Status of a message")
    def get(self, request, message_id):
        message = selectors.message_get(team=request.user.team, message_id=message_id)
        return Response(envelope(_document(message)))


class BatchApi(RavenView):
    @extend_schema(tags=TAGS, request=BatchInput, summary="Send one text to many numbers, with {0} placeholders")
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
