"""The report sink in a gateway's own thread (PostgreSQL): after the database drops its connection,
the next call works on a new connection (CONN_HEALTH_CHECKS: the dropped one is noticed before the
call's first query); and the thread's connection is closed when the thread ends."""

import threading

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from messaging.gateways.base import DeliveryReport
from messaging.gateways.smpp import SmppGateway
from messaging.models import EarlyReport
from messaging.services.reports import EngineSink
from tests.gateways import sms
from tests.smsc import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_sink_recovers_after_the_database_dropped_its_connection():
    sink, outcomes = EngineSink(), []
    step, resume = threading.Event(), threading.Event()

    def gateway_thread():
        try:
            for network_id in ("first", "second", "third"):
                try:
                    sink.reports([DeliveryReport(network_id, "DELIVRD", timezone.now(), "")])
                    outcomes.append(network_id)
                except OperationalError:
                    outcomes.append("failed")
                if network_id == "first":
                    connection.close_at = None  # persistent, as CONN_MAX_AGE makes it in production
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_backend_pid()")
                        step.pid = cursor.fetchone()[0]
                    step.set()
                    resume.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=gateway_thread)
    thread.start()
    assert step.wait(10)
    with connection.cursor() as cursor:  # as a database restart would
        cursor.execute("SELECT pg_terminate_backend(%s)", [step.pid])
    resume.set()
    thread.join(20)
    assert outcomes == ["first", "second", "third"]
    assert set(EarlyReport.objects.values_list("network_id", flat=True)) == {"first", "second", "third"}


@pytest.mark.slow
def test_the_gateways_storing_thread_closes_its_connection_when_it_ends(smsc):
    def others() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0]

    before = others()
    gateway = SmppGateway(host="127.0.0.1", port=smsc.port, system_id="test", password="x", sink=EngineSink())
    [result] = gateway.submit([sms(1, "+3725550001", "Hi")])
    assert result.accepted
    wait_for(lambda: EarlyReport.objects.exists())  # the receipt, stored by the storing thread
    assert others() == before + 1
    gateway.close()
    assert others() == before
