"""Blacklist API of seed 000. Dates are written as the seed's example shows them (`2021-31-12
10:47:14`, year-day-month) and numbers without the '+', as documented."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from messaging.models import BlacklistSource
from messaging.selectors import blacklist_get, blacklist_list
from messaging.services.blacklist import blacklist_add, blacklist_remove

from .base import TAGS, UNREADABLE, MessengerView, error_responses, invalid, required

DATE_FORMAT = "%Y-%d-%m %H:%M:%S"
NOT_FOUND = "Blacklist entry not found."


@extend_schema_serializer(component_name="MessengerBlacklistCreateRequest")
class CreateInput(serializers.Serializer):
    receiver = serializers.CharField(max_length=32, error_messages=required("receiver"))


@extend_schema_serializer(component_name="MessengerBlacklistEntry")
class EntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    receiver = serializers.CharField(help_text="Without the `+`.")
    created_at = serializers.CharField(help_text="`Y-d-m H:i:s` in your team's time zone, as the seed shows it.")
    source = serializers.ChoiceField(choices=BlacklistSource.choices)  # type: ignore[assignment]  # a DRF field: see [tool.mypy]


@extend_schema_serializer(component_name="MessengerBlacklist")
class ListOutput(serializers.Serializer):
    response = serializers.CharField()
    message = serializers.CharField()
    data = EntryOutput(many=True)  # type: ignore[assignment]  # a DRF field: see [tool.mypy]


@extend_schema_serializer(component_name="MessengerBlacklistChange")
class ChangeOutput(serializers.Serializer):
    response = serializers.CharField()
    message = serializers.CharField()


class BlacklistApi(MessengerView):
    @extend_schema(
        operation_id="messenger_blacklist",
        tags=TAGS,
        summary="Your blacklist",
        description="Numbers you keep apart; sending to a blacklisted number is refused and not charged.",
        responses={
            200: OpenApiResponse(
                ListOutput,
                examples=[
                    OpenApiExample(
                        "Response",
                        value={
                            "response": "Success",
                            "message": "Blacklist",
                            "data": [
                                {
                                    "id": 2222,
                                    "receiver": "37256666666",
                                    "created_at": "2021-31-12 10:47:14",
                                    "source": "api",
                                },
                                {
                                    "id": 3333,
                                    "receiver": "37255555555",
                                    "created_at": "2021-31-12 10:55:28",
                                    "source": "api",
                                },
                            ],
                        },
                    )
                ],
            ),
            **error_responses(),
        },
    )
    def get(self, request):
        entries = blacklist_list(team=request.user.team).order_by("id")
        data = [
            {
                "id": e.pk,
                "receiver": e.number.lstrip("+"),
                "created_at": timezone.localtime(e.created_at).strftime(DATE_FORMAT),
                "source": e.source,
            }
            for e in entries
        ]
        return Response({"response": "Success", "message": "Blacklist", "data": data})


class BlacklistCreateApi(MessengerView):
    error_fields = {"number": "receiver"}

    @extend_schema(
        operation_id="messenger_blacklist_create",
        tags=TAGS,
        summary="Add a number to your blacklist",
        request=CreateInput,
        responses={
            200: OpenApiResponse(
                ChangeOutput,
                examples=[
                    OpenApiExample(
                        "Response",
                        value={"response": "Success", "message": "Number (37255555555) added to your blacklist"},
                    )
                ],
            ),
            **error_responses(invalid("No receiver", "receiver", "The receiver field is required.")),
        },
        examples=[OpenApiExample("Request", request_only=True, value={"receiver": "3725555555"})],
    )
    def post(self, request):
        data = CreateInput(data=self.params)
        data.is_valid(raise_exception=True)
        entry = blacklist_add(
            team=request.user.team, number=data.validated_data["receiver"], source=BlacklistSource.API
        )
        number = entry.number.lstrip("+")
        return Response({"response": "Success", "message": f"Number ({number}) added to your blacklist"})


class BlacklistDeleteApi(MessengerView):
    @extend_schema(
        operation_id="messenger_blacklist_delete",
        tags=TAGS,
        request=None,
        summary="Remove a number from your blacklist",
        description="`entry_id` is the `id` of the entry in your blacklist.",
        responses={
            200: OpenApiResponse(
                ChangeOutput,
                examples=[
                    OpenApiExample(
                        "Response",
                        value={"response": "Success", "message": "Number with id 2222 removed from blacklist"},
                    )
                ],
            ),
            **error_responses(UNREADABLE, not_found=NOT_FOUND),
        },
    )
    def post(self, request, entry_id):
        entry = blacklist_get(team=request.user.team, entry_id=entry_id)
        blacklist_remove(entry=entry)
        return Response({"response": "Success", "message": f"Number with id {entry_id} removed from blacklist"})
