"""Connector passwords, encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256) under the key(s) in
SMS_CONNECTOR_SECRETS_KEY: comma-separated, the first encrypts, every one decrypts (key rotation)."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """A stored secret that no configured key opens (the key changed without rotation)."""


def _fernet() -> MultiFernet:
    keys = [key.strip() for key in settings.SMS_CONNECTOR_SECRETS_KEY.split(",") if key.strip()]
    if not keys:
        raise ImproperlyConfigured("Set SMS_CONNECTOR_SECRETS_KEY to store or read connector passwords")
    # Any long random string is a key: hashed to the 32 bytes Fernet wants.
    return MultiFernet([Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest())) for key in keys])


def secret_seal(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def secret_open(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("a connector password no configured key opens") from None


def secret_hint(sealed: str) -> str:
    """What the admin shows of a stored password: whether there is one, never any of it."""
    return "set (hidden)" if sealed else "not set"
