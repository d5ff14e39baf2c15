"""SMS API V2, Blacklist, 2FA and Personal API (seed 000): `api_token` parameter or Bearer key;
validation errors are 422 `{"message": "The given data was invalid.", "errors": {field: [text]}}`."""

from rest_framework.response import Response

from accounts.authentication import ApiTokenParamAuthentication, BearerKeyAuthentication
from api.base import DialectView
from api.errors import ApiError

INVALID = "The given data was invalid."


class MessengerView(DialectView):
    authentication_classes = [ApiTokenParamAuthentication, BearerKeyAuthentication]

    def render_error(self, error: ApiError) -> Response:
        if error.status == 401:
            return Response({"message": "Unauthenticated."}, status=401)
        if error.status == 404:
            return Response({"message": error.message}, status=404)
        if error.status == 429:
            body = {"message": INVALID, "errors": error.fields} if error.fields else {"message": "Too Many Attempts."}
            return Response(body, status=429)
        fields = error.fields or {"error": [error.message]}
        return Response({"message": INVALID, "errors": fields}, status=422 if error.status < 500 else error.status)


def required(field: str) -> dict:
    """Laravel's wording, which this API's clients see."""
    return {"required": f"The {field} field is required.", "blank": f"The {field} field is required."}
