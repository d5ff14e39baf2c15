import time
from unittest import mock

import pytest

from ops.heartbeat import heartbeat_beat


def test_live_answers_without_authentication(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_ready_when_database_cache_queue_and_a_fresh_heartbeat_answer(client):
    heartbeat_beat()
    response = client.get("/health/ready")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "OK", "cache": "OK", "queue": "OK", "consumer": "OK"},
    }


@pytest.mark.django_db
def test_not_ready_without_a_consumer_heartbeat(client):
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["consumer"] == "no consumer heartbeat"


@pytest.mark.django_db
def test_not_ready_when_the_heartbeat_is_older_than_a_minute(client):
    heartbeat_beat(now=time.time() - 61)
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["consumer"].startswith("consumer heartbeat 6")


@pytest.mark.django_db
def test_not_ready_when_the_queue_is_unreachable_and_nothing_secret_is_said(client):
    heartbeat_beat()
    with mock.patch("huey.contrib.djhuey.HUEY.pending_count", side_effect=ConnectionError("redis://:pw@host")):
        response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "OK",
        "cache": "OK",
        "queue": "queue unreachable",
        "consumer": "OK",
    }
    assert b"pw" not in response.content


def test_the_consumer_startup_hook_starts_one_heartbeat_thread():
    from huey.contrib.djhuey import HUEY

    from ops import heartbeat, tasks  # noqa: F401 (huey imports it in the consumer)

    assert "consumer_heartbeat_start" in HUEY._startup
    with mock.patch.object(heartbeat, "_thread", None), mock.patch.object(heartbeat, "_beat_forever"):
        assert heartbeat.heartbeat_thread_start() is True
        assert heartbeat.heartbeat_thread_start() is False


@pytest.mark.django_db
def test_not_ready_when_the_cache_is_unreachable(client):
    heartbeat_beat()
    with mock.patch("django.core.cache.backends.locmem.LocMemCache.set", side_effect=ConnectionError("down")):
        response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "cache unreachable"


@pytest.mark.django_db
def test_ready_runs_its_checks_on_the_request_thread(client):
    """No thread (and so no new database or Redis connection) per probe: the checks see the request's thread."""
    import threading

    from ops import health

    seen = []
    with mock.patch.object(health.Queue, "run", lambda self: seen.append(threading.get_ident())):
        heartbeat_beat()
        assert client.get("/health/ready").status_code == 200
    assert seen == [threading.get_ident()]
