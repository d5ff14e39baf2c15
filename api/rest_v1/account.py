"""REST API v1 `account/...`: balance, transfer and sub-accounts."""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response

from accounts import selectors, services
from accounts.permissions import REFUSALS, Action
from api.fields import IntegerField
from core.errors import ValidationFailed

from .base import TAGS, RestV1View, bad_request, error_responses


@extend_schema_serializer(component_name="WebServiceUser")
class UserOutput(serializers.Serializer):
    userId = serializers.IntegerField(source="pk")
    firstName = serializers.CharField(source="first_name")
    lastName = serializers.CharField(source="last_name")
    emailAddress = serializers.EmailField(source="email")
    contactNumber = serializers.CharField(source="contact_number")
    company = serializers.CharField()
    creditBalance = serializers.FloatField(source="balance")


@extend_schema_serializer(component_name="WebServiceUserRequest")
class UserInput(serializers.Serializer):
    """The documented WebServiceUser body; `userId` and an output-only `creditBalance` on update are ignored."""

    password = serializers.CharField(required=False, allow_blank=True, max_length=128, trim_whitespace=False)
    creditBalance = serializers.DecimalField(max_digits=16, decimal_places=4, required=False, allow_null=True)
    emailAddress = serializers.CharField(required=False, allow_blank=True, max_length=254)
    firstName = serializers.CharField(required=False, allow_blank=True, max_length=150)
    lastName = serializers.CharField(required=False, allow_blank=True, max_length=150)
    contactNumber = serializers.CharField(required=False, allow_blank=True, max_length=32)
    company = serializers.CharField(required=False, allow_blank=True, max_length=200)
    userId = IntegerField(required=False, allow_null=True)


@extend_schema_serializer(component_name="WebServiceUsers")
class UsersOutput(serializers.Serializer):
    webServiceUserList = UserOutput(many=True)


USER_FIELDS = {
    "email": "emailAddress",
    "first_name": "firstName",
    "last_name": "lastName",
    "contact_number": "contactNumber",
    "credit_balance": "creditBalance",
}
USER_NOT_FOUND = ("user_id", "User not found.")
MANAGERS_ONLY = REFUSALS[Action.USER_CREATE]
SEARCH_EMAIL_PARAMS = {"searchEmail": "preferred", "emailAddress": "as in the user body", "email": "short form"}
SEARCH_EMAIL_REQUIRED = "Give the email address to look for in searchEmail (or emailAddress, or email)."
USER_EXAMPLE = {
    "userId": 12,
    "firstName": "Ada",
    "lastName": "Lovelace",
    "emailAddress": "ada@example.com",
    "contactNumber": "+27725551234",
    "company": "Acme",
    "creditBalance": 150.0,
}


@extend_schema_serializer(component_name="WebServiceBalance")
class BalanceOutput(serializers.Serializer):
    creditBalance = serializers.FloatField()


class AccountBalanceApi(RestV1View):
    @extend_schema(
        operation_id="rest_v1_account_balance",
        tags=TAGS,
        responses={
            200: OpenApiResponse(BalanceOutput, examples=[OpenApiExample("Balance", value={"creditBalance": 150.0})]),
            **error_responses(),
        },
        summary="Your credit balance",
    )
    def get(self, request):
        return Response({"creditBalance": float(request.user.balance)})


@extend_schema_serializer(component_name="WebServiceTransferRequest")
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

    @extend_schema(
        operation_id="rest_v1_account_transfer",
        tags=TAGS,
        summary="Transfer credits in your team",
        description="Members may give their own credits; admins anyone's but an owner's; owners anyone's. "
        "Answers with the giving user.",
        request=TransferInput,
        responses={
            200: OpenApiResponse(UserOutput, description="The giving user, after the transfer."),
            **error_responses(
                bad_request(
                    "Same user",
                    "Cannot transfer credits to the same user.",
                    field="transferToEmailAddress",
                ),
                not_found=("transferToEmailAddress", "No user with that email address in your team."),
                forbidden=REFUSALS[Action.CREDIT_TRANSFER],
            ),
        },
        examples=[
            OpenApiExample(
                "Request",
                request_only=True,
                value={
                    "transferFromEmailAddress": "ada@example.com",
                    "transferToEmailAddress": "grace@example.com",
                    "numberOfCreditsToTransfer": 10,
                },
            )
        ],
    )
    def post(self, request):
        data = TransferInput(data=self.params)
        data.is_valid(raise_exception=True)
        transfer = services.credit_transfer(
            actor=request.user,
            from_email=data.validated_data["transferFromEmailAddress"],
            to_email=data.validated_data["transferToEmailAddress"],
            amount=data.validated_data["numberOfCreditsToTransfer"],
        )
        source = selectors.user_get(team=request.user.team, actor=request.user, user_id=transfer.source.user_id)
        return Response(UserOutput(source).data)


