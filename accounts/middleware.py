from django.contrib.auth import SESSION_KEY, logout
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.access import user_is_active
from core.errors import Forbidden, NotFound


class ActiveSessionMiddleware:
    """Ends a session whose user or team was switched off since it logged in (accounts.access), so
    the next page asks for a login instead of acting for a deactivated account. Requests without a
    session (the API dialects) cost nothing here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            user = request.user  # resolved by accounts.backends, which refuses an inactive account
            if not (user.is_authenticated and user_is_active(user)):
                logout(request)
        return self.get_response(request)


class DomainErrorPagesMiddleware:
    """On dashboard pages, another team's id is a plain 404 and a refused permission a 403.
    (API views never get here: each dialect renders its own error shape.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            raise Http404(exception.message)
        if isinstance(exception, Forbidden):
            raise PermissionDenied(exception.message)
        return None
