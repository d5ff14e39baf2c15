"""Margins for support staff: per country and connector, the credits charged for what a connector
carried, its cost and the difference; a refunded message charges nothing. Customers see neither the
margins nor which carrier took their message."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import User
from messaging.models import PriceRule, Status
from messaging.services import message_refund
from messaging.services.dispatch import dispatch_due
from messaging.services.engine import get_gateway
from tests.factories import UserFactory
from tests.messaging.routing.helpers import connector, route, send, statuses

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return User.objects.create_superuser("support@platform.test", "Staff-pass-123", team=None)


def test_staff_see_credits_cost_and_margin_per_country_and_connector(client, staff):
    PriceRule.objects.create(country="DE", credits_per_segment=Decimal("2"))
    route(connector("ee-line", costs={"EE": "0.25"}), prefix="+372", position=1)
    route(connector("world", costs={"": "0.5"}), position=2)
    user = UserFactory(credits=100)
    estonia = send("+37255512345", "+37255512346", user=user)
    germany = send("+4915112345678", user=user, text="x" * 200)  # two parts at 2 credits
    dispatch_due(gateway=get_gateway(), limit=10)
    assert statuses(estonia + germany) == [Status.DELIVRD] * 3
    message_refund(message=estonia[1], actor=staff, memo="goodwill")

    client.force_login(staff)
    page = client.get(reverse("admin:messaging_margins"))
    rows = {(r.country, r.connector): (r.messages, r.charged, r.cost, r.margin) for r in page.context["rows"]}
    assert rows == {
        ("EE", "ee-line"): (2, Decimal(1), Decimal("0.5"), Decimal("0.5")),
        ("DE", "world"): (1, Decimal(4), Decimal(1), Decimal(3)),
    }
    assert page.context["total"].margin == Decimal("3.5")


def test_customers_see_neither_margins_nor_carriers(client, staff):
    route(connector("secret-carrier"))
    user = UserFactory(credits=10)
    [message] = send("+37255512345", user=user)
    dispatch_due(gateway=get_gateway(), limit=10)
    client.force_login(user)
    assert client.get(reverse("admin:messaging_margins")).status_code == 302
    page = client.get(reverse("dashboard:message", args=[message.uuid]))
    assert page.status_code == 200 and b"secret-carrier" not in page.content

    client.force_login(staff)
    admin_page = client.get(reverse("admin:messaging_message_change", args=[message.pk]))
    assert b"secret-carrier" in admin_page.content
