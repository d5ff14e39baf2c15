"""Support staff's admin: connector settings checked by kind with clear errors, the password stored
encrypted and never shown back, routes showing a disabled connector as such, a number tested against
the rules, and the live status (page and JSON), for staff only."""

import pytest
from django.urls import reverse

from accounts.models import User
from messaging.models import Connector
from messaging.routing.secrets import secret_open
from tests.factories import UserFactory
from tests.messaging.routing.helpers import connector, route

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = User.objects.create_superuser("support@platform.test", "Staff-pass-123", team=None)
    client.force_login(staff)
    return client


SMPP = {
    "name": "carrier-a",
    "kind": "smpp",
    "enabled": "on",
    "throughput": "100",
    "host": "smsc.example.net",
    "port": "2775",
    "system_id": "acme",
    "window": "10",
    "binds": "2",
    "bind_mode": "transceiver",
    "enquire_link_interval": "30",
    "password": "s3cret-Pass",
    "costs-TOTAL_FORMS": "0",
    "costs-INITIAL_FORMS": "0",
}


def test_bad_smpp_settings_get_clear_errors_all_at_once(staff_client):
    bad = {**SMPP, "port": "70000", "system_id": "", "window": "0"}
    response = staff_client.post(reverse("admin:messaging_connector_add"), bad)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["port"] == ["port must be between 1 and 65535"]
    assert errors["system_id"] == ["system_id is required"]
    assert errors["window"] == ["window must be between 1 and 1000"]
    assert not Connector.objects.exists()


def test_the_bind_mode_is_a_choice_and_a_receive_only_connector_can_be_added(staff_client):
    page = staff_client.get(reverse("admin:messaging_connector_add")).content.decode()
    assert '<option value="receiver">receiver</option>' in page
    response = staff_client.post(reverse("admin:messaging_connector_add"), {**SMPP, "bind_mode": "listener"})
    assert "bind_mode" in response.context["adminform"].form.errors
    response = staff_client.post(reverse("admin:messaging_connector_add"), {**SMPP, "bind_mode": "receiver"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Connector.objects.get(name="carrier-a").settings["bind_mode"] == "receiver"


def test_the_password_is_stored_encrypted_and_never_shown_back(staff_client):
    response = staff_client.post(reverse("admin:messaging_connector_add"), SMPP)
    assert response.status_code == 302, response.context["adminform"].form.errors
    saved = Connector.objects.get(name="carrier-a")
    assert "s3cret-Pass" not in saved.secret and secret_open(saved.secret) == "s3cret-Pass"
    assert saved.settings["host"] == "smsc.example.net" and saved.settings["binds"] == 2
    page = staff_client.get(reverse("admin:messaging_connector_change", args=[saved.pk]))
    assert b"s3cret-Pass" not in page.content and b"set (hidden)" in page.content

    unchanged = {**SMPP, "password": "", "throughput": "50"}  # an empty password keeps the stored one
    staff_client.post(reverse("admin:messaging_connector_change", args=[saved.pk]), unchanged)
    saved.refresh_from_db()
    assert saved.throughput == 50 and secret_open(saved.secret) == "s3cret-Pass"


def test_a_route_naming_a_disabled_connector_shows_it(staff_client):
    route(connector("primary", enabled=False), connector("backup"), name="Estonia", prefix="+372")
    page = staff_client.get(reverse("admin:messaging_route_changelist")).content.decode()
    assert "primary (disabled) → backup" in page


def test_staff_test_a_number_against_the_rules(staff_client):
    team = UserFactory().team
    route(connector("team-line"), name="Team line", team=team, position=1)
    route(connector("ee"), name="Estonia", prefix="+372", position=2)
    url = reverse("admin:messaging_route_test")
    page = staff_client.get(url, {"number": "+37255512345", "team": team.pk}).content.decode()
    assert "Routable" in page and "Team line" in page and "team-line" in page
    page = staff_client.get(url, {"number": "+4915112345678"}).content.decode()
    assert "Refused: no route" in page


def test_the_live_status_is_for_staff_only(staff_client, client):
    connector("sim")
    page = staff_client.get(reverse("admin:messaging_connector_status"))
    assert page.status_code == 200 and b'data-connector="sim"' in page.content
    data = staff_client.get(reverse("admin:messaging_connector_status_json")).json()
    assert data["queue_depth"] == 0 and [c["name"] for c in data["connectors"]] == ["sim"]

    customer = UserFactory()
    client.force_login(customer)
    refused = client.get(reverse("admin:messaging_connector_status_json"))
    assert refused.status_code == 302 and "/admin/login/" in refused["Location"]


def test_staff_without_the_permission_see_no_status_margins_or_test_page(client):
    clerk = User.objects.create_user("clerk@platform.test", "Clerk-pass-123", team=None, is_staff=True)
    client.force_login(clerk)
    for name in (
        "messaging_connector_status",
        "messaging_connector_status_json",
        "messaging_route_test",
        "messaging_margins",
    ):
        assert client.get(reverse(f"admin:{name}")).status_code == 403, name
