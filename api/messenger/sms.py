"""`POST /api` (send) and `POST /api/personal` (fill `%var%` variables) of seed 000.

Choices where the seed is silent (also in the API docs): `conversion` defaults to 1, as documented;
`receiver` may hold several numbers separated by commas (one batch); `sender` falls back to the
team's default sender; the Personal API only fills the text (it sends and charges nothing)."""

import uuid

from django.core.validators import URLValidator
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from messaging.personalise import fill_variables
from messaging.schedule import parse_send_time
from messaging.services import Recipient, message_send

from .base import INVALID, MessengerView, required

TAGS = ["SMS API V2 (seed 000)"]
QUEUED = "Your message was succesfully added to the queue"  # documented spelling, kept
LOW_BALANCE = "Balance low, please contact us!"


class SendInput(serializers.Serializer):
    smstext = serializers.CharField(trim_whitespace=False, error_messages=required("smstext"))
    receiver = serializers.CharField(max_length=2000, error_messages=required("receiver"))
    sender = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    conversion = serializers.ChoiceField(
        choices=[0, 1, 2],
        required=False,
        default=1,
        error_messages={"invalid_choice": "The selected conversion is invalid."},
    )
    deliverytime = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    dlruri = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    dlrid = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def validate_dlruri(self, value: str) -> str:
        if value:
            try:
                # The %placeholders% are not valid in a URL: check the shape with them filled in.
                URLValidator(schemes=["http", "https"])(value.replace("%", "x"))
            except Exception:
                raise serializers.ValidationError("The dlruri format is invalid.") from None
        return value


class SuccessOutput(serializers.Serializer):
    status = serializers.CharField()
    message = serializers.CharField()
    description = serializers.CharField()
    dlr_id = serializers.CharField(required=False)
    warning = serializers.CharField(required=False)


class SendApi(MessengerView):
    error_fields = {"recipients": "receiver", "credits": "smstext", "scheduled_at": "deliverytime"}

    @extend_schema(
        tags=TAGS,
        request=SendInput,
        responses=SuccessOutput,
        summary="Send an SMS",
        examples=[
            OpenApiExample(
                "Success with dlruri",
                response_only=True,
                value={"status": "Success", "message": "Success", "description": QUEUED, "dlr_id": "158"},
            )
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
            source="messenger",
        )
        if result.rejected:
            first = result.rejected[0]
            if first.reason == "Invalid number":
                return Response({"message": "Problem with validating numbers", "error": "Invalid number"}, status=422)
            return Response({"message": INVALID, "errors": {"smstext": [first.reason]}}, status=422)
        answer = {"status": "Success", "message": "Success", "description": QUEUED}
        if body["dlruri"]:
            answer["dlr_id"] = dlr_id
        if result.low_balance:
            answer["warning"] = LOW_BALANCE
        return Response(answer)


class PersonalApi(MessengerView):
    @extend_schema(tags=TAGS, summary="Fill %var% variables of a text")
    def post(self, request):
        params = self.params
        text = params.get("smstext")
        if not text:
            return Response({"message": INVALID, "errors": {"smstext": ["The smstext field is required."]}}, status=422)
        reserved = {"api_token", "smstext", "id", "receiver"}
        variables = {k: v for k, v in params.items() if k not in reserved}
        return Response(
            {
                "message": "Success",
                "id": str(params.get("id") or uuid.uuid4()),
                "original_text": text,
                "formatted_text": fill_variables(str(text), variables),
                "receiver": params.get("receiver") or None,
            }
        )
