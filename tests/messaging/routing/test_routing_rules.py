"""Routes as support staff write them: the first matching route wins (prefix, country, team, sender),
a catch-all takes the rest, failover order, least cost for the destination's country, weighted
shares; disabled connectors are left out and said so; and a number no route matches is refused at
send time with each dialect's invalid-number error, never charged."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from messaging.models import Message, RouteConnector, RouteMode, Status, SubmitAttempt
from messaging.routing.selectors import route_choose
from messaging.services import Recipient, RejectionCode, failover, message_send
from messaging.services.dispatch import dispatch_due, requeue_stale_claims
from messaging.services.engine import get_gateway
from tests.factories import UserFactory, issue_key
from tests.messaging.routing.helpers import connector, route, send, statuses
from tests.outages import queue_not_run

pytestmark = pytest.mark.django_db


def names(choice) -> list[str]:
    return [c.name for c in choice.connectors]


def test_with_no_routes_every_number_goes_to_the_default_gateway():
    choice = route_choose(team_id=1, number="+37255512345")
    assert choice.routable and not choice.configured and choice.connectors == ()
    assert "default gateway" in choice.reason


def test_the_first_matching_route_wins_by_prefix_country_team_and_sender():
    estonia, latvia, vip, fallback, alerts = (connector(n) for n in ("ee", "lv", "vip", "fallback", "alerts"))
    team = UserFactory().team
    route(vip, position=1, team=team, prefix="+372")
    route(alerts, position=2, sender="ALERTS")
    route(estonia, position=3, prefix="+3725")
    route(latvia, position=4, country="LV")
    route(fallback, position=9)  # catch-all

    assert names(route_choose(team_id=team.pk, number="+37255512345")) == ["vip"]
    assert names(route_choose(team_id=0, number="+37255512345")) == ["ee"]
    assert names(route_choose(team_id=0, number="+37255512345", sender="ALERTS")) == ["alerts"]
    assert names(route_choose(team_id=0, number="+37120012345")) == ["lv"]
    choice = route_choose(team_id=0, number="+4915112345678")
    assert names(choice) == ["fallback"] and "catch-all" in choice.reason


def test_failover_order_leaves_out_a_disabled_connector_and_says_so():
    first, second = connector("first", enabled=False), connector("second")
    route(first, second, name="Estonia", prefix="+372")
    choice = route_choose(team_id=0, number="+37255512345")
    assert names(choice) == ["second"] and choice.disabled == ("first",)
    assert "Disabled: first" in choice.reason


def test_least_cost_puts_the_cheapest_connector_for_the_country_first():
    dear = connector("dear", costs={"EE": "0.05", "": "0.01"})
    cheap = connector("cheap", costs={"EE": "0.02", "": "0.09"})
    unknown = connector("unknown")
    route(unknown, dear, cheap, mode=RouteMode.LEAST_COST)
    assert names(route_choose(team_id=0, number="+37255512345")) == ["cheap", "dear", "unknown"]
    assert names(route_choose(team_id=0, number="+4915112345678")) == ["dear", "cheap", "unknown"]


def test_a_weighted_route_shares_traffic_by_weight_and_keeps_the_others_as_failover():
    big, small = connector("big"), connector("small")
    route(big, small, mode=RouteMode.WEIGHTED, weights=(3, 1))
    firsts = Counter(names(route_choose(team_id=0, number="+37255512345", key=k))[0] for k in range(2000))
    assert 1300 < firsts["big"] < 1700 and firsts["big"] + firsts["small"] == 2000
    assert sorted(names(route_choose(team_id=0, number="+37255512345", key=7))) == ["big", "small"]
    assert route_choose(team_id=0, number="+3725", key=7) == route_choose(team_id=0, number="+3725", key=7)


def test_a_change_to_the_routes_is_seen_at_once():
    estonia = connector("ee")
    only = route(estonia, prefix="+372")
    assert not route_choose(team_id=0, number="+4915112345678").routable
    only.prefix = ""
    only.save()
    assert route_choose(team_id=0, number="+4915112345678").routable
    estonia.enabled = False
    estonia.save()
    assert names(route_choose(team_id=0, number="+4915112345678")) == []


def test_an_unroutable_number_is_refused_at_send_time_and_not_charged():
    route(connector("ee"), prefix="+372")
    user = UserFactory(credits=10)
    result = message_send(
        actor=user, recipients=[Recipient("+37255512345"), Recipient("+4915112345678")], text="Hi", source="test"
    )
    assert [m.recipient for m in result.messages] == ["+37255512345"]
    [refused] = result.rejected
    assert (refused.number, refused.code, refused.status) == (
        "+4915112345678",
        RejectionCode.NO_ROUTE,
        Status.INVALID_ROUTING,
    )
    user.refresh_from_db()
    assert user.balance == Decimal(9) and result.cost == Decimal(1)


def test_sending_with_no_routes_costs_no_routing_query():
    user = UserFactory(credits=10)
    message_send(actor=user, recipients=[Recipient("+37255512345")], text="warm-up", source="test")
    with CaptureQueriesContext(connection) as counted:
        message_send(actor=user, recipients=[Recipient("+37255512346")], text="Hi", source="test")
    assert counted.captured_queries
    assert not [q for q in counted.captured_queries if "messaging_route" in q["sql"] or "connector" in q["sql"]]


def test_dialects_answer_an_unroutable_number_with_their_invalid_number_error(api):
    route(connector("ee"), prefix="+372")
    user = UserFactory(credits=10, email="owner@a.test")
    key = issue_key(user)
    rest = api.post(
        "/api/rest/v1/sms/send",
        {"message": "Hi", "recipientNumber": "+4915112345678"},
        format="json",
        HTTP_EMAIL=user.email,
        HTTP_TOKEN=key,
    )
    assert rest.status_code == 400 and rest.json()["code"] == 2 and "recipientNumber" in rest.json()["errors"]
    raven = api.post(
        "/raven/v2/messages",
        {"from": "12345", "text": "Hi", "to": "+4915112345678"},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert raven.status_code == 400 and "to" in raven.json()["errors"]
    assert not Message.objects.exists()
    user.refresh_from_db()
    assert user.balance == Decimal(10)


def test_routes_still_apply_with_the_cache_unreachable(settings):
    route(connector("ee"), prefix="+372")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1"}
    }
    user = UserFactory(credits=10)
    result = message_send(
        actor=user, recipients=[Recipient("+37255512345"), Recipient("+4915112345678")], text="Hi", source="test"
    )
    assert [m.recipient for m in result.messages] == ["+37255512345"]
    assert [r.code for r in result.rejected] == [RejectionCode.NO_ROUTE]


def test_a_connector_that_cannot_be_set_up_hands_its_messages_to_the_next(settings):
    broken = connector("broken", "smpp", settings={"host": "127.0.0.1", "system_id": "x"}, password="pw-123")
    route(broken, connector("backup"))
    settings.SMS_CONNECTOR_SECRETS_KEY = "another-key"  # the stored password no longer opens
    [message] = send("+37255512345")
    dispatch_due(gateway=get_gateway(), limit=10)
    assert statuses([message]) == [Status.DELIVRD]
    assert list(SubmitAttempt.objects.values_list("connector_name", "outcome")) == [
        ("broken", "temporary"),
        ("backup", "accepted"),
    ]


class WorkerKilled(BaseException):
    """What a SIGKILL is to the dispatcher: nothing after it runs, no handler sees it."""


def test_a_message_whose_worker_was_killed_while_handing_it_over_goes_to_that_connector_only(monkeypatch, settings):
    first = connector("first")
    made = route(first, connector("second"))
    with queue_not_run():
        [message] = send("+37255512345")

    def killed(*args, **kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patch:
        patch.setattr(failover, "_submit", killed)
        with pytest.raises(WorkerKilled):
            dispatch_due(gateway=get_gateway(), limit=10)
    for link in RouteConnector.objects.filter(route=made):  # meanwhile "second" became the first choice
        link.position = 3 - link.position
        link.save()
    later = timezone.now() + timedelta(seconds=settings.SMS_CLAIM_TIMEOUT_SECONDS + 1)
    assert requeue_stale_claims(now=later) == 1
    dispatch_due(gateway=get_gateway(), limit=10)

    assert statuses([message]) == [Status.DELIVRD]
    assert list(SubmitAttempt.objects.values_list("connector_name", "outcome")) == [
        ("first", "handed"),
        ("first", "accepted"),
    ]
