"""SMS API V2, Blacklist, 2FA and Personal API (seed 000): `api_token` parameter or Bearer key;
validation errors are 422 `{"message": "The given data was invalid.", "errors": {field: [text]}}`."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from accounts.authentication import ApiTokenParamAuthentication, BearerKeyAuthentication
from api.base import DialectView
from api.errors import ApiError

INVALID = "The given data was invalid."
TAGS = ["SMS API V2 (seed 000)"]


class MessengerView(DialectView):
    authentication_classes = [ApiTokenParamAuthentication, BearerKeyAuthentication]

    def render_error(self, error: ApiError) -> Response:
        status, body = error_answer(error)
        return Response(body, status=status)


def error_answer(error: ApiError, exc: Exception | None = None) -> tuple[int, dict]:
    """The status and body of an error in this API's (Laravel's) shapes."""
    if error.status == 401:
        return 401, {"message": "Unauthenticated."}
    if error.status in (404, 405) or error.status >= 500:  # Laravel's {"message": ...} of HTTP errors
        return error.status, {"message": error.message}
    if error.status == 429:
        return 429, {"message": INVALID, "errors": error.fields} if error.fields else {"message": "Too Many Attempts."}
    return 422, {"message": INVALID, "errors": error.fields or {"error": [error.message]}}


def required(field: str) -> dict:
    """Laravel's wording, which this API's clients see."""
    return {"required": f"The {field} field is required.", "blank": f"The {field} field is required."}


# The documented error shapes, for the schema.


@extend_schema_serializer(component_name="MessengerMessage")
class MessageOutput(serializers.Serializer):
    message = serializers.CharField()


@extend_schema_serializer(component_name="MessengerValidationError")
class InvalidOutput(serializers.Serializer):
    message = serializers.CharField(help_text=f'Always "{INVALID}"')
    errors = serializers.DictField(  # type: ignore[assignment]  # a DRF field: see [tool.mypy]
        child=serializers.ListField(child=serializers.CharField()), help_text="The messages of each parameter at fault."
    )


@extend_schema_serializer(component_name="MessengerThrottled")
class ThrottledOutput(serializers.Serializer):
    message = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]  # a DRF field: see [tool.mypy]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Only when a 2FA send cap was reached.",
    )


def invalid(name: str, field: str, text: str) -> OpenApiExample:
    """An example of the 422 shape."""
    return OpenApiExample(name, value={"message": INVALID, "errors": {field: [text]}})


UNREADABLE = invalid("Unreadable body", "error", "The body must be a JSON object.")


def error_responses(*examples: OpenApiExample, not_found: str = "", invalid_as=InvalidOutput) -> dict:
    """401, 429; 422 with these examples when there are some (an endpoint that reads no input has none);
    404 with this message when the path names an object."""
    responses = {
        401: OpenApiResponse(
            MessageOutput,
            description="No `api_token` or Bearer key, or a wrong one.",
            examples=[OpenApiExample("Unauthenticated", value={"message": "Unauthenticated."})],
        ),
        429: OpenApiResponse(
            ThrottledOutput,
            description="Past the rate limit: wait `Retry-After` seconds.",
            examples=[OpenApiExample("Rate limit", value={"message": "Too Many Attempts."})],
        ),
    }
    if examples:
        responses[422] = OpenApiResponse(
            invalid_as,
            description="Invalid parameters, or a rule refused the request (for example not enough credits).",
            examples=list(examples),
        )
    if not_found:
        responses[404] = OpenApiResponse(
            MessageOutput,
            description="Not found, or not yours.",
            examples=[OpenApiExample("Not found", value={"message": not_found})],
        )
    return responses
