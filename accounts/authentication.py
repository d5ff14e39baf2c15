"""DRF authentication classes, one per credential style of the documented dialects.

Each returns (user, key) or None when its credentials are absent, and raises AuthenticationFailed
when they are present but wrong, so a dialect's handler can render its own 401."""

import base64
import binascii

from django.contrib.auth import authenticate
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from accounts.access import user_may_use_api
from accounts.lockout import cool_off_time, is_locked_out, locked_message
from accounts.models import KeyKind
from accounts.services.keys import api_key_authenticate


class LoginThrottled(exceptions.Throttled):
    default_detail = "Too many failed logins."


def _param(request, name: str) -> str:
    """A credential from the query string or the body (form, multipart or JSON)."""
    value = request.query_params.get(name)
    if value is None:
        data = request.data if request.method not in ("GET", "HEAD") else {}
        value = data.get(name) if hasattr(data, "get") else None
    value = str(value).strip() if value is not None else ""
    if "\x00" in value:  # no credential holds one (and PostgreSQL can't even look it up)
        raise exceptions.AuthenticationFailed("Invalid credentials.")
    return value


def _key_user(secret: str, kind: str = KeyKind.API):
    key = api_key_authenticate(secret=secret, kind=kind)
    if key is None:
        raise exceptions.AuthenticationFailed("Invalid, expired or revoked API key.")
    return (key.user, key)


def _password_user(request, email: str, password: str):
    """Django's authenticate(), so failures count towards the lockouts of accounts.lockout (axes)."""
    user = authenticate(request._request, username=email.lower(), password=password)
    if is_locked_out(request._request):
        raise LoginThrottled(detail=locked_message(), wait=int(cool_off_time().total_seconds()))
    if not user_may_use_api(user):
        raise exceptions.AuthenticationFailed("Invalid login or password.")
    return (user, None)


def bearer_key_user(meta: dict):
    """(user, key) of an `Authorization: Bearer` header; None without one, AuthenticationFailed
    when its key is not usable."""
    scheme, _, secret = meta.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return _key_user(secret.strip())


class BearerKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer <api key>` (SMS API V2, Blacklist, Outbound SMS)."""

    def authenticate(self, request):
        return bearer_key_user(request.META)

    def authenticate_header(self, request):
        return "Bearer"


class ApiTokenParamAuthentication(BaseAuthentication):
    """`api_token` parameter (SMS API V2, 2FA, Personal API)."""

    def authenticate(self, request):
        secret = _param(request, "api_token")
        return _key_user(secret) if secret else None


def email_token_user(email: str, token: str):
    """REST API v1's pair of credentials: (user, key), or AuthenticationFailed."""
    user, key = _key_user(token.strip())
    if user.email.lower() != email.strip().lower():
        raise exceptions.AuthenticationFailed("The email does not match the token.")
    return (user, key)


class EmailTokenAuthentication(BaseAuthentication):
    """REST API v1: `email` + `token` headers, HTTP Basic (email, API token), or URL parameters."""

    def authenticate(self, request):
        email = request.META.get("HTTP_EMAIL", "")
        token = request.META.get("HTTP_TOKEN", "")
        scheme, _, encoded = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if not token and scheme.lower() == "basic":
            try:
                email, _, token = base64.b64decode(encoded.strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise exceptions.AuthenticationFailed("Malformed Basic credentials.") from None
        if not token:
            email, token = request.query_params.get("email", ""), request.query_params.get("token", "")
        if not token and not email:
            return None
        return email_token_user(email, token)

    def authenticate_header(self, request):
        return 'Basic realm="api"'


class XApiKeyAuthentication(BaseAuthentication):
    """SMS API v2: `X-API-Key` header or `api_key` parameter."""

    def authenticate(self, request):
        secret = request.META.get("HTTP_X_API_KEY", "").strip() or _param(request, "api_key")
        return _key_user(secret) if secret else None


class PasswordParamAuthentication(BaseAuthentication):
    """Password-based dialects: `_login`/`_password` (HTTP API message) or `username`/`password`
    (SMS API v1). Failures count towards the login lockouts (accounts.lockout)."""

    login_param = "username"
    password_param = "password"

    def authenticate(self, request):
        login, password = _param(request, self.login_param), _param(request, self.password_param)
        if not login and not password:
            return None
        return _password_user(request, login, password)


class LoginPasswordAuthentication(PasswordParamAuthentication):
    login_param = "_login"
    password_param = "_password"
