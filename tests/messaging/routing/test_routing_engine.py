"""Routed sending against real SMSC processes (tests/smsc.py): messages go where their route says,
move to the next connector when one is not bound or refuses for now, end when one refuses for good,
go to the cheapest connector, follow a change of settings without a restart, and have their receipts
matched whichever bind of the connector they come in on. Each message reaches the network once."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from messaging.models import Message, RouteMode, Status, SubmitAttempt
from messaging.routing.table import routing_table
from messaging.services import engine
from messaging.services.dispatch import dispatch_due
from messaging.services.engine import connector_gateway, connector_gateways, get_gateway, receivers_start
from tests.factories import UserFactory
from tests.messaging.routing.helpers import route, send, smpp_connector, statuses
from tests.outages import queue_not_run
from tests.smsc import WAIT, wait_for
from tests.smsc import SmscProcess as Smsc

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def dispatch() -> None:
    dispatch_due(gateway=get_gateway(), limit=500)


def dispatch_and_close() -> None:
    try:
        dispatch()
    finally:
        connection.close()


def carried_by(message: Message) -> list[tuple[str, str]]:
    return list(SubmitAttempt.objects.filter(message=message).values_list("connector_name", "outcome"))


def submitted(smsc: Smsc) -> list[str]:
    return ["+" + e["destination_addr"] for e in smsc.events("submit") if e["status"] == 0]


def test_messages_go_by_prefix_and_by_team_to_their_smsc(start_smsc):
    a, b, c = start_smsc(), start_smsc(), start_smsc()
    vip_user = UserFactory(credits=100)
    route(smpp_connector("vip", c.port), position=1, team=vip_user.team)
    route(smpp_connector("estonia", a.port), position=2, prefix="+3725")
    route(smpp_connector("world", b.port), position=3)
    everyone = send("+37255512345", "+4915112345678")
    vip = send("+37255500000", user=vip_user)
    dispatch()
    wait_for(lambda: statuses(everyone + vip) == [Status.DELIVRD] * 3)
    assert submitted(a) == ["+37255512345"] and submitted(b) == ["+4915112345678"] and submitted(c) == ["+37255500000"]
    assert carried_by(everyone[0]) == [("estonia", "accepted")]


def test_a_connector_that_is_not_bound_hands_its_messages_to_the_next(start_smsc):
    dead, alive = start_smsc(), start_smsc()
    route(smpp_connector("primary", dead.port), smpp_connector("backup", alive.port))
    dead.kill()
    messages = send(*(f"+3725551{i:04d}" for i in range(20)))
    dispatch()
    wait_for(lambda: statuses(messages) == [Status.DELIVRD] * 20)
    assert sorted(submitted(alive)) == sorted(m.recipient for m in messages)  # each once
    assert carried_by(messages[0]) == [("primary", "temporary"), ("backup", "accepted")]


def test_a_temporary_refusal_moves_the_message_on_and_a_permanent_one_ends_it(start_smsc):
    busy = start_smsc("--throttle-prefix", "+3725", "--reject-prefix", "+3726")
    other = start_smsc()
    route(smpp_connector("busy", busy.port), smpp_connector("other", other.port))
    user = UserFactory(credits=10)
    throttled, refused = send("+37255512345", "+37265512345", user=user)
    dispatch()
    wait_for(lambda: statuses([throttled, refused]) == [Status.DELIVRD, Status.REJECTD])
    assert submitted(other) == ["+37255512345"]  # the refused one never reached the second SMSC
    assert carried_by(throttled) == [("busy", "temporary"), ("other", "accepted")]
    assert carried_by(refused) == [("busy", "refused")]
    user.refresh_from_db()
    assert user.balance == Decimal(9)  # the refused message was refunded


def test_least_cost_sends_to_the_cheapest_connector_for_the_country(start_smsc):
    dear_smsc, cheap_smsc = start_smsc(), start_smsc()
    dear = smpp_connector("dear", dear_smsc.port, costs={"EE": "0.040"})
    cheap = smpp_connector("cheap", cheap_smsc.port, costs={"EE": "0.015", "": "0.090"})
    route(dear, cheap, mode=RouteMode.LEAST_COST)
    [message] = send("+37255512345", text="Hi " * 60)  # two parts
    dispatch()
    wait_for(lambda: statuses([message]) == [Status.DELIVRD])
    assert len(submitted(cheap_smsc)) == 2 and submitted(dear_smsc) == []
    attempt = SubmitAttempt.objects.get(message=message)
    assert (attempt.connector_name, attempt.country, attempt.cost) == ("cheap", "EE", Decimal("0.030"))


def test_a_changed_connector_or_route_is_used_without_a_restart(start_smsc):
    old, new, other = start_smsc(), start_smsc(), start_smsc()
    connector = smpp_connector("carrier", old.port)
    only = route(connector)
    first = send("+37255512345")
    dispatch()
    wait_for(lambda: statuses(first) == [Status.DELIVRD])
    connector.settings = {**connector.settings, "port": new.port}
    connector.save()
    second = send("+37255512346")
    dispatch()
    wait_for(lambda: statuses(second) == [Status.DELIVRD])
    assert submitted(old) == ["+37255512345"] and submitted(new) == ["+37255512346"]

    step = only.steps.get()  # the route now names another connector, as edited in the admin
    step.connector = smpp_connector("another", other.port)
    step.save()
    third = send("+37255512347")
    dispatch()
    wait_for(lambda: statuses(third) == [Status.DELIVRD])
    assert submitted(other) == ["+37255512347"]


def test_receipts_that_come_on_another_bind_are_matched(start_smsc):
    smsc = start_smsc("--receipts-elsewhere")
    route(smpp_connector("two-binds", smsc.port, settings={"binds": 2}))
    warm_up = send("+37255520000")
    dispatch()  # binds both links
    wait_for(lambda: len(smsc.events("bind")) == 2 and statuses(warm_up) == [Status.DELIVRD])
    messages = send(*(f"+3725552{i:04d}" for i in range(40)))
    dispatch()
    wait_for(lambda: statuses(messages) == [Status.DELIVRD] * 40)
    submits = {e["message_id"]: e["session"] for e in smsc.events("submit")[1:]}

    def receipts() -> list[dict]:
        return [r for r in smsc.events("receipt") if r["message_id"] in submits]

    wait_for(lambda: len(receipts()) == 40)  # journaled once answered, after we stored them
    assert all(r["session"] != submits[r["message_id"]] for r in receipts())
    assert len(set(submits.values())) == 2  # both binds carried traffic


def test_an_smsc_dying_mid_run_loses_nothing_and_sends_nothing_twice(start_smsc):
    dying, backup = start_smsc("--crash-after", "5"), start_smsc()
    dying_connector = smpp_connector("dying", dying.port)
    route(dying_connector, smpp_connector("backup", backup.port))
    user = UserFactory(credits=100)
    messages = send(*(f"+3725554{i:04d}" for i in range(30)), user=user)
    dispatch()
    # What the dying SMSC never answered may have reached it: it waits for that SMSC, and only it.
    waiting = Message.objects.filter(pk__in=[m.pk for m in messages], status=Status.QUEUE)
    assert waiting.exists()
    assert all(carried_by(m)[-1] == ("dying", "uncertain") for m in waiting)
    before_the_crash = submitted(dying)
    assert not set(before_the_crash) & set(submitted(backup))

    dying.start()  # back on its port: the connector binds again by itself; the waiting messages'
    wait_for(lambda: dying.events("bind"), timeout=15)  # back-off is skipped
    # Bound on our side too (the SMSC logs the bind before its answer reaches us): a dispatch before
    # that finds the connector down and puts the waiting messages back for a minute.
    assert connector_gateway(routing_table().connectors[dying_connector.pk]).ready(15)
    waiting.update(scheduled_at=None)
    dispatch()
    wait_for(lambda: statuses(messages) == [Status.DELIVRD] * 30)
    assert not set(before_the_crash + submitted(dying)) & set(submitted(backup))  # never on both
    user.refresh_from_db()
    assert user.balance == Decimal(70)  # 30 charged, none refunded: the ledger is exact


def test_a_connector_that_dies_mid_submit_hands_on_what_it_had_not_written_without_waiting_for_it(
    start_smsc, monkeypatch
):
    monkeypatch.setattr(engine, "CONNECTOR_OUTAGE_SECONDS", 600)  # what a last connector waits for its link
    dying, backup = start_smsc("--crash-after", "5"), start_smsc()
    route(smpp_connector("dying", dying.port), smpp_connector("backup", backup.port))
    with queue_not_run():  # dispatched below, on a thread of its own
        messages = send(*(f"+3725557{i:04d}" for i in range(30)))

    running = threading.Thread(target=dispatch_and_close, daemon=True)
    running.start()
    running.join(WAIT)
    waited = running.is_alive()
    engine.reset_gateway()  # closed, a gateway still waiting for its link gives up
    running.join(WAIT)

    assert not waited  # for the dead SMSC
    handed_on = [m for m in messages if m.recipient in submitted(backup)]
    assert len(handed_on) > 10  # the window is 5: most were never written to the dying one
    assert all(carried_by(m) == [("dying", "temporary"), ("backup", "accepted")] for m in handed_on)
    # The rest it answered, or may have (written, no answer): those wait for it, and for it only.
    assert all(
        carried_by(m) in ([("dying", "accepted")], [("dying", "uncertain")]) for m in messages if m not in handed_on
    )


def test_receipts_on_a_receive_only_connector_are_matched_to_what_the_transmitter_sent(start_smsc):
    smsc = start_smsc()  # sends receipts only to binds that may receive them: never to a transmitter
    transmitter = smpp_connector("carrier-tx", smsc.port, settings={"bind_mode": "transmitter"})
    smpp_connector("carrier-rx", smsc.port, settings={"bind_mode": "receiver"})
    route(transmitter)
    receivers_start()  # as each dispatch run does: the receiver binds with nothing to send
    wait_for(lambda: len(smsc.events("bind")) == 1)
    messages = send(*(f"+3725556{i:04d}" for i in range(10)))
    dispatch()
    # Delivered: their receipts came on the receiver's bind, the only one that may receive. (The
    # test SMSC, smpp34, answers a receiver's deliver_sm_resp with a generic_nack, so its journal
    # does not show them as delivered; what we stored is what counts here.)
    wait_for(lambda: statuses(messages) == [Status.DELIVRD] * 10)
    assert len(smsc.events("bind")) == 2 and len(submitted(smsc)) == 10
    assert carried_by(messages[0]) == [("carrier-tx", "accepted")]


def test_a_receive_only_connector_disabled_or_deleted_is_unbound_by_the_next_run(start_smsc, settings):
    settings.SMS_ROUTING_REFRESH_SECONDS = 0  # each run reads the connectors as they are now
    smsc = start_smsc()
    first = smpp_connector("carrier-rx", smsc.port, settings={"bind_mode": "receiver"})
    second = smpp_connector("carrier-rx-2", smsc.port, settings={"bind_mode": "receiver"})
    route(smpp_connector("carrier-tx", smsc.port, settings={"bind_mode": "transmitter"}))
    receivers_start()
    wait_for(lambda: len(smsc.events("bind")) == 2)
    first.enabled = False
    first.save()
    receivers_start()
    wait_for(lambda: len(smsc.events("unbind")) == 1)
    assert first.pk not in connector_gateways() and second.pk in connector_gateways()
    second.delete()
    receivers_start()
    wait_for(lambda: len(smsc.events("unbind")) == 2)
    assert not connector_gateways()


def test_a_receive_only_connector_on_a_route_hands_its_messages_on(start_smsc):
    smsc = start_smsc()
    receiver = smpp_connector("carrier-rx", smsc.port, settings={"bind_mode": "receiver"})
    route(receiver, smpp_connector("carrier", smsc.port))
    messages = send("+37255570000")
    dispatch()
    wait_for(lambda: statuses(messages) == [Status.DELIVRD])
    assert carried_by(messages[0]) == [("carrier-rx", "temporary"), ("carrier", "accepted")]
