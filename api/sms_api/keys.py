"""SMS API (seed 004) key management and balance.

The seed leaves authentication of these endpoints open: `generate-key` takes either a live key or
the account's `username`/`password` (so a first key can be made); `revoke-key` and
`regenerate-key` act on the key that authenticates the request."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from accounts import services
from accounts.authentication import PasswordParamAuthentication, XApiKeyAuthentication
from accounts.models import ApiKey
from api.idempotency import withhold_from_replay

from .base import TAGS, UNREADABLE, SmsApiView, error_responses


@extend_schema_serializer(component_name="SmsApiKeyRequest")
class ExpiryInput(serializers.Serializer):
    expiry_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=365,
        error_messages={
            "min_value": "The expiry days must be at least 1.",
            "max_value": "The expiry days must not be greater than 365.",
            "invalid": "The expiry days must be an integer.",
        },
    )


@extend_schema_serializer(component_name="SmsApiKey")
class KeyOutput(serializers.Serializer):
    api_key = serializers.CharField(help_text="The secret: shown once, keep it safe.")
    prefix = serializers.CharField(help_text="How the key is named in the dashboard.")
    expires_at = serializers.DateTimeField(allow_null=True, help_text="Null: it does not expire.")


@extend_schema_serializer(component_name="SmsApiBalance")
class BalanceOutput(serializers.Serializer):
    balance = serializers.FloatField()
    email = serializers.EmailField()


@extend_schema_serializer(component_name="SmsApiKeyRevoked")
class RevokedOutput(serializers.Serializer):
    message = serializers.CharField()
    prefix = serializers.CharField()


KEY = {
    "api_key": "sk_Q7KjA4DJrkMws7cfJqQpFOh-S17ZzPm3XyLWaOI0OPQ",
    "prefix": "sk_Q7KjA4D",
    "expires_at": "2026-11-28T19:06:18.056459Z",
}
EXPIRY_ERRORS = (
    OpenApiExample(
        "Out of range",
        value={
            "error": "The expiry days must be at least 1.",
            "errors": {"expiry_days": ["The expiry days must be at least 1."]},
        },
    ),
)


def _issued(issued, *, status: int) -> Response:
    """The new key, shown once: a replay of the same Idempotency-Key gets a 409 naming its prefix."""
    body = {"api_key": issued.secret, "prefix": issued.key.prefix, "expires_at": issued.key.expires_at}
    done = (
        f"This request was already done: it made the key {issued.key.prefix}…, whose secret is shown only "
        "once. Revoke it on the dashboard if it was lost."
    )
    return withhold_from_replay(Response(KeyOutput(body).data, status=status), status=409, body={"error": done})


class BalanceApi(SmsApiView):
    @extend_schema(
        operation_id="sms_api_balance",
        tags=TAGS,
        summary="Credit balance of the key's user",
        responses={
            200: OpenApiResponse(
                BalanceOutput,
                examples=[OpenApiExample("Balance", value={"balance": 98.0, "email": "user@example.com"})],
            ),
            **error_responses(),
        },
    )
    def get(self, request):
        return Response({"balance": float(request.user.balance), "email": request.user.email})


class GenerateKeyApi(SmsApiView):
    authentication_classes = [XApiKeyAuthentication, PasswordParamAuthentication]

    @extend_schema(
        operation_id="sms_api_generate_key",
        tags=TAGS,
        summary="Create an API key",
        description="Authenticate with a live key, or with `username` and `password` (to make a first key). "
        "`expiry_days` from 1 to 365; none: the key does not expire. A key made with a key never expires after "
        "it, and is revoked with it.",
        request=ExpiryInput,
        responses={
            201: OpenApiResponse(KeyOutput, examples=[OpenApiExample("Created", value=KEY)]),
            **error_responses(*EXPIRY_ERRORS),
        },
        examples=[OpenApiExample("Request", request_only=True, value={"expiry_days": 3})],
    )
    def post(self, request):
        data = ExpiryInput(data=self.params)
        data.is_valid(raise_exception=True)
        issued = services.api_key_create(
            user=request.user,
            name="generate-key",
            expiry_days=data.validated_data.get("expiry_days"),
            parent=request.auth if isinstance(request.auth, ApiKey) else None,  # None: made with the password
        )
        return _issued(issued, status=201)


class RevokeKeyApi(SmsApiView):
    @extend_schema(
        operation_id="sms_api_revoke_key",
        tags=TAGS,
        request=None,
        summary="Revoke the key used in this request",
        responses={
            200: OpenApiResponse(
                RevokedOutput,
                examples=[
                    OpenApiExample(
                        "Revoked", value={"message": "API key revoked successfully.", "prefix": "sk_o3dpb3l"}
                    )
                ],
            ),
            **error_responses(UNREADABLE),
        },
    )
    def post(self, request):
        key: ApiKey = request.auth
        services.api_key_revoke(key=key)
        return Response({"message": "API key revoked successfully.", "prefix": key.prefix})


class RegenerateKeyApi(SmsApiView):
    @extend_schema(
        operation_id="sms_api_regenerate_key",
        tags=TAGS,
        summary="Replace the key used in this request",
        description="The key of the request stops working; the answer holds its replacement.",
        request=ExpiryInput,
        responses={
            200: OpenApiResponse(KeyOutput, examples=[OpenApiExample("Replaced", value=KEY)]),
            **error_responses(*EXPIRY_ERRORS),
        },
        examples=[OpenApiExample("Request", request_only=True, value={"expiry_days": 9})],
    )
    def post(self, request):
        data = ExpiryInput(data=self.params)
        data.is_valid(raise_exception=True)
        issued = services.api_key_regenerate(key=request.auth, expiry_days=data.validated_data.get("expiry_days"))
        return _issued(issued, status=200)
