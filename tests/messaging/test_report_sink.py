"""The report sink in a gateway's own thread (PostgreSQL): after the database drops its connection,
one call fails (the SMSC offers that receipt again) and the next works on a new connection."""

import threading

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from messaging.gateways.base import DeliveryReport
from messaging.models import EarlyReport
from messaging.services.reports import EngineSink

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
    assert outcomes == ["first", "failed", "third"]
    assert set(EarlyReport.objects.values_list("network_id", flat=True)) == {"first", "third"}
