"""REST API v1 `sms/...`: send one, send in bulk, send with URL parameters or the URL token."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from accounts.authentication import email_token_user
from accounts.models import KeyKind
from accounts.services.keys import api_key_authenticate
from api.express import Route
from api.fields import IntegerField
from api.items import validated_items
from core.errors import ValidationFailed
from messaging.schedule import parse_send_time
from messaging.services import EmptyText, Recipient, message_send

from .base import TAGS, RestV1View, bad_request, error_answer, error_responses

SOURCE = "rest_v1"
INVALID_NUMBER, EMPTY_MESSAGE = 2, 3  # the documented error codes of sms/send


@extend_schema_serializer(component_name="WebServiceSendSmsRequest")
class SendInput(serializers.Serializer):
    message = serializers.CharField(
        allow_blank=True, trim_whitespace=False, required=False, default="", help_text="Required: the text."
    )
    recipientNumber = serializers.CharField(
        max_length=32, allow_blank=True, required=False, default="", help_text="Required: the number."
    )
    campaign = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    dateToSend = serializers.CharField(
        max_length=40,
        allow_blank=True,
        required=False,
        default="",
        help_text="When to send: `yyyyMMddHHmm` (or ISO 8601) in your team's time zone; empty sends now.",
    )
    dataField = serializers.CharField(
        max_length=255, allow_blank=True, required=False, default="", help_text="Yours; sent back with replies."
    )


@extend_schema_serializer(component_name="WebServiceSendSmsResponse")
class SendOutput(serializers.Serializer):
    messageId = serializers.CharField(allow_null=True)
    error = serializers.CharField(allow_null=True)


class BulkOptions(serializers.Serializer):
    defaultDateToSend = serializers.CharField(max_length=40, allow_blank=True, required=False, default="")
    messagesPerMinute = IntegerField(min_value=0, required=False, allow_null=True)


@extend_schema_serializer(component_name="WebServiceSendSmsRequests")
class BulkInput(BulkOptions):
    """The documented body; the view validates its options and its (many) requests apart."""

    sendSmsRequests = SendInput(many=True, allow_empty=False)


@extend_schema_serializer(component_name="WebServiceSendSmsResponses")
class BulkOutput(serializers.Serializer):
    sendSmsResponses = SendOutput(many=True, help_text="One per request, in the same order.")


SEND_EXAMPLE = {
    "message": "Hello",
    "campaign": "shoe campaign",
    "recipientNumber": "+27725551234",
    "dateToSend": "201404282055",
    "dataField": "custom",
}
SENT = OpenApiResponse(
    SendOutput,
    examples=[OpenApiExample("Sent", value={"messageId": "0e3f3c4e-5b1a-4a59-9d5c-2d0b7f1c9a77", "error": None})],
)
SEND_ERRORS = (
    bad_request("Invalid mobile number", "Invalid mobile number", field="recipientNumber", code=INVALID_NUMBER),
    bad_request("Message cannot be empty", "Message cannot be empty", field="message", code=EMPTY_MESSAGE),
    bad_request("Not enough credits", "Insufficient credits: this costs 6.", field="message"),
)


class CodedError(ValidationFailed):
    """A validation error with the numeric code this API documents."""

    def __init__(self, message: str, *, field: str, number: int) -> None:
        super().__init__(message, field=field)
        self.number = number


def send_one(user, data: dict) -> dict:
    """Send one message from SendInput's validated `data`: the documented answer, or a (coded) error."""
    when = parse_send_time(data["dateToSend"], time_zone=user.team.time_zone, field="dateToSend")
    try:
        result = message_send(
            actor=user,
            recipients=[Recipient(data["recipientNumber"], data_field=data["dataField"])],
            text=data["message"],
            campaign=data["campaign"],
            scheduled_at=when,
            source=SOURCE,
        )
    except EmptyText:  # message_send's rule, with this API's documented code
        raise CodedError("Message cannot be empty", field="message", number=EMPTY_MESSAGE) from None
    if result.rejected:
        rejection = result.rejected[0]
        if rejection.code.is_number:
            raise CodedError("Invalid mobile number", field="recipientNumber", number=INVALID_NUMBER)
        raise ValidationFailed(rejection.reason, field="message")
    return {"messageId": str(result.messages[0].uuid), "error": None}


class SmsView(RestV1View):
    error_fields = {"credits": "message", "text": "message"}


class SmsSendApi(SmsView):
    @extend_schema(
        operation_id="rest_v1_sms_send",
        tags=TAGS,
        summary="Send a single message",
        description="`recipientNumber` and `message` are required; all other fields are optional.",
        request=SendInput,
        responses={200: SENT, **error_responses(*SEND_ERRORS)},
        examples=[OpenApiExample("Request", request_only=True, value=SEND_EXAMPLE)],
    )
    def post(self, request):
        data = SendInput(data=self.params)
        data.is_valid(raise_exception=True)
        return Response(send_one(request.user, data.validated_data))

    @extend_schema(
        operation_id="rest_v1_sms_send_example",
        tags=TAGS,
        summary="An example of the data to POST",
        responses={200: SendInput, **error_responses()},
    )
    def get(self, request):
        return Response(
            {"message": "Hello", "campaign": "", "recipientNumber": "+27725551234", "dateToSend": "", "dataField": ""}
        )


