"""API keys and URL-sending tokens: random secrets shown once, kept as SHA-256."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import models, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from accounts.access import user_may_use_api
from accounts.models import ApiKey, KeyKind, User
from core import generations
from core.errors import Forbidden, ValidationFailed
from core.generations import ProcessCache

M = TypeVar("M", bound=models.Model)

PREFIX_LENGTH = 10
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # the only time the full key exists outside the client


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def clean_expiry_days(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        days = int(str(value))
    except ValueError:
        raise ValidationFailed("The expiry days must be an integer.", field="expiry_days") from None
    if not 1 <= days <= 365:
        raise ValidationFailed("The expiry days must be between 1 and 365.", field="expiry_days")
    return days


def _capped_expiry(*, days: int | None, parent: ApiKey | None, now: datetime) -> datetime | None:
    """The key's own expiry, never later than its parent's."""
    own = now + timedelta(days=days) if days else None
    if parent is None or parent.expires_at is None:
        return own
    return parent.expires_at if own is None else min(own, parent.expires_at)


@transaction.atomic
def api_key_create(
    *,
    user: User,
    name: str = "",
    kind: str = KeyKind.API,
    expiry_days: object = None,
    parent: ApiKey | None = None,
) -> IssuedKey:
    """A new key. A user has one live URL-sending token: issuing one revokes the older.

    `parent` is the key the request was made with, when it was (seed 004's generate-key): the new
    key belongs to the same user, expires no later, and dies with it (api_key_revoke)."""
    if not user_may_use_api(user):
        raise Forbidden("This account is not active.")
    days = clean_expiry_days(expiry_days)
    if len(name) > 100:
        raise ValidationFailed("The name may not be longer than 100 characters.", field="name")
    now = timezone.now()
    if parent is not None:
        # Locked, so a revocation running at the same time either comes first (refused here) or
        # waits for this key and then revokes it with the others.
        parent = ApiKey.objects.select_for_update().get(pk=parent.pk)
        if parent.user_id != user.pk or parent.kind != KeyKind.API or not parent.is_usable(now):
            raise Forbidden("This key cannot make keys.")
    if kind == KeyKind.URL:
        ApiKey.objects.filter(user=user, kind=KeyKind.URL, revoked_at__isnull=True).update(revoked_at=now)
        generations.bump()
    secret = ("url_" if kind == KeyKind.URL else "sk_") + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        user=user,
        parent=parent,
        kind=kind,
        name=name.strip(),
        prefix=secret[:PREFIX_LENGTH],
        key_hash=hash_secret(secret),
        created_at=now,
        expires_at=_capped_expiry(days=days, parent=parent, now=now),
    )
    return IssuedKey(key=key, secret=secret)


@transaction.atomic
def api_key_revoke(*, key: ApiKey) -> ApiKey:
    """Revoke a key and every key made with it, at any depth (one UPDATE per generation)."""
    now = timezone.now()
    generation = [key.pk]
    while generation:
        ApiKey.objects.filter(pk__in=generation, revoked_at__isnull=True).update(revoked_at=now)
        generation = list(ApiKey.objects.filter(parent_id__in=generation).values_list("pk", flat=True))
    generations.bump()  # the cached keys of every web process
    key.refresh_from_db(fields=["revoked_at"])
    return key


@transaction.atomic
def api_key_regenerate(*, key: ApiKey, expiry_days: object = None) -> IssuedKey:
    """Revoke a key (and the keys made with it) and issue its replacement under the same name, in
    the same place: the replacement has the old key's parent, so it is bound by the same limits."""
    days = clean_expiry_days(expiry_days)
    api_key_revoke(key=key)
    return api_key_create(user=key.user, name=key.name, kind=key.kind, expiry_days=days, parent=key.parent)


def api_key_authenticate(*, secret: str, kind: str = KeyKind.API) -> ApiKey | None:
    """The usable key for this secret, with its active user and team, or None.

    The key, user and team rows come from a process cache kept exact by core.generations (a
    revoked key, a deactivated user or team, a changed setting is seen at once); the balance is
    never cached: it is read from the database when asked for."""
    if not secret or len(secret) > 200:
        return None
    digest = hash_secret(secret)
    cached = _keys.get((digest, kind), lambda: _key_row(digest, kind))
    if cached is None or not cached.is_usable() or not user_may_use_api(cached.user):
        return None
    key = _copy_of(cached)
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        # Coarse on purpose: a write per request would serialise every API call on this row.
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        cached.last_used_at = key.last_used_at = now
    return key


_keys: ProcessCache[ApiKey | None] = ProcessCache()


def _key_row(digest: str, kind: str) -> ApiKey | None:
    return ApiKey.objects.select_related("user__team").defer("user__balance").filter(key_hash=digest, kind=kind).first()


def _copy_of(key: ApiKey) -> ApiKey:
    """The cached key, user and team as fresh instances: what a request changes on them (the
    balance it reads, a setting a service saves) stays its own."""
    user = _fresh(key.user)
    team = key.user.team
    user._state.fields_cache["team"] = _fresh(team) if team is not None else None
    copy = _fresh(key)
    copy._state.fields_cache["user"] = user
    return copy


def _fresh(instance: M) -> M:
    fresh = instance.__class__.__new__(instance.__class__)
    fresh.__dict__ = dict(instance.__dict__)
    fresh._state = ModelState()
    fresh._state.db, fresh._state.adding = instance._state.db, False
    return fresh
