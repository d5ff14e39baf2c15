"""Failed-login lockouts, through django-axes, for every password login: the dashboard, the admin
and the password-based API dialects (seed 002 `_login`/`_password`, seed 004 `username`/`password`
and `generate-key`).

Policy (settings `SMS_LOGIN_*`):
- per account: `SMS_LOGIN_FAILURES_PER_ACCOUNT` failures, from any addresses, lock that account
  for `SMS_LOGIN_COOLOFF_MINUTES`; the right password is refused meanwhile;
- per address: `SMS_LOGIN_FAILURES_PER_ADDRESS` failures (higher), over any accounts, lock that
  address, against one client spraying many accounts; other accounts at an address stay open
  until then;
- each failure during a lockout restarts its cool-off, so a guesser who keeps trying stays out.

Failures are rows in the database (axes' AccessAttempt, written under a row lock), so every web
process counts the same, with or without Redis. Support staff see and clear them in the admin
(Axes → Access attempts) or with `manage.py axes_reset_username EMAIL`."""

from datetime import timedelta

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpResponse
from django.template.response import TemplateResponse
from rest_framework.response import Response

LOCKED_MESSAGE = "Too many failed logins. Try again in {minutes} minutes."


def client_address(request) -> str | None:
    """The client's address, or None when the server gives none (a unix socket, a login made in
    process): axes stores it in an IP column, which PostgreSQL refuses to fill with a word.
    REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it."""
    return request.META.get("REMOTE_ADDR") or None


def cool_off_time(request=None) -> timedelta:
    """AXES_COOLOFF_TIME."""
    return timedelta(minutes=settings.SMS_LOGIN_COOLOFF_MINUTES)


def failure_limit(request, credentials) -> int:
    """AXES_FAILURE_LIMIT: the per-account limit (the per-address one is scaled to it below)."""
    return settings.SMS_LOGIN_FAILURES_PER_ACCOUNT


def locked_message() -> str:
    return LOCKED_MESSAGE.format(minutes=settings.SMS_LOGIN_COOLOFF_MINUTES)


def login_username(request, credentials: dict | None) -> str | None:
    """The account a login names, as every way in spells it (`username` in the login forms and in
    `authenticate()`), lower-cased like the stored emails."""
    value = (credentials or {}).get("username")
    if value is None and request is not None and request.method == "POST":
        value = request.POST.get("username")
    if value is None:
        return None
    return str(value).strip().lower() or None


def is_locked_out(request) -> bool:
    """Whether axes refused the login just attempted on this (Django) request."""
    return bool(getattr(request, "axes_locked_out", False))


class AccountAndAddressHandler(AxesDatabaseHandler):
    """axes' database handler with one limit per account and a higher one per address (axes applies
    a single limit to every lockout parameter): the address count is scaled so that reaching
    `SMS_LOGIN_FAILURES_PER_ADDRESS` reads as reaching axes' limit."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        per_account = _total(recent.filter(username=username)) if username else 0
        per_address = _total(recent.filter(ip_address=request.axes_ip_address))
        account_limit, address_limit = settings.SMS_LOGIN_FAILURES_PER_ACCOUNT, settings.SMS_LOGIN_FAILURES_PER_ADDRESS
        return max(per_account, per_address * account_limit // address_limit)


def _total(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def lockout_response(request, original_response, credentials=None) -> HttpResponse:
    """Each way in answers a lockout in its own shape: an API dialect has already answered with its
    own 429 (accounts.authentication), and a login page (dashboard or admin) is shown again with
    the reason, as 429."""
    if isinstance(original_response, Response):
        return original_response
    context = getattr(original_response, "context_data", None) or {}
    form = context.get("form")
    if isinstance(original_response, TemplateResponse) and form is not None:
        form.errors.clear()
        form.add_error(None, locked_message())
        original_response.status_code = 429
        original_response.content = original_response.rendered_content
        return original_response
    return HttpResponse(locked_message(), status=429, content_type="text/plain")