class SmsSendUrlParametersApi(SmsView):
    @extend_schema(
        methods=["GET"],
        operation_id="rest_v1_sms_send_url_parameters",
        tags=TAGS,
        summary="Send with URL parameters",
        description="`recipientNumber` and `message` are required; all other parameters are optional.",
        parameters=[SendInput],
        responses={200: SENT, **error_responses(*SEND_ERRORS)},
    )
    @extend_schema(
        methods=["POST"],
        operation_id="rest_v1_sms_send_url_parameters_post",
        tags=TAGS,
        summary="Send with URL (or form) parameters",
        description="The same as the GET: the parameters in the query string or in the body.",
        parameters=[SendInput],
        request=SendInput,
        responses={200: SENT, **error_responses(*SEND_ERRORS)},
    )
    def get(self, request):
        data = SendInput(data=self.params)
        data.is_valid(raise_exception=True)
        return Response(send_one(request.user, data.validated_data))

    post = get


class SmsSendUrlTokenApi(SmsView):
    """Authenticated by the URL-sending token in the path only (not the REST API token)."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(
        methods=["GET"],
        operation_id="rest_v1_sms_send_url_token",
        tags=TAGS,
        summary="Send with your URL-sending token",
        description="No email or REST API token: the URL-sending token of your developer settings, in the path, "
        "authenticates. `recipientNumber` and `message` are required.",
        parameters=[SendInput],
        responses={200: SENT, **error_responses(*SEND_ERRORS, auth=False)},
    )
    @extend_schema(
        methods=["POST"],
        operation_id="rest_v1_sms_send_url_token_post",
        tags=TAGS,
        summary="Send with your URL-sending token (POST)",
        description="The same as the GET: the parameters in the query string or in the body.",
        parameters=[SendInput],
        request=SendInput,
        responses={200: SENT, **error_responses(*SEND_ERRORS, auth=False)},
    )
    def get(self, request, token):
        key = api_key_authenticate(secret=token, kind=KeyKind.URL)
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid URL-sending token.")
        data = SendInput(data=self.params)
        data.is_valid(raise_exception=True)
        return Response(send_one(key.user, data.validated_data))

    post = get


class SmsSendBulkApi(SmsView):
    @extend_schema(
        operation_id="rest_v1_sms_send_bulk",
        tags=TAGS,
        summary="Send many messages at once",
        description="Each request gets its own answer, in the same order: a bad number or an empty message "
        "fails only that one.",
        request=BulkInput,
        responses={
            200: OpenApiResponse(
                BulkOutput,
                examples=[
                    OpenApiExample(
                        "One sent, two refused",
                        value={
                            "sendSmsResponses": [
                                {"messageId": "64adfdc8-cb99-49bb-9241-a5438b3b563e", "error": None},
                                {"messageId": None, "error": "Invalid mobile number"},
                                {"messageId": None, "error": "Message cannot be empty"},
                            ]
                        },
                    )
                ],
            ),
            **error_responses(
                bad_request("Not enough credits", "Insufficient credits: this costs 6.", field="message")
            ),
        },
        examples=[
            OpenApiExample(
                "Request",
                request_only=True,
                value={"sendSmsRequests": [SEND_EXAMPLE], "defaultDateToSend": "", "messagesPerMinute": 0},
            )
        ],
    )
    def post(self, request):
        options = BulkOptions(data=self.params)
        options.is_valid(raise_exception=True)
        body, team = options.validated_data, request.user.team
        requests = validated_items(SendInput, self.params.get("sendSmsRequests"), field="sendSmsRequests")
        default_time = parse_send_time(body["defaultDateToSend"], time_zone=team.time_zone, field="defaultDateToSend")
        items, errors = [], {}
        for index, item in enumerate(requests):
            if not item["message"].strip():
                errors[index] = "Message cannot be empty"
                continue
            items.append(
                (
                    index,
                    Recipient(
                        item["recipientNumber"],
                        text=item["message"],
                        campaign=item["campaign"] or None,
                        data_field=item["dataField"],
                        scheduled_at=parse_send_time(item["dateToSend"], time_zone=team.time_zone, field="dateToSend"),
                    ),
                )
            )
        results: dict[int, dict] = {i: {"messageId": None, "error": e} for i, e in errors.items()}
        if items:
            result = message_send(
                actor=request.user,
                recipients=[r for _, r in items],
                scheduled_at=default_time,
                messages_per_minute=body.get("messagesPerMinute") or None,
                source=SOURCE,
            )
            rejected = {r.index: r for r in result.rejected}
            accepted = iter(result.messages)
            for position, (index, _) in enumerate(items):
                if position in rejected:
                    rejection = rejected[position]
                    invalid = rejection.code.is_number
                    results[index] = {
                        "messageId": None,
                        "error": "Invalid mobile number" if invalid else rejection.reason,
                    }
                else:
                    results[index] = {"messageId": str(next(accepted).uuid), "error": None}
        return Response({"sendSmsResponses": [results[i] for i in range(len(requests))]})

    @extend_schema(
        operation_id="rest_v1_sms_send_bulk_example",
        tags=TAGS,
        summary="An example of the data to POST",
        responses={200: BulkInput, **error_responses()},
    )
    def get(self, request):
        example = {
            "message": "Hello",
            "campaign": "",
            "recipientNumber": "+27725551234",
            "dateToSend": "",
            "dataField": "",
        }
        return Response({"sendSmsRequests": [example], "defaultDateToSend": "", "messagesPerMinute": 0})


def _header_credentials(environ: dict):
    """REST v1's `email` and `token` headers, when both are there (EmailTokenAuthentication reads
    them first)."""
    email, token = environ.get("HTTP_EMAIL", ""), environ.get("HTTP_TOKEN", "")
    return email_token_user(email, token) if email and token else None


# The plain single send, answered by the express lane (api/express.py) with these same rules.
EXPRESS = Route(
    path="api/rest/v1/sms/send",
    view=SmsSendApi,
    fields=SendInput,
    credentials=_header_credentials,
    answer=send_one,
    render=lambda error, exc: error_answer(error, number=getattr(exc, "number", None)),
)
