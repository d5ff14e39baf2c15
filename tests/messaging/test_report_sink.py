"""The report sink in gateways' own threads (PostgreSQL): their receipts are stored by the process's
one receipts writer, several threads' receipts in one group, each call returning once its own are
stored and failing alone; after the database drops the writer's connection, the next call works on
a new one (CONN_HEALTH_CHECKS: the dropped one is noticed before the group's first query); and the
gateway's threads hold no connection of their own once it is closed."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from messaging.gateways.base import DeliveryReport
from messaging.gateways.smpp import SmppGateway
from messaging.models import EarlyReport
from messaging.services import reports as reports_module
from messaging.services.reports import RECEIPTS, EngineSink, _receipts_store
from tests.gateways import sms
from tests.smsc import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def report(network_id: str) -> DeliveryReport:
    return DeliveryReport(network_id, "DELIVRD", timezone.now(), "")


def in_thread(work) -> threading.Thread:
    """`work` in a thread of its own, as a gateway's storing thread calls the sink."""

    def run():
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def other_backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def writer_stopped():
    """Each test starts and ends with no writer thread (it holds a connection)."""
    RECEIPTS.stop()
    yield
    RECEIPTS.stop()


def test_receipts_waiting_in_several_threads_are_stored_as_one_group(monkeypatch, writer_stopped):
    applied, first_held, release = [], threading.Event(), threading.Event()
    apply = reports_module.report_apply

    def held_apply(*, reports):
        applied.append(sorted(r.part_id for r in reports))
        if len(applied) == 1:  # the writer is busy with the first call while the others arrive
            first_held.set()
            release.wait(10)
        apply(reports=reports)

    monkeypatch.setattr(reports_module, "report_apply", held_apply)
    returned = []
    threads = [in_thread(lambda: (EngineSink().reports([report("a")]), returned.append("a")))]
    assert first_held.wait(10)
    for name in ("b", "c"):
        threads.append(in_thread(lambda name=name: (EngineSink().reports([report(name)]), returned.append(name))))
    wait_for(lambda: RECEIPTS.pending.qsize() == 2)
    assert returned == []  # nobody returns before its receipts are stored
    release.set()
    for thread in threads:
        thread.join(10)

    assert applied == [["a"], ["b", "c"]]
    assert sorted(returned) == ["a", "b", "c"]
    assert set(EarlyReport.objects.values_list("network_id", flat=True)) == {"a", "b", "c"}


def test_a_call_whose_receipts_fail_fails_alone(monkeypatch, writer_stopped):
    apply = reports_module.report_apply

    def failing_apply(*, reports):
        if any(r.part_id == "bad" for r in reports):
            raise ValueError("cannot store this one")
        apply(reports=reports)

    monkeypatch.setattr(reports_module, "report_apply", failing_apply)
    outcomes = {}

    def call(name):
        try:
            EngineSink().reports([report(name)])
            outcomes[name] = "stored"
        except ValueError:
            outcomes[name] = "failed"

    threads = [in_thread(lambda name=name: call(name)) for name in ("good", "bad", "fine")]
    for thread in threads:
        thread.join(10)

    assert outcomes == {"good": "stored", "bad": "failed", "fine": "stored"}
    assert set(EarlyReport.objects.values_list("network_id", flat=True)) == {"good", "fine"}


def test_the_writer_plans_each_statement_for_its_own_arrays():
    _receipts_store([[report("x")]])
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_custom_plan"


def test_sink_recovers_after_the_database_dropped_its_connection(writer_stopped):
    outcomes = []

    def store(network_id):
        try:
            EngineSink().reports([report(network_id)])
            outcomes.append(network_id)
        except Exception:
            outcomes.append("failed")

    before = set(other_backends())
    in_thread(lambda: store("first")).join(10)
    [writer] = set(other_backends()) - before
    with connection.cursor() as cursor:  # as a database restart would
        cursor.execute("SELECT pg_terminate_backend(%s)", [writer])
    wait_for(lambda: writer not in other_backends())
    for network_id in ("second", "third"):
        in_thread(lambda network_id=network_id: store(network_id)).join(10)

    assert outcomes == ["first", "second", "third"]
    assert set(EarlyReport.objects.values_list("network_id", flat=True)) == {"first", "second", "third"}


@pytest.mark.slow
def test_the_gateways_threads_hold_no_connection_once_it_is_closed(smsc, writer_stopped):
    before = len(other_backends())
    gateway = SmppGateway(host="127.0.0.1", port=smsc.port, system_id="test", password="x", sink=EngineSink())
    [result] = gateway.submit([sms(1, "+3725550001", "Hi")])
    assert result.accepted
    wait_for(lambda: EarlyReport.objects.exists())  # the receipt, stored by the receipts writer
    gateway.close()
    assert len(other_backends()) == before + 1  # the writer's, closed when it stops (or after a minute idle)
    RECEIPTS.stop()
    assert len(other_backends()) == before
