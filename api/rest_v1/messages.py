"""REST API v1 `messages/...` (history, analysis, read state, delete) and `account/statistics`."""

from datetime import datetime, timedelta
from typing import cast

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response

from accounts.permissions import REFUSALS, Action
from api.schema import DialectSchema
from core.errors import ValidationFailed
from messaging import selectors
from messaging.filters import MessageFilter
from messaging.models import Direction, Status
from messaging.pricing import quote
from messaging.services import message_delete, message_mark_read
from messaging.services.stats import statistics, statistics_users
from messaging.vocabulary import REST_V1, rest_v1_status

from .base import BAD_PAGING, PAGING, TAGS, RestV1View, bad_request, error_responses, page_and_size

TYPES = {"OUTBOUND": Direction.OUT, "INBOUND": Direction.IN}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def message_document(m) -> dict:
    """WebServiceMessage."""
    return {
        "messageId": str(m.uuid),
        "messageType": "INBOUND" if m.direction == Direction.IN else "OUTBOUND",
        "fromNumber": m.sender,
        "toNumber": m.recipient,
        "message": m.text,
        "messageStatus": rest_v1_status(m.status),
        "campaign": m.campaign,
        "userDataField": m.data_field,
        "creditCost": float(m.price),
        "numberOfMessages": m.segments,
        "dateTimeScheduled": _iso(m.scheduled_at),
        "dateTimeSent": _iso(m.sent_at),
        "dateTimeReceived": _iso(m.created_at) if m.direction == Direction.IN else None,
        "read": m.is_read,
        "deleted": m.is_deleted,
        "repliedToMessage": {"messageId": str(m.reply_to.uuid)} if m.reply_to_id else None,
        "contact": None,
    }


# The documented shapes, for the schema.

STATUS_WORDS = sorted({*REST_V1.values(), "FAILED", "FAILED_REFUNDED"})
MESSAGE_NOT_FOUND = ("message_id", "Message not found.")


@extend_schema_serializer(component_name="WebServiceMessageReference")
class MessageReference(serializers.Serializer):
    messageId = serializers.CharField()


@extend_schema_serializer(component_name="WebServiceMessage")
class MessageOutput(serializers.Serializer):
    messageId = serializers.UUIDField()
    messageType = serializers.ChoiceField(choices=["OUTBOUND", "INBOUND"])
    fromNumber = serializers.CharField()
    toNumber = serializers.CharField()
    message = serializers.CharField()
    messageStatus = serializers.ChoiceField(choices=STATUS_WORDS)
    campaign = serializers.CharField()
    userDataField = serializers.CharField()
    creditCost = serializers.FloatField()
    numberOfMessages = serializers.IntegerField()
    dateTimeScheduled = serializers.DateTimeField(allow_null=True)
    dateTimeSent = serializers.DateTimeField(allow_null=True)
    dateTimeReceived = serializers.DateTimeField(allow_null=True, help_text="Inbound messages only.")
    read = serializers.BooleanField()
    deleted = serializers.BooleanField()
    repliedToMessage = MessageReference(allow_null=True, help_text="The message a reply answers.")
    contact = serializers.JSONField(allow_null=True, help_text="Always null.")


@extend_schema_serializer(component_name="WebServiceMessages")
class MessagesPage(serializers.Serializer):
    page = serializers.IntegerField()
    pageSize = serializers.IntegerField()
    elements = serializers.IntegerField()
    totalElements = serializers.IntegerField()
    totalPages = serializers.IntegerField()
    webServiceMessages = MessageOutput(many=True)


MESSAGE_EXAMPLE = {
    "messageId": "64adfdc8-cb99-49bb-9241-a5438b3b563e",
    "messageType": "OUTBOUND",
    "fromNumber": "",
    "toNumber": "+27725551234",
    "message": "Hello",
    "messageStatus": "DELIVERED",
    "campaign": "shoe campaign",
    "userDataField": "custom",
    "creditCost": 1.0,
    "numberOfMessages": 1,
    "dateTimeScheduled": None,
    "dateTimeSent": "2014-04-28T20:55:03+00:00",
    "dateTimeReceived": None,
    "read": False,
    "deleted": False,
    "repliedToMessage": None,
    "contact": None,
}
MESSAGE = OpenApiResponse(MessageOutput, examples=[OpenApiExample("Message", value=MESSAGE_EXAMPLE)])


