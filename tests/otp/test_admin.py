"""Support staff edit a team's 2FA policy through the service and read the PIN log, never a hash."""

import pytest

from otp.models import OtpPolicy

pytestmark = pytest.mark.django_db


def policy_form(team, **changes) -> dict:
    form = {
        "team": team.pk,
        "text_template": "Your code is {pin}",
        "sender": "",
        "allowed_countries": "[]",
        "max_attempts": 5,
        "resend_cooldown_seconds": 30,
        "receiver_limit": 5,
        "receiver_window_seconds": 600,
        "team_hourly_limit": 1000,
    }
    return {**form, **changes}


def test_staff_create_and_change_a_policy_with_the_rules_checked(staff_client, user):
    response = staff_client.post("/admin/otp/otppolicy/add/", policy_form(user.team, allowed_countries='["ee"]'))
    assert response.status_code == 302, response.content
    policy = OtpPolicy.objects.get(team=user.team)
    assert policy.allowed_countries == ["EE"]

    url = f"/admin/otp/otppolicy/{policy.pk}/change/"
    refused = staff_client.post(url, policy_form(user.team, max_attempts=50, text_template="no placeholder"))
    assert refused.status_code == 200
    assert b"Must be between 1 and 10." in refused.content
    assert b"The text must contain {pin} exactly once." in refused.content
    assert staff_client.post(url, policy_form(user.team, digits_only="on")).status_code == 302
    policy.refresh_from_db()
    assert policy.digits_only and policy.max_attempts == 5


def test_pin_log_shows_no_hash(staff_client, user, issue):
    issued = issue(user)
    listing = staff_client.get("/admin/otp/pin/").content.decode()
    assert "+37255555555" in listing and "Pending" in listing
    from otp.models import Pin

    record = Pin.objects.get()
    detail = staff_client.get(f"/admin/otp/pin/{record.pk}/change/").content.decode()
    assert record.pin_hash not in detail and issued.pin not in detail
