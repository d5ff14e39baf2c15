"""SMS API (seed 004) sending: `POST /v1/sms/send` (username/password) and `GET`/`POST
/api/v2/sms/send` (X-API-Key). `numbers` is comma separated; national numbers are read with the
team's default country. One bad number refuses the request (400 "Invalid phone number format.")
and nothing is sent. The seed shows no success body; ours lists each message."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from messaging.models import Status
from messaging.services import Recipient, message_send

from .base import TAGS, SmsApiPasswordView, SmsApiView, error_responses


@extend_schema_serializer(component_name="SmsApiSendRequest")
class SendInput(serializers.Serializer):
    numbers = serializers.CharField(
        max_length=100_000,
        error_messages={"required": "The numbers field is required."},
        help_text="The phone numbers, comma separated; national numbers are read with your team's country.",
    )
    message_body = serializers.CharField(
        trim_whitespace=False,
        error_messages={"required": "The message body field is required."},
        help_text="The content of the message.",
    )
    sender = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", help_text="Default: your team's sender."
    )


@extend_schema_serializer(component_name="SmsApiSentMessage")
class SentMessage(serializers.Serializer):
    number = serializers.CharField(help_text="E.164.")
    message_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Status.choices)
    segments = serializers.IntegerField()


@extend_schema_serializer(component_name="SmsApiSendResponse")
class SendOutput(serializers.Serializer):
    status = serializers.CharField()
    message = serializers.CharField()
    cost = serializers.FloatField()
    balance = serializers.FloatField()
    messages = SentMessage(many=True)


SENT = OpenApiResponse(
    SendOutput,
    description="Queued (the seed shows no success body: this one lists each message, the cost and the new balance).",
    examples=[
        OpenApiExample(
            "Two messages queued",
            value={
                "status": "success",
                "message": "2 message(s) queued",
                "cost": 2.0,
                "balance": 98.0,
                "messages": [
                    {
                        "number": "+254701234567",
                        "message_id": "3cdc8f09-98c8-487f-a6e9-26662b5e2bb4",
                        "status": "QUEUE",
                        "segments": 1,
                    },
                    {
                        "number": "+254712345678",
                        "message_id": "8a1e2f3b-4c5d-4e6f-9a0b-1c2d3e4f5a6b",
                        "status": "QUEUE",
                        "segments": 1,
                    },
                ],
            },
        )
    ],
)
SEND_ERRORS = (
    OpenApiExample("Invalid phone number", value={"error": "Invalid phone number format."}),
    OpenApiExample(
        "Missing parameter",
        value={"error": "The numbers field is required.", "errors": {"numbers": ["The numbers field is required."]}},
    ),
    OpenApiExample(
        "Not enough credits",
        value={
            "error": "Insufficient credits: this costs 7.",
            "errors": {"message_body": ["Insufficient credits: this costs 7."]},
        },
    ),
)
REQUEST = OpenApiExample(
    "Request",
    request_only=True,
    value={"numbers": "0701234567, 0712345678", "message_body": "Hello, this is a test message."},
)


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
        rejection = result.rejected[0]
        invalid = rejection.code.is_number
        return Response({"error": "Invalid phone number format." if invalid else rejection.reason}, status=400)
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
    error_fields = {"credits": "message_body", "text": "message_body"}

    @extend_schema(
        operation_id="sms_api_v1_send",
        tags=TAGS,
        summary="Send SMS messages (username and password)",
        description="Sends one text to several numbers. `username` and `password` may be URL or form parameters. "
        "One invalid number refuses the whole request, and nothing is sent.",
        request=SendInput,
        responses={200: SENT, **error_responses(*SEND_ERRORS, key_required=False)},
        examples=[REQUEST],
    )
    def post(self, request):
        return send(self, request)


class SendV2Api(SmsApiView):
    error_fields = {"credits": "message_body", "text": "message_body"}

    @extend_schema(
        operation_id="sms_api_v2_send",
        tags=TAGS,
        summary="Send SMS messages (API key)",
        description="One invalid number refuses the whole request, and nothing is sent.",
        request=SendInput,
        responses={200: SENT, **error_responses(*SEND_ERRORS)},
        examples=[REQUEST],
    )
    def post(self, request):
        return send(self, request)

    @extend_schema(
        operation_id="sms_api_v2_send_get",
        tags=TAGS,
        summary="Send SMS messages (API key, query string)",
        description="The same as the POST, with the parameters in the query string.",
        parameters=[SendInput],
        responses={200: SENT, **error_responses(*SEND_ERRORS)},
    )
    def get(self, request):
        return send(self, request)