def _query(name: str, description: str, kind=str, **kwargs) -> OpenApiParameter:
    return OpenApiParameter(name, kind, description=description, **kwargs)


MESSAGE_FILTERS = [
    _query("type", "OUTBOUND or INBOUND.", enum=["OUTBOUND", "INBOUND"]),
    _query("status", "A status word, such as DELIVERED.", enum=STATUS_WORDS),
    _query("toNumber", "Part of the recipient's number."),
    _query("fromNumber", "Part of the sender's number."),
    _query("message", "Part of the text (any case)."),
    _query("campaign", "The campaign."),
    _query("dataField", "Your data field."),
    _query("read", "Read (true) or unread (false) messages.", bool),
    _query("deleted", "Deleted messages (true) or the others (false, the default).", bool),
    _query("repliesToMessageId", "Replies to this message id.", OpenApiTypes.UUID),
    _query("fromDateTimeSent", "Sent on or after this day, `yyyyMMdd`."),
    _query("toDateTimeSent", "Sent on or before this day, `yyyyMMdd`."),
    _query("fromDateTimeReceived", "Received on or after this day, `yyyyMMdd`."),
    _query("toDateTimeReceived", "Received on or before this day, `yyyyMMdd`."),
]


def _statuses(word: str) -> list[str]:
    """Our statuses behind one of this API's status words."""
    return [s for s in Status.values if rest_v1_status(s) == word.upper()]


def _yyyymmdd(value: str, field: str) -> str:
    try:
        return datetime.strptime(value, "%Y%m%d").date().isoformat()
    except ValueError:
        raise ValidationFailed(f"The {field} must be a date as yyyyMMdd.", field=field) from None


class MessagesAllApi(RestV1View):
    """Paginated (`page` from 1, `pageSize` up to 1000); filters as documented."""

    @extend_schema(
        operation_id="rest_v1_messages_all",
        tags=TAGS,
        summary="Your team's messages, newest first (paginated)",
        description="The filters combine. Deleted messages are left out unless `deleted=true`.",
        parameters=[*PAGING, *MESSAGE_FILTERS],
        responses={
            200: OpenApiResponse(
                MessagesPage,
                examples=[
                    OpenApiExample(
                        "One page",
                        value={
                            "page": 1,
                            "pageSize": 100,
                            "elements": 1,
                            "totalElements": 1,
                            "totalPages": 1,
                            "webServiceMessages": [MESSAGE_EXAMPLE],
                        },
                    )
                ],
            ),
            **error_responses(
                BAD_PAGING,
                bad_request("Bad date", "The fromDateTimeSent must be a date as yyyyMMdd.", field="fromDateTimeSent"),
            ),
        },
    )
    def get(self, request):
        q = request.query_params
        page, size = page_and_size(q)
        data = {
            "direction": TYPES.get(q.get("type", "").upper(), ""),
            "recipient": q.get("toNumber", ""),
            "sender": q.get("fromNumber", ""),
            "text": q.get("message", ""),
            "campaign": q.get("campaign", ""),
            "data_field": q.get("dataField", ""),
            "is_read": q.get("read", ""),
            "is_deleted": q.get("deleted", ""),
            "reply_to": q.get("repliesToMessageId", ""),
        }
        for param, name in (
            ("fromDateTimeSent", "sent_after"),
            ("toDateTimeSent", "sent_before"),
            ("fromDateTimeReceived", "created_after"),
            ("toDateTimeReceived", "created_before"),
        ):
            if q.get(param):
                data[name] = _yyyymmdd(q[param], param)
        if q.get("status"):
            data["status"] = _statuses(q["status"]) or ["-"]
        filterset = MessageFilter(
            data=data, queryset=selectors.message_list(team=request.user.team, actor=request.user, include_deleted=True)
        )
        if not filterset.is_valid():
            raise ValidationFailed("Invalid filter.", field=next(iter(filterset.errors)))
        messages = filterset.qs.select_related("reply_to").order_by("-id")
        total = messages.count()
        rows = messages[(page - 1) * size : page * size]
        return Response(
            {
                "page": page,
                "pageSize": size,
                "elements": len(rows),
                "totalElements": total,
                "totalPages": (total + size - 1) // size,
                "webServiceMessages": [message_document(m) for m in rows],
            }
        )


