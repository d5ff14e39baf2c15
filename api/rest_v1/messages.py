"""REST API v1 `messages/...` (history, analysis, read state, delete) and `account/statistics`."""

from datetime import datetime, timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.errors import ValidationFailed
from accounts.selectors import user_find
from messaging import selectors
from messaging.filters import MessageFilter
from messaging.models import Direction, Status
from messaging.pricing import quote
from messaging.services import message_delete, message_mark_read
from messaging.services.stats import statistics
from messaging.vocabulary import rest_v1_status

from .base import RestV1View

TAGS = ["REST API v1 (seed 001)"]
MAX_PAGE_SIZE = 1000
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

    @extend_schema(tags=TAGS, summary="Your team's messages, newest first")
    def get(self, request):
        q = request.query_params
        try:
            page = max(1, int(q.get("page", 1)))
            size = min(MAX_PAGE_SIZE, max(1, int(q.get("pageSize", 100))))
        except ValueError:
            raise ValidationFailed("page and pageSize must be whole numbers.", field="page") from None
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
            data=data, queryset=selectors.message_list(team=request.user.team, include_deleted=True)
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
    @extend_schema(tags=TAGS, summary="One message")
    def get(self, request, message_id):
        return Response(message_document(selectors.message_get(team=request.user.team, message_id=message_id)))

    @extend_schema(tags=TAGS, summary="Delete a message (cancelled and refunded if not sent yet)")
    def delete(self, request, message_id):
        message = selectors.message_get(team=request.user.team, message_id=message_id)
        message_delete(message=message, actor=request.user)
        return Response(status=204)


class MessageMarkApi(RestV1View):
    read = True

    @extend_schema(tags=TAGS, request=None, summary="Mark a message read or unread")
    def post(self, request, message_id):
        message = selectors.message_get(team=request.user.team, message_id=message_id)
        return Response(message_document(message_mark_read(message=message, read=self.read)))

    put = post


class AnalyseInput(serializers.Serializer):
    message = serializers.CharField(allow_blank=True, trim_whitespace=False)
    recipientNumber = serializers.CharField(max_length=32, allow_blank=True, required=False, default="")


class AnalyseApi(RestV1View):
    """`full` returns WebServiceAnalyseMessageResponse; the others return the one documented value."""

    error_fields = {"recipientNumber": "recipientNumber"}
    part = "full"

    @extend_schema(tags=TAGS, request=AnalyseInput, summary="Analyse a message: encoding, length, parts, cost")
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


class AccountStatisticsApi(RestV1View):
    """Dates `dd-MM-yyyy` (default: the last 30 days). Owners and admins see every user of the team
    (or one, by `userEmailAddress`); members see themselves."""

    @extend_schema(tags=TAGS, summary="Statistics report")
    def get(self, request):
        q, team = request.query_params, request.user.team
        today = timezone.localdate()
        start = self._date(q.get("from"), "from") or today - timedelta(days=29)
        end = self._date(q.get("to"), "to") or today
        by_credits = q.get("calculateCreditValue", "").lower() == "true"
        users = [request.user]
        if request.user.is_team_manager:
            users = (
                [user_find(team=team, email=q["userEmailAddress"])]
                if q.get("userEmailAddress")
                else list(team.users.order_by("id"))
            )
        grand, report = _empty(), []
        for user in users:
            total, campaigns = _empty(), {}
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
