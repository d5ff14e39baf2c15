"""SMS API (seed 004) sending: `POST /v1/sms/send` (username/password) and `GET`/`POST
/api/v2/sms/send` (X-API-Key). `numbers` is comma separated; national numbers are read with the
team's default country. One bad number refuses the request (400 "Invalid phone number format.")
and nothing is sent. The seed shows no success body; ours lists each message."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from messaging.services import Recipient, message_send

from .base import SmsApiPasswordView, SmsApiView

TAGS = ["SMS API (seed 004)"]


class SendInput(serializers.Serializer):
    numbers = serializers.CharField(max_length=100_000, error_messages={"required": "The numbers field is required."})
    message_body = serializers.CharField(
        trim_whitespace=False, error_messages={"required": "The message body field is required."}
    )
    sender = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class SentMessage(serializers.Serializer):
    number = serializers.CharField()
    message_id = serializers.CharField()
    status = serializers.CharField()
    segments = serializers.IntegerField()


class SendOutput(serializers.Serializer):
    status = serializers.CharField()
    message = serializers.CharField()
    cost = serializers.FloatField()
    balance = serializers.FloatField()
    messages = SentMessage(many=True)


def send(view, request) -> Response:
    data = SendInput(data=view.params)
    data.is_valid(raise_exception=True)
    body = data.validated_data
    numbers = [n.strip() for n in body["numbers"].split(",") if n.strip()]
    result = message_send(
        actor=request.user,
        recipients=[Recipient(n) for n in numbers] or [Recipient("")],
        text=body["message_body"],
        sender=body["sender"],
        all_or_nothing=True,
        source="sms_api",
    )
    if result.rejected:
        reason = result.rejected[0].reason
        return Response({"error": "Invalid phone number format." if reason == "Invalid number" else reason}, status=400)
    return Response(
        {
            "status": "success",
            "message": f"{len(result.messages)} message(s) queued",
            "cost": float(result.cost),
            "balance": float(request.user.balance),
            "messages": [
                {"number": m.recipient, "message_id": str(m.uuid), "status": m.status, "segments": m.segments}
                for m in result.messages
            ],
        }
    )


class SendV1Api(SmsApiPasswordView):
    error_fields = {"credits": "message_body"}

    @extend_schema(tags=TAGS, request=SendInput, responses=SendOutput, summary="Send (username and password)")
    def post(self, request):
        return send(self, request)


class SendV2Api(SmsApiView):
    error_fields = {"credits": "message_body"}

    @extend_schema(tags=TAGS, request=SendInput, responses=SendOutput, summary="Send (API key)")
    def post(self, request):
        return send(self, request)

    @extend_schema(tags=TAGS, parameters=[SendInput], responses=SendOutput, summary="Send (API key, query string)")
    def get(self, request):
        return send(self, request)