class MessageDetailApi(RestV1View):
    @extend_schema(
        operation_id="rest_v1_messages_get",
        tags=TAGS,
        summary="One message",
        responses={200: MESSAGE, **error_responses(not_found=MESSAGE_NOT_FOUND)},
    )
    def get(self, request, message_id):
        return Response(
            message_document(selectors.message_get(team=request.user.team, actor=request.user, message_id=message_id))
        )

    @extend_schema(
        operation_id="rest_v1_messages_delete",
        tags=TAGS,
        summary="Delete a message (cancelled and refunded if not sent yet)",
        description="The message is hidden from lists (`deleted=true` shows it).",
        responses={204: OpenApiResponse(description="Deleted."), **error_responses(not_found=MESSAGE_NOT_FOUND)},
    )
    def delete(self, request, message_id):
        message = selectors.message_get(team=request.user.team, actor=request.user, message_id=message_id)
        message_delete(message=message, actor=request.user)
        return Response(status=204)


class MessageMarkApi(RestV1View):
    read = True

    @extend_schema(
        tags=TAGS,
        request=None,
        summary="Mark a message read (markRead) or unread (markUnread)",
        description="PUT and POST do the same. Answers with the message.",
        responses={200: MESSAGE, **error_responses(not_found=MESSAGE_NOT_FOUND)},
    )
    def post(self, request, message_id):
        message = selectors.message_get(team=request.user.team, actor=request.user, message_id=message_id)
        return Response(message_document(message_mark_read(message=message, actor=request.user, read=self.read)))

    put = post


@extend_schema_serializer(component_name="WebServiceAnalyseMessageRequest")
class AnalyseInput(serializers.Serializer):
    message = serializers.CharField(allow_blank=True, trim_whitespace=False)
    recipientNumber = serializers.CharField(max_length=32, allow_blank=True, required=False, default="")


@extend_schema_serializer(component_name="WebServiceAnalyseMessageResponse")
class AnalyseOutput(serializers.Serializer):
    messageEncoding = serializers.ChoiceField(choices=["GSM7", "UNICODE"])
    messageLength = serializers.IntegerField()
    numberOfMessages = serializers.IntegerField()
    messageLengthWithinMaximumAllowed = serializers.BooleanField()
    messageCreditCost = serializers.FloatField()
    characterAnalysis = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Each character outside GSM 03.38, as `[character, "UNICODE"]`.',
    )


ENCODING = {"type": "string", "enum": ["GSM7", "UNICODE"]}
ANALYSED = {"message": "Hello ✓", "recipientNumber": "+27725551234"}
FULL_ANALYSIS = {
    "messageEncoding": "UNICODE",
    "messageLength": 7,
    "numberOfMessages": 1,
    "messageLengthWithinMaximumAllowed": True,
    "messageCreditCost": 1.0,
    "characterAnalysis": [["✓", "UNICODE"]],
}
ANALYSE = {  # part: (operationId, summary, the documented answer, its value for ANALYSED)
    "full": ("rest_v1_messages_analyse_full", "Full analysis of a message", AnalyseOutput, FULL_ANALYSIS),
    "message-credit-cost": (
        "rest_v1_messages_analyse_credit_cost",
        "Credits needed to send the message to the number",
        OpenApiTypes.DOUBLE,
        1.0,
    ),
    "message-encoding": ("rest_v1_messages_analyse_encoding", "The encoding the message needs", ENCODING, "UNICODE"),
    "message-length": ("rest_v1_messages_analyse_length", "The number of characters", OpenApiTypes.INT, 7),
    "message-length-within-max-allowed": (
        "rest_v1_messages_analyse_length_within_max_allowed",
        "Whether the length is within the maximum allowed for its encoding",
        OpenApiTypes.BOOL,
        True,
    ),
    "number-of-messages": (
        "rest_v1_messages_analyse_number_of_messages",
        "The number of SMS parts it would be sent as",
        OpenApiTypes.INT,
        1,
    ),
}