class AccountUserApi(RestV1View):
    error_fields = USER_FIELDS

    @extend_schema(
        operation_id="rest_v1_account_user_find",
        tags=TAGS,
        summary="Find a user of your team by email",
        description="The address is read from `searchEmail`, `emailAddress` or `email` (the first given; "
        "`email` only when the credentials are not in the URL, where `email` is the caller's own). Members "
        "find only themselves.",
        parameters=[
            OpenApiParameter(name, str, description=f"The email address to look for ({note}).")
            for name, note in SEARCH_EMAIL_PARAMS.items()
        ],
        responses={
            200: OpenApiResponse(
                UsersOutput,
                description="The matching users (none or one).",
                examples=[OpenApiExample("Found", value={"webServiceUserList": [USER_EXAMPLE]})],
            ),
            **error_responses(bad_request("No email", SEARCH_EMAIL_REQUIRED, field="searchEmail")),
        },
    )
    def get(self, request):
        query = request.query_params
        # With credentials in the URL, `email` is the caller's own address, not the one searched for.
        names = [n for n in SEARCH_EMAIL_PARAMS if not (n == "email" and "token" in query)]
        email = next((query[n].strip() for n in names if query.get(n, "").strip()), "")
        if not email:
            raise ValidationFailed(SEARCH_EMAIL_REQUIRED, field="searchEmail")
        users = selectors.user_list(team=request.user.team, actor=request.user).filter(email__iexact=email)
        return Response({"webServiceUserList": UserOutput(users, many=True).data})

    @extend_schema(
        operation_id="rest_v1_account_user_create",
        tags=TAGS,
        summary="Create a sub-account",
        description="First name, last name, email address, contact number and password are required.",
        request=UserInput,
        responses={
            200: OpenApiResponse(UserOutput, examples=[OpenApiExample("Created", value=USER_EXAMPLE)]),
            **error_responses(
                bad_request("Email taken", "The email has already been taken.", field="emailAddress"),
                forbidden=MANAGERS_ONLY,
            ),
        },
        examples=[
            OpenApiExample(
                "Request",
                request_only=True,
                value={
                    "password": "a long secret",
                    "creditBalance": 0,
                    "emailAddress": "ada@example.com",
                    "firstName": "Ada",
                    "lastName": "Lovelace",
                    "contactNumber": "+27725551234",
                    "company": "Acme",
                },
            )
        ],
    )
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

    @extend_schema(
        operation_id="rest_v1_account_user_get",
        tags=TAGS,
        responses={
            200: OpenApiResponse(UserOutput, examples=[OpenApiExample("User", value=USER_EXAMPLE)]),
            **error_responses(not_found=USER_NOT_FOUND),
        },
        summary="A user of your team",
    )
    def get(self, request, user_id):
        return Response(
            UserOutput(selectors.user_get(team=request.user.team, actor=request.user, user_id=user_id)).data
        )

    @extend_schema(
        operation_id="rest_v1_account_user_update",
        tags=TAGS,
        summary="Update a sub-account",
        description="First name, last name, contact number and password can be changed; empty fields are "
        "left as they are, and the other fields of the body (`emailAddress`, `creditBalance`, `userId`, "
        "`company`) are ignored. Members may update only themselves; admins anyone but an owner.",
        request=UserInput,
        responses={
            200: UserOutput,
            **error_responses(not_found=USER_NOT_FOUND, forbidden=REFUSALS[Action.USER_MANAGE]),
        },
        examples=[OpenApiExample("Request", request_only=True, value={"firstName": "Ada", "company": "Acme"})],
    )
    def post(self, request, user_id):
        user = selectors.user_get(team=request.user.team, actor=request.user, user_id=user_id)
        data = UserInput(data=self.params)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        # The document lets first name, last name, contact number and password change; the body's
        # other fields (emailAddress, creditBalance, userId, company) are read-only here and ignored.
        user = services.user_update(
            actor=request.user,
            user=user,
            first_name=body.get("firstName") or None,
            last_name=body.get("lastName") or None,
            contact_number=body.get("contactNumber") or None,
            password=body.get("password") or None,
        )
        return Response(UserOutput(user).data)
