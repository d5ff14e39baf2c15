"""`POST /api` (send) and `POST /api/personal` (fill `%var%` variables) of seed 000.

Choices where the seed is silent (also in the API docs): `conversion` defaults to 1, as documented;
`receiver` may hold several numbers separated by commas (one batch); `sender` falls back to the
team's default sender; the Personal API only fills the text (it sends and charges nothing)."""

import uuid

from django.core.validators import URLValidator
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response

from messaging.personalise import fill_variables
from messaging.schedule import parse_send_time
from messaging.services import Recipient, message_send

from .base import INVALID, TAGS, InvalidOutput, MessengerView, error_responses, invalid, required

QUEUED = "Your message was succesfully added to the queue"  # documented spelling, kept
LOW_BALANCE = "Balance low, please contact us!"


@extend_schema_serializer(component_name="MessengerSendRequest")
class SendInput(serializers.Serializer):
    smstext = serializers.CharField(
        trim_whitespace=False,
        error_messages=required("smstext"),
        help_text="The text. GSM 03.38: 160 characters in one SMS, 153 a part; otherwise 70 and 67.",
    )
    receiver = serializers.CharField(
        max_length=2000,
        error_messages=required("receiver"),
        help_text="The number with its country code (`37255555555`); several numbers separated by commas.",
    )
    sender = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="Numeric (`+` and up to 15 digits, can be replied to) or alphanumeric (up to 11 characters).",
    )
    conversion = serializers.ChoiceField(
        choices=[0, 1, 2],
        required=False,
        default=1,
        error_messages={"invalid_choice": "The selected conversion is invalid."},
        help_text="0: as is; 1: typographic characters to their GSM equivalents; "
        "2: everything to GSM 7-bit, dropping what cannot be converted.",
    )
    deliverytime = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="When to send, `YYYY-MM-DD HH:MM:SS` in your team's time zone.",
    )
    dlruri = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Delivery-report URL, called with GET; `%smsid%`, `%dlr%`, `%receiver%` and `%time%` are "
        "filled in (`%dlr%`: 1 delivered, 2 undelivered, 4 queued at the operator, 8 sent, 16 rejected).",
    )
    dlrid = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Your id for the delivery reports (with `dlruri` only); a UUID is made when it is missing.",
    )

    def validate_dlruri(self, value: str) -> str:
        if value:
            try:
                # The %placeholders% are not valid in a URL: check the shape with them filled in.
                URLValidator(schemes=["http", "https"])(value.replace("%", "x"))
            except Exception:
                raise serializers.ValidationError("The dlruri format is invalid.") from None
        return value


@extend_schema_serializer(component_name="MessengerSendResponse")
class SuccessOutput(serializers.Serializer):
    status = serializers.CharField(help_text='"Success"')
    message = serializers.CharField(help_text='"Success" (the seed shows both keys)')
    description = serializers.CharField()
    dlr_id = serializers.CharField(required=False, help_text="With `dlruri` only: `dlrid`, or a UUID.")
    warning = serializers.CharField(required=False, help_text="When the balance is low.")


@extend_schema_serializer(component_name="MessengerNumberError")
class NumberErrorOutput(serializers.Serializer):
    message = serializers.CharField(help_text='"Problem with validating numbers"')
    error = serializers.CharField(help_text='"Invalid number"')


SEND_ERROR = PolymorphicProxySerializer(
    component_name="MessengerSendError",
    serializers=[InvalidOutput, NumberErrorOutput],
    resource_type_field_name=None,
)
SUCCESS = {"status": "Success", "message": "Success", "description": QUEUED}

SEND_RESPONSES = {
    200: OpenApiResponse(
        SuccessOutput,
        description="Queued.",
        examples=[
            OpenApiExample("Success without dlruri", value=SUCCESS),
            OpenApiExample("Success with dlruri", value={**SUCCESS, "dlr_id": "6d775630-54b0-4da2-b0b2-8f22f2d91e56"}),
            OpenApiExample("Success with dlrid 158", value={**SUCCESS, "dlr_id": "158"}),
            OpenApiExample(
                "Success with a warning message",
                value={**SUCCESS, "warning": "Balance low, please contact us!"},
            ),
        ],
    ),
    **error_responses(
        invalid("The dlruri was not in a correct URL format", "dlruri", "The dlruri format is invalid."),
        OpenApiExample(
            "The receiver number was invalid",
            value={"message": "Problem with validating numbers", "error": "Invalid number"},
        ),
        invalid("No smstext", "smstext", "The smstext field is required."),
        invalid("Not enough credits", "smstext", "Insufficient credits: this costs 7."),
        invalid_as=SEND_ERROR,
    ),
}