class AnalyseSchema(DialectSchema):
    """One view behind six paths (`part`): each documents its own answer."""

    @property
    def _part(self) -> str:
        return cast("AnalyseApi", self.view).part

    def get_operation_id(self):
        return ANALYSE[self._part][0]

    def get_summary(self):
        return ANALYSE[self._part][1]

    def get_response_serializers(self):
        _, _, answer, value = ANALYSE[self._part]
        ok = OpenApiResponse(answer, examples=[OpenApiExample(ANALYSED["message"], value=value)])
        return {200: ok, **error_responses(bad_request("No message", "This field is required.", field="message"))}


class AnalyseApi(RestV1View):
    """`full` returns WebServiceAnalyseMessageResponse; the others return the one documented value."""

    error_fields = {"recipientNumber": "recipientNumber"}
    part = "full"
    schema = AnalyseSchema()

    @extend_schema(
        tags=TAGS,
        request=AnalyseInput,
        description="Nothing is sent or charged. The cost depends on the number's country when it is given.",
        examples=[OpenApiExample("Request", request_only=True, value=ANALYSED)],
    )
    def post(self, request):
        data = AnalyseInput(data=self.params)
        data.is_valid(raise_exception=True)
        q = quote(
            team=request.user.team,
            text=data.validated_data["message"],
            recipient=data.validated_data["recipientNumber"],
        )
        a = q.analysis
        full = {
            "messageEncoding": "GSM7" if a.encoding == "GSM7" else "UNICODE",
            "messageLength": a.characters,
            "numberOfMessages": a.segments,
            "messageLengthWithinMaximumAllowed": not a.too_long,
            "messageCreditCost": float(q.credits),
            "characterAnalysis": [[ch, "UNICODE"] for ch in a.unicode_chars],
        }
        key = {
            "message-credit-cost": "messageCreditCost",
            "message-encoding": "messageEncoding",
            "message-length": "messageLength",
            "message-length-within-max-allowed": "messageLengthWithinMaximumAllowed",
            "number-of-messages": "numberOfMessages",
        }.get(self.part)
        return Response(full[key] if key else full)


@extend_schema_serializer(component_name="WebServiceStatistics")
class StatisticsFigures(serializers.Serializer):
    sent = serializers.FloatField()
    delivered = serializers.FloatField()
    failed = serializers.FloatField()
    failedRefunded = serializers.FloatField()
    failedOptout = serializers.FloatField()
    total = serializers.FloatField()


@extend_schema_serializer(component_name="WebServiceStatisticsUser")
class StatisticsUser(serializers.Serializer):
    userId = serializers.IntegerField()
    emailAddress = serializers.EmailField()
    firstName = serializers.CharField()
    lastName = serializers.CharField()


@extend_schema_serializer(component_name="WebServiceCampaignStatistics")
class CampaignStatistics(serializers.Serializer):
    campaign = serializers.CharField()
    statistics = StatisticsFigures()


@extend_schema_serializer(component_name="WebServiceUserStatistics")
class UserStatistics(serializers.Serializer):
    user = StatisticsUser()
    total = StatisticsFigures()
    campaigns = CampaignStatistics(many=True)


@extend_schema_serializer(component_name="WebServiceStatisticsReport")
class StatisticsOutput(serializers.Serializer):
    from_ = serializers.DateField(help_text="The first day.")
    to = serializers.DateField()
    showingCreditValue = serializers.BooleanField()
    grandTotal = StatisticsFigures()
    users = UserStatistics(many=True)

    def get_fields(self):
        fields = super().get_fields()
        return {"from": fields.pop("from_"), **fields}


