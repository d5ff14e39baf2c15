"""REST API v1 (seed 001): email + token auth; errors as the API's RestErrorDTO."""

from http import HTTPStatus

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from accounts.authentication import EmailTokenAuthentication
from api.base import DialectView
from api.errors import ApiError
from core.errors import ValidationFailed

TAGS = ["REST API v1 (seed 001)"]


class RestV1View(DialectView):
    authentication_classes = [EmailTokenAuthentication]

    def handle_exception(self, exc):
        # A few errors have documented numeric codes (sms/send: 2 invalid number, 3 empty message).
        self._error_number = getattr(exc, "number", None)
        return super().handle_exception(exc)

    def render_error(self, error: ApiError) -> Response:
        status, body = error_answer(error, number=getattr(self, "_error_number", None))
        return Response(body, status=status)


def error_answer(error: ApiError, *, number: int | None = None) -> tuple[int, dict]:
    """The status and RestErrorDTO body of an error; `number` is its documented code, if it has one."""
    # This API answers bad input with 400 Bad Request, whatever the rule that refused it.
    status = 400 if error.status in (402, 422) else error.status
    body = error_body(status, error.message, code=number)
    if error.fields:
        body["errors"] = error.fields
    return status, body


# The documented error shape and paging, for the schema.


@extend_schema_serializer(component_name="RestErrorDTO")
class ErrorOutput(serializers.Serializer):
    code = serializers.IntegerField(
        help_text="The HTTP status, or a documented code: 2 invalid mobile number, 3 message cannot be empty."
    )
    status = serializers.CharField(help_text="The HTTP status name, such as BAD_REQUEST.")
    message = serializers.CharField()
    developerMessage = serializers.CharField()
    moreInfoUrl = serializers.CharField(allow_null=True)
    errors = serializers.DictField(  # type: ignore[assignment]  # a DRF field: see [tool.mypy]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="The messages of each field at fault, when there are some.",
    )


def error_body(status: int, message: str, *, code: int | None = None, field: str = "") -> dict:
    body = {
        "code": code or status,
        "status": HTTPStatus(status).name,
        "message": message,
        "developerMessage": message,
        "moreInfoUrl": None,
    }
    if field:
        body["errors"] = {field: [message]}
    return body


def bad_request(name: str, message: str, *, field: str = "", code: int | None = None) -> OpenApiExample:
    return OpenApiExample(name, value=error_body(400, message, code=code, field=field))


UNREADABLE = bad_request("Unreadable body", "The body must be a JSON object.")


def error_responses(
    *examples: OpenApiExample, not_found: tuple[str, str] | None = None, forbidden: str = "", auth: bool = True
) -> dict:
    """401, 429; 400 with these examples when there are some (an endpoint that reads no input has none);
    404 (field, message) when the path names an object; 403 with this message for managers' actions.
    `auth=False`: the URL-sending token's 401."""
    responses = {
        401: OpenApiResponse(
            ErrorOutput,
            description="No credentials, or wrong ones.",
            examples=[
                OpenApiExample(
                    "No credentials", value=error_body(401, "Authentication credentials were not provided.")
                ),
                OpenApiExample("Wrong token", value=error_body(401, "Invalid, expired or revoked API key.")),
            ]
            if auth
            else [OpenApiExample("Wrong URL-sending token", value=error_body(401, "Invalid URL-sending token."))],
        ),
        429: OpenApiResponse(
            ErrorOutput,
            description="Past the rate limit: wait `Retry-After` seconds.",
            examples=[
                OpenApiExample(
                    "Rate limit", value=error_body(429, "Request was throttled. Expected available in 41 seconds.")
                )
            ],
        ),
    }
    if examples:
        responses[400] = OpenApiResponse(
            ErrorOutput,
            description="Invalid input, or a rule refused the request (for example not enough credits).",
            examples=list(examples),
        )
    if forbidden:
        responses[403] = OpenApiResponse(
            ErrorOutput,
            description="Only owners and admins may do this.",
            examples=[OpenApiExample("Forbidden", value=error_body(403, forbidden))],
        )
    if not_found:
        field, message = not_found
        responses[404] = OpenApiResponse(
            ErrorOutput,
            description="Not found, or not your team's.",
            examples=[OpenApiExample("Not found", value=error_body(404, message, field=field))],
        )
    return responses


BAD_PAGING = bad_request("Bad paging", "page and pageSize must be whole numbers.", field="page")
PAGING = [
    OpenApiParameter("page", int, description="The page, from 1.", default=1),
    OpenApiParameter("pageSize", int, description="Items a page, at most 1000.", default=100),
]


MAX_PAGE_SIZE = 1000
MAX_PAGE = 1_000_000


def page_and_size(query, *, default_size: int = 100) -> tuple[int, int]:
    """`page` (from 1) and `pageSize` (1..1000) of the paginated lists; absurd pages are refused."""
    try:
        page = max(1, int(query.get("page", 1)))
        size = min(MAX_PAGE_SIZE, max(1, int(query.get("pageSize", default_size))))
    except ValueError:
        raise ValidationFailed("page and pageSize must be whole numbers.", field="page") from None
    if page > MAX_PAGE:
        raise ValidationFailed(f"page may be at most {MAX_PAGE}.", field="page")
    return page, size
