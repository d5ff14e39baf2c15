"""The process caches of API keys (core/generations.py): what another web process changes is seen
by the next request here, and nothing is trusted when the shared counter can't be read."""

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from accounts.models import ApiKey
from core import generations
from tests.factories import issue_key
from tests.smsc import wait_for

pytestmark = pytest.mark.django_db
SEND = "/api/rest/v1/sms/send"


def _send(api, user, key):
    body = {"message": "Hi", "recipientNumber": "+37255555555"}
    return api.post(SEND, body, format="json", HTTP_EMAIL=user.email, HTTP_TOKEN=key).status_code


def _revoked_elsewhere(key: str) -> None:
    """What another process's revocation leaves here: the row changed, no signal in this process."""
    from accounts.services.keys import hash_secret

    ApiKey.objects.filter(key_hash=hash_secret(key)).update(revoked_at=timezone.now())


@pytest.fixture
def shared_redis():
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    backend = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL}}
    with override_settings(CACHES=backend):
        from core.shared_redis import redis_client

        redis_client().delete(generations.KEY)
        generations.clear_process_caches()
        yield redis_client()
        redis_client().delete(generations.KEY)


def test_a_key_revoked_by_another_process_is_refused_by_the_next_request(api, user, shared_redis):
    key = issue_key(user)
    assert _send(api, user, key) == 200  # the key is now cached in this process
    _revoked_elsewhere(key)
    assert _send(api, user, key) == 200  # unseen: the cache is what makes requests cheap
    value = shared_redis.incr(generations.KEY)  # the other process's bump after its commit
    shared_redis.publish(generations.KEY, value)
    wait_for(lambda: generations.current() == value)  # its message arrives: well under a second
    assert _send(api, user, key) == 401


def test_the_follower_rereads_the_counter_when_a_message_is_lost(api, user, shared_redis, monkeypatch):
    monkeypatch.setattr(generations._Follower, "RECHECK_SECONDS", 0.2)
    key = issue_key(user)
    published = shared_redis.incr(generations.KEY)
    shared_redis.publish(generations.KEY, published)
    wait_for(lambda: generations.current() == published)
    assert _send(api, user, key) == 200  # cached under `published`
    _revoked_elsewhere(key)
    lost = shared_redis.incr(generations.KEY)  # bumped, its message lost
    wait_for(lambda: generations.current() == lost, timeout=10)
    assert _send(api, user, key) == 401


def test_with_the_shared_counter_out_of_reach_nothing_cached_is_trusted(api, user):
    key = issue_key(user)
    unreachable = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }
    with override_settings(CACHES=unreachable):
        assert _send(api, user, key) == 200
        _revoked_elsewhere(key)
        assert _send(api, user, key) == 401
