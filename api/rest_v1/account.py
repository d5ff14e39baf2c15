"""REST API v1 `account/...`: balance, transfer and sub-accounts."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts import selectors, services

from .base import RestV1View

TAGS = ["REST API v1 (seed 001)"]


class UserOutput(serializers.Serializer):
    userId = serializers.IntegerField(source="pk")
    firstName = serializers.CharField(source="first_name")
    lastName = serializers.CharField(source="last_name")
    emailAddress = serializers.EmailField(source="email")
    contactNumber = serializers.CharField(source="contact_number")
    company = serializers.CharField()
    creditBalance = serializers.FloatField(source="balance")


class UserInput(serializers.Serializer):
    """The documented WebServiceUser body; `userId` and an output-only `creditBalance` on update are ignored."""

    password = serializers.CharField(required=False, allow_blank=True, max_length=128, trim_whitespace=False)
    creditBalance = serializers.DecimalField(max_digits=16, decimal_places=4, required=False, allow_null=True)
    emailAddress = serializers.CharField(required=False, allow_blank=True, max_length=254)
    firstName = serializers.CharField(required=False, allow_blank=True, max_length=150)
    lastName = serializers.CharField(required=False, allow_blank=True, max_length=150)
    contactNumber = serializers.CharField(required=False, allow_blank=True, max_length=32)
    company = serializers.CharField(required=False, allow_blank=True, max_length=200)
    userId = serializers.IntegerField(required=False, allow_null=True)


USER_FIELDS = {
    "email": "emailAddress",
    "first_name": "firstName",
    "last_name": "lastName",
    "contact_number": "contactNumber",
    "credit_balance": "creditBalance",
}


class BalanceOutput(serializers.Serializer):
    creditBalance = serializers.FloatField()


class AccountBalanceApi(RestV1View):
    @extend_schema(tags=TAGS, responses=BalanceOutput, summary="Your credit balance")
    def get(self, request):
        return Response({"creditBalance": float(request.user.balance)})


class TransferInput(serializers.Serializer):
    transferFromEmailAddress = serializers.CharField(max_length=254)
    transferToEmailAddress = serializers.CharField(max_length=254)
    numberOfCreditsToTransfer = serializers.DecimalField(max_digits=16, decimal_places=4)


class AccountTransferApi(RestV1View):
    error_fields = {
        "from_email": "transferFromEmailAddress",
        "to_email": "transferToEmailAddress",
        "amount": "numberOfCreditsToTransfer",
    }

    @extend_schema(tags=TAGS, request=TransferInput, responses=UserOutput, summary="Transfer credits in your team")
    def post(self, request):
        data = TransferInput(data=self.params)
        data.is_valid(raise_exception=True)
        transfer = services.credit_transfer(
            actor=request.user,
            from_email=data.validated_data["transferFromEmailAddress"],
            to_email=data.validated_data["transferToEmailAddress"],
            amount=data.validated_data["numberOfCreditsToTransfer"],
        )
        return Response(UserOutput(selectors.user_get(team=request.user.team, user_id=transfer.source.user_id)).data)


class AccountUserApi(RestV1View):
    error_fields = USER_FIELDS

    @extend_schema(tags=TAGS, responses=UserOutput(many=True), summary="Find a user of your team by email")
    def get(self, request):
        email = request.query_params.get("searchEmail", "")
        users = selectors.user_list(team=request.user.team).filter(email__iexact=email.strip())
        return Response({"webServiceUserList": UserOutput(users, many=True).data})

    @extend_schema(tags=TAGS, request=UserInput, responses=UserOutput, summary="Create a sub-account")
    def put(self, request):
        data = UserInput(data=self.params)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        user = services.user_create(
            actor=request.user,
            email=body.get("emailAddress", ""),
            password=body.get("password", ""),
            first_name=body.get("firstName", ""),
            last_name=body.get("lastName", ""),
            contact_number=body.get("contactNumber", ""),
            company=body.get("company", ""),
            credit_balance=body.get("creditBalance") or 0,
        )
        return Response(UserOutput(user).data)


class AccountUserDetailApi(RestV1View):
    error_fields = USER_FIELDS

    @extend_schema(tags=TAGS, responses=UserOutput, summary="A user of your team")
    def get(self, request, user_id):
        return Response(UserOutput(selectors.user_get(team=request.user.team, user_id=user_id)).data)

    @extend_schema(tags=TAGS, request=UserInput, responses=UserOutput, summary="Update a sub-account")
    def post(self, request, user_id):
        user = selectors.user_get(team=request.user.team, user_id=user_id)
        data = UserInput(data=self.params)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        user = services.user_update(
            actor=request.user,
            user=user,
            first_name=body.get("firstName") or None,
            last_name=body.get("lastName") or None,
            contact_number=body.get("contactNumber") or None,
            company=body.get("company"),
            password=body.get("password") or None,
        )
        return Response(UserOutput(user).data)
