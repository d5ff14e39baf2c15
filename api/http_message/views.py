"""HTTP API message (seed 002): `POST /api/message` with `_login`/`_password`; repeated
`destination_number` with `body`, `source_name`, `source_number`, `require_dlr`, `stealth_ping`
and `request_id` paired by position. JSON:API answers: `data` (an object for one number, an array
for several) or `errors`, never both.

Where the seed is silent: a pair whose value is missing takes the first one given (one `body` for
many numbers); a number that cannot be sent gets `"status": "error"` in its own entry and is not
charged; a request that cannot be read at all (credentials, no number, no credits) gets `errors`.
`id` is mandatory in every item: a refused number's item gets a fresh UUID of its own, the form of
a message id but naming no message (it is never stored, so it reads as not found everywhere)."""

import uuid

from django.db import transaction
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response

from accounts.authentication import LoginPasswordAuthentication
from api.base import DialectView
from api.errors import ApiError
from messaging.services import Recipient, message_send

TITLES = {
    401: ("authentication", "Authentication error", "Please check your login and password"),
    429: ("rate_limited", "Too many requests", None),
}


def _truthy(value: str) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


# The documented shapes, for the schema.


def _repeated(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), required=False, help_text=help_text)


@extend_schema_serializer(component_name="HttpMessageRequest")
class MessageInput(serializers.Serializer):
    destination_number = serializers.ListField(
        child=serializers.CharField(), help_text="A number of a recipient; repeat it for several recipients."
    )
    body = _repeated("The text, paired with `destination_number` by position; one value serves them all.")
    source_name = _repeated("A name of the sender.")
    source_number = _repeated("A number of the sender (when there is no `source_name`).")
    require_dlr = _repeated("1 to require a delivery receipt.")
    stealth_ping = _repeated("Silent SMS: 1 sends an invisible message (type 0) and asks for its receipt.")
    request_id = _repeated("Yours; returned in `meta.request_id`.")


@extend_schema_serializer(component_name="HttpMessageAttributes")
class AttributesOutput(serializers.Serializer):
    destination_number = serializers.CharField()
    segments = serializers.IntegerField(help_text="0 when the message was not sent.")
    status = serializers.ChoiceField(
        choices=["ok", "error"], help_text="ok: sent and charged; error: not sent, not charged."
    )


@extend_schema_serializer(component_name="HttpMessageMeta")
class MetaOutput(serializers.Serializer):
    request_id = serializers.CharField()


@extend_schema_serializer(component_name="HttpMessage")
class DataOutput(serializers.Serializer):
    attributes = AttributesOutput()
    id = serializers.CharField(
        help_text="The message id; for a number not sent, an id of its own that names no message (never stored)."
    )
    meta = MetaOutput(required=False, help_text="When the request gave a `request_id`.")
    type = serializers.CharField(help_text='"message"')


@extend_schema_serializer(component_name="HttpMessageOne")
class OneOutput(serializers.Serializer):
    data = DataOutput(help_text="One number: one object.")  # type: ignore[assignment]  # a DRF field: see [tool.mypy]


@extend_schema_serializer(component_name="HttpMessageMany")
class ManyOutput(serializers.Serializer):
    data = DataOutput(many=True, help_text="Several numbers: one object each, in order.")  # type: ignore[assignment]  # a DRF field: see [tool.mypy]


@extend_schema_serializer(component_name="HttpMessageErrorSource")
class ErrorSourceOutput(serializers.Serializer):
    parameter = serializers.CharField()


