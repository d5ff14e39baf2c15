"""Blacklist API of seed 000. Dates are written as the seed's example shows them (`2021-31-12
10:47:14`, year-day-month) and numbers without the '+', as documented."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from contacts import selectors, services
from contacts.models import BlacklistSource

from .base import MessengerView, required

TAGS = ["Blacklist API (seed 000)"]
DATE_FORMAT = "%Y-%d-%m %H:%M:%S"


class CreateInput(serializers.Serializer):
    receiver = serializers.CharField(max_length=32, error_messages=required("receiver"))


class BlacklistApi(MessengerView):
    @extend_schema(tags=TAGS, summary="Your blacklist")
    def get(self, request):
        entries = selectors.blacklist_list(team=request.user.team).order_by("id")
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

    @extend_schema(tags=TAGS, request=CreateInput, summary="Add a number to your blacklist")
    def post(self, request):
        data = CreateInput(data=self.params)
        data.is_valid(raise_exception=True)
        entry = services.blacklist_add(
            team=request.user.team, number=data.validated_data["receiver"], source=BlacklistSource.API
        )
        number = entry.number.lstrip("+")
        return Response({"response": "Success", "message": f"Number ({number}) added to your blacklist"})


class BlacklistDeleteApi(MessengerView):
    @extend_schema(tags=TAGS, request=None, summary="Remove a number from your blacklist")
    def post(self, request, entry_id):
        entry = selectors.blacklist_get(team=request.user.team, entry_id=entry_id)
        services.blacklist_remove(entry=entry)
        return Response({"response": "Success", "message": f"Number with id {entry_id} removed from blacklist"})
