"""SMS API (seed 004): `username`/`password` for v1, `X-API-Key` or `api_key` for v2; errors are
`{"error": ...}` with 400, 401 or 429."""

from rest_framework import exceptions
from rest_framework.response import Response

from accounts.authentication import PasswordParamAuthentication, XApiKeyAuthentication
from api.base import DialectView
from api.errors import ApiError

KEY_REQUIRED = {"error": "API key is required", "help": "Provide X-API-Key header or api_key parameter"}


class SmsApiView(DialectView):
    """v2 endpoints: an API key is required."""

    authentication_classes = [XApiKeyAuthentication]

    def render_error(self, error: ApiError) -> Response:
        if error.status == 401:
            if not self._credentials_given():
                return Response(KEY_REQUIRED, status=401)
            return Response({"error": "Unauthorized."}, status=401)
        status = 400 if error.status in (402, 422) else error.status
        body = {"error": error.message}
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
