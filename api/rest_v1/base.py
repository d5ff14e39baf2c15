"""REST API v1 (seed 001): email + token auth; errors as the API's RestErrorDTO."""

from http import HTTPStatus

from rest_framework.response import Response

from accounts.authentication import EmailTokenAuthentication
from api.base import DialectView
from api.errors import ApiError


class RestV1View(DialectView):
    authentication_classes = [EmailTokenAuthentication]

    def handle_exception(self, exc):
        # A few errors have documented numeric codes (sms/send: 2 invalid number, 3 empty message).
        self._error_number = getattr(exc, "number", None)
        return super().handle_exception(exc)

    def render_error(self, error: ApiError) -> Response:
        # This API answers bad input with 400 Bad Request, whatever the rule that refused it.
        status = 400 if error.status in (402, 422) else error.status
        body = {
            "code": getattr(self, "_error_number", None) or status,
            "status": HTTPStatus(status).name,
            "message": error.message,
            "developerMessage": error.message,
            "moreInfoUrl": None,
        }
        if error.fields:
            body["errors"] = error.fields
        return Response(body, status=status)
