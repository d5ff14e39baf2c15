from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.errors import Forbidden, NotFound


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