@extend_schema_serializer(component_name="HttpMessageError")
class ErrorOutput(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField()
    source = ErrorSourceOutput(required=False, help_text="The parameter at fault, when there is one.")  # type: ignore[assignment]  # a DRF field: see [tool.mypy]


@extend_schema_serializer(component_name="HttpMessageErrors")
class ErrorsOutput(serializers.Serializer):
    errors = ErrorOutput(many=True)  # type: ignore[assignment]  # a DRF field: see [tool.mypy]


def _item(number: str, message_id: str, request_id: str) -> dict:
    return {
        "attributes": {"destination_number": number, "segments": 1, "status": "ok"},
        "id": message_id,
        "meta": {"request_id": request_id},
        "type": "message",
    }


def _errors(name: str, code: str, title: str, detail: str, parameter: str = "") -> OpenApiExample:
    error: dict[str, object] = {"code": code, "title": title, "detail": detail}
    if parameter:
        error["source"] = {"parameter": parameter}
    return OpenApiExample(name, value={"errors": [error]})


ONE_OR_MANY = PolymorphicProxySerializer(
    component_name="HttpMessageResponse", serializers=[OneOutput, ManyOutput], resource_type_field_name=None
)
TAGS = ["HTTP API message (seed 002)"]


class MessageApi(DialectView):
    authentication_classes = [LoginPasswordAuthentication]
    error_fields = {
        "recipients": "destination_number",
        "credits": "body",
        "text": "body",
        "sender": "source_name",
        "client_ref": "request_id",
    }

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

    def _lists(self) -> dict[str, list[object]]:
        """Every parameter as a list of its values. A JSON null is no value (not the text "None")."""
        request = self.request
        merged: dict[str, list[object]] = {}
        for source in (request.query_params, request.data):
            if hasattr(source, "getlist"):
                for name in source:
                    merged.setdefault(name, []).extend(source.getlist(name))
            elif isinstance(source, dict):
                for name, value in source.items():
                    values = value if isinstance(value, list) else [value]
                    merged.setdefault(name, []).extend(v for v in values if v is not None)
        return merged

    @extend_schema(
        operation_id="http_message_send",
        tags=TAGS,
        summary="Send messages to one or more numbers",
        description="The parameters may be given in the query string (as in the seed's examples: "
        "`POST /api/message?_login=LOGIN&_password=PASSWORD&destination_number=12123388100&body=test&require_dlr=1`), "
        "or in a form, multipart or JSON body. A number that cannot be sent gets its own `error` entry and is "
        "not charged; the request is one transaction. The answer holds `data` or `errors`, never both.",
        request=MessageInput,
        responses={
            200: OpenApiResponse(
                ONE_OR_MANY,
                description="`data` is an object for one number, an array for several.",
                examples=[
                    OpenApiExample(
                        "Send message to 1 recipient", value={"data": _item("12123388100", "1561370632513", "1")}
                    ),
                    OpenApiExample(
                        "Send message to 2 recipients",
                        value={
                            "data": [
                                _item("12123388100", "1561371433517", "1"),
                                _item("12123388101", "1561371433518", "2"),
                            ]
                        },
                    ),
                ],
            ),
            400: OpenApiResponse(
                ErrorsOutput,
                description="The body could not be read.",
                examples=[_errors("Unreadable body", "parse", "Request error", "The body must be a JSON object.")],
            ),
            401: OpenApiResponse(
                ErrorsOutput,
                description="Wrong or missing `_login` / `_password`.",
                examples=[
                    _errors(
                        "Error",
                        "authentication",
                        "Authentication error",
                        "Please check your login and password",
                    )
                ],
            ),
            402: OpenApiResponse(
                ErrorsOutput,
                description="Not enough credits: nothing was sent.",
                examples=[
                    _errors(
                        "Not enough credits",
                        "insufficient_credits",
                        "Request error",
                        "Insufficient credits: this costs 7.",
                        "body",
                    )
                ],
            ),
            422: OpenApiResponse(
                ErrorsOutput,
                description="No `destination_number`, or another parameter refused.",
                examples=[
                    _errors(
                        "No destination_number",
                        "destination_number",
                        "Request error",
                        "destination_number is required",
                    )
                ],
            ),
            429: OpenApiResponse(
                ErrorsOutput,
                description="Past the rate limit (or too many failed logins): wait `Retry-After` seconds.",
                examples=[
                    _errors(
                        "Rate limit",
                        "rate_limited",
                        "Too many requests",
                        "Request was throttled. Expected available in 41 seconds.",
                    )
                ],
            ),
        },
        examples=[
            OpenApiExample(
                "Two recipients",
                request_only=True,
                value={
                    "destination_number": ["12123388100", "12123388101"],
                    "body": ["test", "test1"],
                    "require_dlr": ["1", "1"],
                    "request_id": ["1", "2"],
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
            entries.append({"number": number, "request_id": nth("request_id", i) if lists.get("request_id") else None})
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
                    outcome[i] = (str(uuid.uuid4()), 0, "error")
                else:
                    m = next(accepted)
                    outcome[i] = (str(m.uuid), m.segments, "ok")
