"""SMS API (seed 004): `username`/`password` for v1, `X-API-Key` or `api_key` for v2; errors are
`{"error": ...}` with 400, 401 or 429."""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from accounts.authentication import PasswordParamAuthentication, XApiKeyAuthentication
from api.base import DialectView
from api.errors import ApiError

KEY_REQUIRED = {"error": "API key is required", "help": "Provide X-API-Key header or api_key parameter"}
TAGS = ["SMS API (seed 004)"]
# The headers every documented answer of this API shows. The keys travel in a header or a parameter,
# never in a cookie, so any origin may call it (a browser sends no credentials of ours along).
DOCUMENTED_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache, private"}
EXPOSED_HEADERS = "X-RateLimit-Limit, X-RateLimit-Remaining, Retry-After, Idempotent-Replayed"
ALLOWED_REQUEST_HEADERS = "Accept, Content-Type, X-API-Key, Idempotency-Key"
PREFLIGHT_MAX_AGE = 86400


def with_documented_headers(response: HttpResponse) -> HttpResponse:
    for name, value in DOCUMENTED_HEADERS.items():
        response[name] = value
    response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def preflight(allowed_methods: list[str]) -> HttpResponse:
    """The answer to a CORS preflight (any OPTIONS): 204, no authentication, no rate limit."""
    methods = ", ".join(m for m in allowed_methods if m != "OPTIONS")
    response = HttpResponse(status=204)
    response["Allow"] = ", ".join(allowed_methods)
    response["Access-Control-Allow-Methods"] = methods
    response["Access-Control-Allow-Headers"] = ALLOWED_REQUEST_HEADERS
    response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return with_documented_headers(response)


class SmsApiView(DialectView):
    """v2 endpoints: an API key is required."""

    authentication_classes = [XApiKeyAuthentication]

    def dispatch(self, request, *args, **kwargs):
        if request.method == "OPTIONS":
            return preflight(self.allowed_methods)
        return super().dispatch(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        return with_documented_headers(super().finalize_response(request, response, *args, **kwargs))

    def render_error(self, error: ApiError) -> Response:
        if error.status == 401:
            if not self._credentials_given():
                return Response(KEY_REQUIRED, status=401)
            return Response({"error": "Unauthorized."}, status=401)
        status = 400 if error.status in (402, 422) else error.status
        body: dict[str, object] = {"error": error.message}
        if error.fields:
            body["errors"] = error.fields
        return Response(body, status=status)

    def _credentials_given(self) -> bool:
        if self.request.META.get("HTTP_X_API_KEY"):
            return True
        try:
            params = self.params
        except exceptions.APIException:  # a malformed body: judge by the query string alone
            params = self.request.query_params
        return any(params.get(name) for name in ("api_key", "username", "password"))


class SmsApiPasswordView(SmsApiView):
    """v1 endpoints: `username` and `password` as URL or form parameters."""

    authentication_classes = [PasswordParamAuthentication]

    def _credentials_given(self) -> bool:
        return True  # v1 documents a single 401 body


# The documented error shape, for the schema.


@extend_schema_serializer(component_name="SmsApiError")
class ErrorOutput(serializers.Serializer):
    error = serializers.CharField()
    help = serializers.CharField(required=False, help_text="With a 401 when no key was given.")
    errors = serializers.DictField(  # type: ignore[assignment]  # a DRF field: see [tool.mypy]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="The messages of each parameter at fault, when there are some.",
    )


UNREADABLE = OpenApiExample("Unreadable body", value={"error": "The body must be a JSON object."})


def error_responses(*examples: OpenApiExample, key_required: bool = True) -> dict:
    """401, 429; 400 with these examples when there are some (an endpoint that reads no input has none).
    `key_required=False`: v1, whose 401 has one body."""
    unauthorized = [OpenApiExample("Unauthorized", value={"error": "Unauthorized."})]
    if key_required:
        unauthorized.insert(0, OpenApiExample("No API key", value=KEY_REQUIRED))
    responses = {
        401: OpenApiResponse(ErrorOutput, description="No credentials, or wrong ones.", examples=unauthorized),
        429: OpenApiResponse(
            ErrorOutput,
            description="Past the rate limit (or too many failed logins): wait `Retry-After` seconds.",
            examples=[
                OpenApiExample(
                    "Rate limit", value={"error": "Request was throttled. Expected available in 41 seconds."}
                )
            ],
        ),
    }
    if examples:
        responses[400] = OpenApiResponse(
            ErrorOutput,
            description="Invalid parameters, or a rule refused the request (for example not enough credits).",
            examples=list(examples),
        )
    return responses
