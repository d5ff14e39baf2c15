"""2FA API of seed 000: `POST /api/2fa/send` and `POST /api/2fa/verify`, over otp.services.

Choices where the seed is silent (also in the API docs):
- `pin` and `pin_id` are read in upper case; shape errors use the API's Laravel wording
  (`The pin must be between 4 and 20 characters.`, `The pin id must be 20 characters.`).
- After the team's limit of failed tries (5 by default) a pin_id is dead:
  422 `{"pin_id": ["Too many wrong attempts: request a new PIN"]}`, even for the right PIN.
- Send caps (cooldown per receiver, PINs per receiver per window, PINs per team per hour) answer
  429 with `Retry-After` and `{"message": "The given data was invalid.", "errors": {"receiver": [...]}}`;
  a country outside the team's allow-list, a blacklisted receiver or a digits-only PIN shorter
  than 6 is a 422 on `receiver` / `pin_length`.
- `Idempotency-Key` is ignored here: a stored answer would hold a live PIN, and rolling a failed
  verification back would undo its count. A retried send meets the resend cooldown instead.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from accounts.authentication import bearer_key_user
from api.express import Route
from api.fields import IntegerField
from otp import conf
from otp.errors import PIN_LENGTH_RANGE
from otp.services import pin_issue, pin_verify

from .base import TAGS, MessengerView, ThrottledOutput, error_answer, error_responses, invalid, required

AUTHENTICATED = "User has been authenticated"
PIN_SHAPE = f"The pin must be between {conf.PIN_LENGTH_MIN} and {conf.PIN_LENGTH_MAX} characters."
PIN_ID_SHAPE = f"The pin id must be {conf.PIN_ID_LENGTH} characters."
# A pin_length past any database column is refused here with the words of the range pin_issue checks.
PIN_LENGTH_OUT = PIN_LENGTH_RANGE.format(low=conf.PIN_LENGTH_MIN, high=conf.PIN_LENGTH_MAX)


@extend_schema_serializer(component_name="MessengerTwoFactorSendRequest")
class TwoFactorSendInput(serializers.Serializer):
    receiver = serializers.CharField(
        max_length=32, error_messages={**required("receiver"), "max_length": "Invalid number"}
    )
    pin_length = IntegerField(
        required=False,
        default=conf.PIN_LENGTH_DEFAULT,
        help_text=f"{conf.PIN_LENGTH_MIN} to {conf.PIN_LENGTH_MAX}; at least {conf.DIGITS_ONLY_MIN_LENGTH} "
        "when the team's PINs are digits only.",
        error_messages={
            "invalid": "The pin length must be an integer.",
            "max_string_length": "The pin length must be an integer.",
            "max_value": PIN_LENGTH_OUT,
            "min_value": PIN_LENGTH_OUT,
        },
    )


@extend_schema_serializer(component_name="MessengerTwoFactorVerifyRequest")
class TwoFactorVerifyInput(serializers.Serializer):
    pin = serializers.CharField(
        min_length=conf.PIN_LENGTH_MIN,
        max_length=conf.PIN_LENGTH_MAX,
        error_messages={**required("pin"), "min_length": PIN_SHAPE, "max_length": PIN_SHAPE},
    )
    pin_id = serializers.CharField(
        min_length=conf.PIN_ID_LENGTH,
        max_length=conf.PIN_ID_LENGTH,
        error_messages={**required("pin id"), "min_length": PIN_ID_SHAPE, "max_length": PIN_ID_SHAPE},
    )


@extend_schema_serializer(component_name="MessengerTwoFactorSent")
class TwoFactorSent(serializers.Serializer):
    pin = serializers.CharField()
    pin_id = serializers.CharField()
    sms = serializers.CharField()


@extend_schema_serializer(component_name="MessengerTwoFactorSendResponse")
class TwoFactorSendOutput(serializers.Serializer):
    message = serializers.CharField()
    response = TwoFactorSent()


@extend_schema_serializer(component_name="MessengerTwoFactorVerified")
class TwoFactorVerified(serializers.Serializer):
    auth_status = serializers.CharField()
    pin = serializers.CharField()
    pin_id = serializers.CharField()


@extend_schema_serializer(component_name="MessengerTwoFactorVerifyResponse")
class TwoFactorVerifyOutput(serializers.Serializer):
    message = serializers.CharField()
    response = TwoFactorVerified()


class TwoFactorView(MessengerView):
    """No Idempotency-Key here: a stored answer would keep a live PIN for 24 hours, and a rolled-back
    verify would undo its attempt count. The caps answer 429 with Retry-After in the 422 shape."""

    idempotent = False
    error_fields = {"verified_at": "auth_status", "expires_at": "expire_time"}


class TwoFactorSendApi(TwoFactorView):
    @extend_schema(
        operation_id="messenger_2fa_send",
        tags=TAGS,
        summary="Send a 2FA code",
        description="Sends a PIN by SMS (charged like any message). Keep the pin_id private. "
        "The PIN expires 5 minutes after it is sent; a new PIN for the same receiver replaces the old one. "
        "`Idempotency-Key` is ignored here: a retried send meets the resend cooldown instead.",
        request=TwoFactorSendInput,
        responses={
            200: OpenApiResponse(
                TwoFactorSendOutput,
                examples=[
                    OpenApiExample(
                        "Success",
                        value={
                            "message": "Success",
                            "response": {"pin": "MP3KMJ", "pin_id": "BEN4KJIK62GNZDVFJCMG", "sms": "sent"},
                        },
                    )
                ],
            ),
            **error_responses(
                invalid("The receiver field was missing", "receiver", "The receiver field is required."),
                invalid("The receiver was an invalid phone number", "receiver", "Invalid number"),
                invalid("The pin_length was too long", "pin_length", "The pin length must be between 4 and 20."),
            ),
            429: OpenApiResponse(
                ThrottledOutput,
                description="Past the rate limit, or a send cap was reached; see Retry-After.",
                examples=[
                    OpenApiExample("Rate limit", value={"message": "Too Many Attempts."}),
                    invalid(
                        "Resend cooldown",
                        "receiver",
                        "A PIN was just sent to this receiver. Wait 30 seconds before requesting another.",
                    ),
                ],
            ),
        },
        examples=[OpenApiExample("Request", request_only=True, value={"receiver": "37255555555"})],
    )
    def post(self, request):
        params = {k: v for k, v in self.params.items() if not (k == "pin_length" and v in ("", None))}
        data = TwoFactorSendInput(data=params)
        data.is_valid(raise_exception=True)
        return Response(send_answer(request.user, data.validated_data))


class TwoFactorVerifyApi(TwoFactorView):
    @extend_schema(
        operation_id="messenger_2fa_verify",
        tags=TAGS,
        summary="Authenticate a 2FA code",
        description="The right PIN for a pin_id succeeds once, within 5 minutes of sending.",
        request=TwoFactorVerifyInput,
        responses={
            200: OpenApiResponse(
                TwoFactorVerifyOutput,
                examples=[
                    OpenApiExample(
                        "Success",
                        value={
                            "message": "Success",
                            "response": {
                                "auth_status": AUTHENTICATED,
                                "pin": "DXYMZO",
                                "pin_id": "XOK4426WH1HLOG1BOUJK",
                            },
                        },
                    )
                ],
            ),
            **error_responses(
                invalid(
                    "The pin has already been authenticated", "auth_status", "The PIN has already been authenticated"
                ),
                invalid("The pin provided is invalid", "pin", "PIN not found"),
                invalid("The pin and pin_id don't match", "pin_id", "PIN and PIN ID not matching"),
                invalid("The pin has expired (expires after 5 minutes)", "expire_time", "The PIN given has expired"),
                invalid("Too many wrong attempts", "pin_id", "Too many wrong attempts: request a new PIN"),
            ),
        },
        examples=[
            OpenApiExample("Request", request_only=True, value={"pin": "DXYMZO", "pin_id": "XOK4426WH1HLOG1BOUJK"})
        ],
    )
    def post(self, request):
        data = TwoFactorVerifyInput(data=self.params)
        data.is_valid(raise_exception=True)
        return Response(verify_answer(request.user, data.validated_data))


def send_answer(user, data: dict) -> dict:
    """Send a PIN from TwoFactorSendInput's validated `data`: the documented answer."""
    issued = pin_issue(team=user.team, actor=user, receiver=data["receiver"], pin_length=data["pin_length"])
    return {"message": "Success", "response": {"pin": issued.pin, "pin_id": issued.pin_id, "sms": "sent"}}


def verify_answer(user, data: dict) -> dict:
    """Verify a PIN from TwoFactorVerifyInput's validated `data`: the documented answer."""
    pin = pin_verify(team=user.team, actor=user, pin_id=data["pin_id"], pin=data["pin"])
    answer = {"auth_status": AUTHENTICATED, "pin": data["pin"].upper(), "pin_id": pin.pin_id}
    return {"message": "Success", "response": answer}


# The plain requests of both, answered by the express lane (api/express.py) with these same rules.
EXPRESS = [
    Route(
        path=path,
        view=view,
        fields=fields,
        credentials=bearer_key_user,
        answer=answer,
        render=error_answer,
        reserved=frozenset({"api_token"}),  # a key in the body comes first (ApiTokenParamAuthentication)
    )
    for path, view, fields, answer in (
        ("api/2fa/send", TwoFactorSendApi, TwoFactorSendInput, send_answer),
        ("api/2fa/verify", TwoFactorVerifyApi, TwoFactorVerifyInput, verify_answer),
    )
]
