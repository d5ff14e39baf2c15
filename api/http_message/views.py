"""HTTP API message (seed 002): `POST /api/message` with `_login`/`_password`; repeated
`destination_number` with `body`, `source_name`, `source_number`, `require_dlr`, `stealth_ping`
and `request_id` paired by position. JSON:API answers: `data` (an object for one number, an array
for several) or `errors`, never both.

Where the seed is silent: a pair whose value is missing takes the first one given (one `body` for
many numbers); a number that cannot be sent gets `"status": "error"` in its own entry and is not
charged; a request that cannot be read at all (credentials, no number, no credits) gets `errors`."""

from django.db import transaction
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response

from accounts.authentication import LoginPasswordAuthentication
from api.base import DialectView
from api.errors import ApiError
from messaging.services import Recipient, message_send

TAGS = ["HTTP API message (seed 002)"]
TITLES = {
    401: ("authentication", "Authentication error", "Please check your login and password"),
    429: ("rate_limited", "Too many requests", None),
}


def _truthy(value: str) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


class MessageApi(DialectView):
    authentication_classes = [LoginPasswordAuthentication]
    error_fields = {"recipients": "destination_number", "credits": "body", "sender": "source_name"}

    def render_error(self, error: ApiError) -> Response:
        code, title, detail = TITLES.get(error.status, (error.code, "Request error", None))
        if error.fields:
            errors = [
                {"code": code, "title": title, "detail": message, "source": {"parameter": field}}
                for field, messages in error.fields.items()
                for message in messages
            ]
        else:
            errors = [{"code": code, "title": title, "detail": detail or error.message}]
        return Response({"errors": errors}, status=error.status)

    def _lists(self) -> dict[str, list[str]]:
        request = self.request
        merged: dict[str, list[str]] = {}
        for source in (request.query_params, request.data):
            if hasattr(source, "getlist"):
                for name in source:
                    merged.setdefault(name, []).extend(source.getlist(name))
            elif isinstance(source, dict):
                for name, value in source.items():
                    merged.setdefault(name, []).extend(value if isinstance(value, list) else [value])
        return merged

    @extend_schema(
        tags=TAGS,
        request=None,
        summary="Send messages to one or more numbers",
        examples=[
            OpenApiExample(
                "One recipient",
                response_only=True,
                value={
                    "data": {
                        "attributes": {"destination_number": "12123388100", "segments": 1, "status": "ok"},
                        "id": "…",
                        "meta": {"request_id": "1"},
                        "type": "message",
                    }
                },
            )
        ],
    )
    def post(self, request):
        lists = self._lists()
        numbers = [str(n).strip() for n in lists.get("destination_number", [])]
        if not numbers or not all(numbers):
            return self.render_error(ApiError(422, "destination_number", "destination_number is required"))

        def nth(name: str, index: int, default: str = "") -> str:
            values = lists.get(name) or [default]
            return str(values[index] if index < len(values) else values[0])

        entries, recipients = [], []
        for i, number in enumerate(numbers):
            sender = nth("source_name", i) or nth("source_number", i)
            entries.append(
                {"number": number, "request_id": nth("request_id", i, None) if "request_id" in lists else None}
            )
            recipients.append(
                (Recipient(number, text=nth("body", i), client_ref=entries[-1]["request_id"] or ""), sender, i)
            )
        # One send per distinct (sender, dlr, silent) group keeps every rule in message_send.
        groups: dict[tuple, list] = {}
        for recipient, sender, i in recipients:
            key = (sender, _truthy(nth("require_dlr", i, "0")), _truthy(nth("stealth_ping", i, "0")))
            groups.setdefault(key, []).append((i, recipient))
        outcome: dict[int, tuple[str, int, str]] = {}
        with transaction.atomic():  # all groups or none (e.g. when the credits run out)
            self._send_groups(request.user, groups, outcome)
        data = []
        for i, entry in enumerate(entries):
            message_id, segments, status = outcome[i]
            item = {
                "attributes": {"destination_number": entry["number"], "segments": segments, "status": status},
                "id": message_id,
                "type": "message",
            }
            if entry["request_id"] is not None:
                item["meta"] = {"request_id": entry["request_id"]}
            data.append(item)
        return Response({"data": data[0] if len(data) == 1 else data})

    @staticmethod
    def _send_groups(user, groups: dict, outcome: dict) -> None:
        for (sender, dlr, silent), members in groups.items():
            result = message_send(
                actor=user,
                recipients=[r for _, r in members],
                sender=sender,
                request_dlr=dlr or silent,
                silent=silent,
                source="http_message",
            )
            rejected = {r.index for r in result.rejected}
            accepted = iter(result.messages)
            for position, (i, _) in enumerate(members):
                if position in rejected:
                    outcome[i] = ("", 0, "error")
                else:
                    m = next(accepted)
                    outcome[i] = (str(m.uuid), m.segments, "ok")