FIGURES = {"sent": 3, "delivered": 40, "failed": 1, "failedRefunded": 2, "failedOptout": 0, "total": 46}
STATISTICS_EXAMPLE = {
    "from": "2026-10-27",
    "to": "2026-11-25",
    "showingCreditValue": False,
    "grandTotal": FIGURES,
    "users": [
        {
            "user": {"userId": 12, "emailAddress": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"},
            "total": FIGURES,
            "campaigns": [{"campaign": "shoe campaign", "statistics": FIGURES}],
        }
    ],
}


class AccountStatisticsApi(RestV1View):
    """Dates `dd-MM-yyyy` (default: the last 30 days). Owners and admins see every user of the team
    (or one, by `userEmailAddress`); members see themselves."""

    @extend_schema(
        operation_id="rest_v1_account_statistics",
        tags=TAGS,
        summary="Statistics report",
        description="Counts messages by default; `calculateCreditValue=true` sums their credits instead. "
        "Scheduled and cancelled messages are left out. Owners and admins see every user of the team (or the "
        "one of `userEmailAddress`); members see themselves.",
        parameters=[
            _query("from", "First day, `dd-MM-yyyy` (default: 29 days before `to`)."),
            _query("to", "Last day, `dd-MM-yyyy` (default: today)."),
            _query("userEmailAddress", "Owners and admins: one user of the team (default: all of them)."),
            _query("campaign", "Only this campaign."),
            _query("calculateCreditValue", "Sum credits instead of counting messages.", bool),
        ],
        responses={
            200: OpenApiResponse(StatisticsOutput, examples=[OpenApiExample("One user", value=STATISTICS_EXAMPLE)]),
            **error_responses(
                bad_request("Bad date", "The from date must be dd-MM-yyyy.", field="from"),
                not_found=("email", "User not found."),
                forbidden=REFUSALS[Action.STATISTICS_READ],
            ),
        },
    )
    def get(self, request):
        q, team = request.query_params, request.user.team
        today = timezone.localdate()
        start = self._date(q.get("from"), "from") or today - timedelta(days=29)
        end = self._date(q.get("to"), "to") or today
        by_credits = q.get("calculateCreditValue", "").lower() == "true"
        users = statistics_users(actor=request.user, email=q.get("userEmailAddress", ""))
        grand, report = _empty(), []
        for user in users:
            total = _empty()
            campaigns: dict[str, dict] = {}
            rows = statistics(
                team=team,
                start=start,
                end=end,
                user=user,
                campaign=q.get("campaign") or None,
                by=("campaign", "status"),
            )
            for row in rows:
                value = float(row["credits"]) if by_credits else row["count"]
                for bucket in (total, grand, campaigns.setdefault(row["campaign"], _empty())):
                    _add(bucket, row["status"], value)
            report.append(
                {
                    "user": {
                        "userId": user.pk,
                        "emailAddress": user.email,
                        "firstName": user.first_name,
                        "lastName": user.last_name,
                    },
                    "total": total,
                    "campaigns": [{"campaign": name, "statistics": stats} for name, stats in sorted(campaigns.items())],
                }
            )
        body = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "showingCreditValue": by_credits,
            "grandTotal": grand,
            "users": report,
        }
        return Response(body)

    @staticmethod
    def _date(value, field):
        if not value:
            return None
        try:
            return datetime.strptime(value, "%d-%m-%Y").date()
        except ValueError:
            raise ValidationFailed(f"The {field} date must be dd-MM-yyyy.", field=field) from None


STAT_KEYS = {
    "DELIVERED": "delivered",
    "SENT": "sent",
    "FAILED": "failed",
    "FAILED_REFUNDED": "failedRefunded",
    "FAILED_OPTOUT": "failedOptout",
}


def _empty() -> dict:
    return {"sent": 0, "delivered": 0, "failed": 0, "failedRefunded": 0, "failedOptout": 0, "total": 0}


def _add(bucket: dict, status: str, value) -> None:
    """Scheduled and cancelled messages are not in the report; everything else counts in the total."""
    key = STAT_KEYS.get(rest_v1_status(status))
    if key:
        bucket[key] += value
        bucket["total"] += value
