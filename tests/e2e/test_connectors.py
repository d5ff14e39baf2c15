"""Support staff in a real browser: add an SMPP connector (a bad port is refused with its reason),
route everything through it, send, and watch the live status page show its bind up and the
message delivered through it; then kill the SMSC and see the bind go down with its error."""

import pytest

from accounts.models import User
from messaging.models import Connector, Route, RouteConnector, Status
from messaging.services.dispatch import dispatch_due
from messaging.services.engine import get_gateway
from tests.messaging.routing.helpers import send, statuses
from tests.smsc import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff():
    return User.objects.create_superuser("support@e2e.test", "Staff-pass-123", team=None)


def test_staff_add_a_connector_and_watch_its_bind(page, shoot, staff, start_smsc):
    smsc = start_smsc()
    page.goto("/admin/login/")
    page.fill("input[name=username]", staff.email)
    page.fill("input[name=password]", "Staff-pass-123")
    page.click("input[type=submit]")
    page.goto("/admin/messaging/connector/add/")
    page.fill("input[name=name]", "carrier-a")
    page.select_option("select[name=kind]", "smpp")
    page.fill("input[name=host]", "127.0.0.1")
    page.fill("input[name=port]", "70000")
    page.fill("input[name=system_id]", "test")
    page.fill("input[name=password]", "secret-pw")
    page.click("input[name=_save]")
    assert "port must be between 1 and 65535" in page.inner_text("#content")
    shoot("connector-invalid")
    page.fill("input[name=port]", str(smsc.port))
    page.fill("input[name=password]", "secret-pw")  # a password is never sent back to the form
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/messaging/connector/")

    route = Route.objects.create(name="everything")
    RouteConnector.objects.create(route=route, connector=Connector.objects.get(name="carrier-a"))
    messages = send("+37255512345")
    dispatch_due(gateway=get_gateway(), limit=10)
    wait_for(lambda: statuses(messages) == [Status.DELIVRD])

    page.goto("/admin/messaging/connector/status/")
    row = "tr[data-connector=carrier-a]"
    wait_for(lambda: page.reload() and "bound" in page.inner_text(row), timeout=10)  # reported every 5 s
    assert "100% of 1" in page.inner_text(row)
    shoot("connector-status")

    smsc.kill()
    wait_for(lambda: page.reload() and "down" in page.inner_text(row), timeout=15)
    assert "Connection" in page.inner_text(row)  # the link's last error: closed, then refused