class SendApi(MessengerView):
    error_fields = {"recipients": "receiver", "credits": "smstext", "text": "smstext", "scheduled_at": "deliverytime"}
    # GET sends (the seed's query-string example); HEAD, which Django would answer with GET, must not.
    http_method_names = ["get", "post", "options"]

    @extend_schema(
        operation_id="messenger_send_get",
        tags=TAGS,
        summary="Send an SMS with GET",
        description="The seed's query-string example, as its PHP code sends it: every parameter in the URL, "
        "`GET /api?api_token=YOUR_API_KEY&smstext=YOUR_MESSAGE&receiver=37255555555&sender=Bar`. "
        "The same parameters and answers as `POST /api`; `Idempotency-Key` applies to POST only.",
        parameters=[SendInput],
        request=None,
        responses=SEND_RESPONSES,
    )
    def get(self, request):
        return self.post(request)

    @extend_schema(
        operation_id="messenger_send",
        tags=TAGS,
        summary="Send an SMS",
        description="Parameters may also be given in the query string, as in "
        "`POST /api?api_token=YOUR_API_KEY&smstext=Foo&receiver=372555555555&sender=Bar`. "
        "One invalid number among several refuses the whole request.",
        request=SendInput,
        responses=SEND_RESPONSES,
        examples=[
            OpenApiExample(
                "Basic request",
                request_only=True,
                value={"smstext": "Message you want to send", "receiver": "37255555555", "sender": "Bar"},
            ),
            OpenApiExample(
                "All the parameters",
                request_only=True,
                value={
                    "smstext": "Message you want to send",
                    "receiver": "3725555555",
                    "sender": "Bar",
                    "conversion": 2,
                    "deliverytime": "2019-12-30 15:30:00",
                    "dlruri": "https://www.your-dlr-url.com?dlr=%dlr%&id=%smsid%",
                    "dlrid": "158",
                },
            ),
        ],
    )
    def post(self, request):
        data = SendInput(data=self.params)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        numbers = [n.strip() for n in body["receiver"].split(",") if n.strip()]
        dlr_id = body["dlrid"] or (str(uuid.uuid4()) if body["dlruri"] else "")
        result = message_send(
            actor=request.user,
            recipients=[Recipient(n, client_ref=dlr_id) for n in numbers],
            text=body["smstext"],
            sender=body["sender"],
            conversion=body["conversion"],
            scheduled_at=parse_send_time(
                body["deliverytime"], time_zone=request.user.team.time_zone, field="deliverytime"
            ),
            dlr_url=body["dlruri"],
            all_or_nothing=True,
            sender_required=True,  # the document requires it: the team's default sender, or a 422
            source="messenger",
        )
        if result.rejected:
            first = result.rejected[0]
            if first.code.is_number:
                return Response({"message": "Problem with validating numbers", "error": "Invalid number"}, status=422)
            return Response({"message": INVALID, "errors": {"smstext": [first.reason]}}, status=422)
        answer = {"status": "Success", "message": "Success", "description": QUEUED}
        if body["dlruri"]:
            answer["dlr_id"] = dlr_id
        if result.low_balance:
            answer["warning"] = LOW_BALANCE
        return Response(answer)


PERSONAL_REQUEST = {
    "type": "object",
    "properties": {
        "smstext": {"type": "string", "description": "The text, with variables marked `%var%`."},
        "id": {"type": "string", "description": "Returned as given; a UUID when missing."},
        "receiver": {"type": "string", "description": "Returned as given; null when missing."},
    },
    "required": ["smstext"],
    "additionalProperties": {"type": "string", "description": "The value of each `%name%` variable."},
}


@extend_schema_serializer(component_name="MessengerPersonalResponse")
class PersonalOutput(serializers.Serializer):
    message = serializers.CharField()
    id = serializers.CharField()
    original_text = serializers.CharField()
    formatted_text = serializers.CharField()
    receiver = serializers.CharField(allow_null=True)


class PersonalApi(MessengerView):
    @extend_schema(
        operation_id="messenger_personal",
        tags=TAGS,
        summary="Personal API: fill %var% variables of a text",
        description="Every parameter other than `api_token`, `smstext`, `id` and `receiver` is a variable. "
        "Nothing is sent or charged.",
        request={
            "application/json": PERSONAL_REQUEST,
            "application/x-www-form-urlencoded": PERSONAL_REQUEST,
            "multipart/form-data": PERSONAL_REQUEST,
        },
        responses={
            200: OpenApiResponse(
                PersonalOutput,
                examples=[
                    OpenApiExample(
                        "Success response",
                        value={
                            "message": "Success",
                            "id": "8f793eda-78c7-47f9-ad00-1b4fdc8e9ae6",
                            "original_text": "Foo %my_var% Bar %second_var%",
                            "formatted_text": "Foo variable Bar another variable",
                            "receiver": "37255555555555",
                        },
                    )
                ],
            ),
            **error_responses(invalid("No smstext was provided", "smstext", "The smstext field is required.")),
        },
        examples=[
            OpenApiExample(
                "Two variables",
                request_only=True,
                value={
                    "smstext": "Foo %my_var% Bar %second_var%",
                    "my_var": "variable",
                    "second_var": "another variable",
                    "receiver": "37255555555555",
                },
            )
        ],
    )
    def post(self, request):
        params = self.params
        # Every value is text in this API (form fields); a JSON list or object is not a value.
        wrong = sorted(k for k, v in params.items() if isinstance(v, (list, dict)))
        if wrong:
            return Response(
                {"message": INVALID, "errors": {k: [f"The {k} must be a string."] for k in wrong}}, status=422
            )
        text = params.get("smstext")
        if not text:
            return Response({"message": INVALID, "errors": {"smstext": ["The smstext field is required."]}}, status=422)
        reserved = {"api_token", "smstext", "id", "receiver"}
        variables = {k: "" if v is None else v for k, v in params.items() if k not in reserved}
        receiver = params.get("receiver")
        return Response(
            {
                "message": "Success",
                "id": str(params.get("id") or uuid.uuid4()),
                "original_text": str(text),
                "formatted_text": fill_variables(str(text), variables),
                "receiver": str(receiver) if receiver not in (None, "") else None,
            }
        )
