"""SMS API (seed 004) key management and balance.

The seed leaves authentication of these endpoints open: `generate-key` takes either a live key or
the account's `username`/`password` (so a first key can be made); `revoke-key` and
`regenerate-key` act on the key that authenticates the request."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts import services
from accounts.authentication import PasswordParamAuthentication, XApiKeyAuthentication
from accounts.models import ApiKey

from .base import SmsApiView

TAGS = ["SMS API (seed 004)"]


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


class KeyOutput(serializers.Serializer):
    api_key = serializers.CharField()
    prefix = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)


class BalanceOutput(serializers.Serializer):
    balance = serializers.FloatField()
    email = serializers.EmailField()


def _issued(issued) -> dict:
    return {"api_key": issued.secret, "prefix": issued.key.prefix, "expires_at": issued.key.expires_at}


class BalanceApi(SmsApiView):
    @extend_schema(tags=TAGS, responses=BalanceOutput, summary="Credit balance of the key's user")
    def get(self, request):
        return Response({"balance": float(request.user.balance), "email": request.user.email})


class GenerateKeyApi(SmsApiView):
    authentication_classes = [XApiKeyAuthentication, PasswordParamAuthentication]

    @extend_schema(tags=TAGS, request=ExpiryInput, responses={201: KeyOutput}, summary="Create an API key")
    def post(self, request):
        data = ExpiryInput(data=self.params)
        data.is_valid(raise_exception=True)
        issued = services.api_key_create(
            user=request.user, name="generate-key", expiry_days=data.validated_data.get("expiry_days")
        )
        return Response(KeyOutput(_issued(issued)).data, status=201)


class RevokeKeyApi(SmsApiView):
    @extend_schema(tags=TAGS, request=None, responses={200: dict}, summary="Revoke the key used in this request")
    def post(self, request):
        key: ApiKey = request.auth
        services.api_key_revoke(key=key)
        return Response({"message": "API key revoked successfully.", "prefix": key.prefix})


class RegenerateKeyApi(SmsApiView):
    @extend_schema(tags=TAGS, request=ExpiryInput, responses=KeyOutput, summary="Replace the key used in this request")
    def post(self, request):
        data = ExpiryInput(data=self.params)
        data.is_valid(raise_exception=True)
        issued = services.api_key_regenerate(key=request.auth, expiry_days=data.validated_data.get("expiry_days"))
        return Response(KeyOutput(_issued(issued)).data)
