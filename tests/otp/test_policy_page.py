"""The team's 2FA policy page: managers edit it through the service; errors beside the fields."""

import pytest

from accounts.models import Role
from otp.models import OtpPolicy
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
VALID = {
    "text_template": "Code: {pin}",
    "sender": "Acme",
    "max_attempts": "3",
    "resend_cooldown_seconds": "60",
    "receiver_limit": "4",
    "receiver_window_seconds": "600",
    "team_hourly_limit": "200",
    "allowed_countries": "ee, fi",
}


def test_owner_saves_the_policy(client):
    owner = UserFactory()
    client.force_login(owner)
    assert client.get("/settings/2fa/").status_code == 200
    assert client.post("/settings/2fa/", {**VALID, "digits_only": "on"}).status_code == 302
    policy = OtpPolicy.objects.get(team=owner.team)
    assert (policy.digits_only, policy.max_attempts, policy.allowed_countries) == (True, 3, ["EE", "FI"])


def test_the_page_states_the_platform_cap_per_number(client, settings):
    settings.OTP_RECEIVER_HOURLY_LIMIT = 7
    client.force_login(UserFactory())
    assert b"one number gets at most 7 PINs an hour" in client.get("/settings/2fa/").content


def test_bad_values_show_beside_the_field_and_change_nothing(client):
    owner = UserFactory()
    client.force_login(owner)
    response = client.post("/settings/2fa/", {**VALID, "text_template": "no placeholder"})
    assert response.status_code == 200 and b"The text must contain {pin} exactly once." in response.content
    assert not OtpPolicy.objects.filter(team=owner.team, text_template="no placeholder").exists()


def test_members_cannot_change_it(client):
    owner = UserFactory()
    member = UserFactory(team=owner.team, role=Role.MEMBER)
    client.force_login(member)
    assert client.post("/settings/2fa/", VALID).status_code == 403
