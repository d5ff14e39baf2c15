"""The dashboard's 2FA verification log: login required, the team's own PINs only, statuses,
filter and pages, no PIN or pin_id shown, and a fixed number of queries."""

import pytest

from otp.services import otp_policy_update, pin_verify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/verifications/"


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_login(client):
    assert client.get(URL).url.startswith("/login/")


def test_lists_the_teams_verifications_without_pins(logged_in, user, issue):
    verified = issue(user, receiver="+37255555501")
    pin_verify(team=user.team, actor=user, pin_id=verified.pin_id, pin=verified.pin)
    pending = issue(user, receiver="+37255555502")
    stranger = UserFactory(credits=10, email="stranger@example.com")
    theirs = issue(stranger, receiver="+37255555599")

    response = logged_in.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="verification"') == 2
    assert "+37255555501" in page and "+37255555502" in page and "+37255555599" not in page
    assert 'class="badge ok">verified<' in page and 'class="badge">pending<' in page
    for issued in (verified, pending, theirs):
        assert issued.pin not in page and issued.pin_id not in page

    filtered = logged_in.get(URL, {"status": "pending"}).content.decode()
    assert "+37255555502" in filtered and "+37255555501" not in filtered


def test_members_see_their_own_and_pages_keep_queries_fixed(client, user, issue, django_assert_max_num_queries):
    """A PIN is a message: a member sees the ones they requested (the role matrix's MESSAGE_READ)."""
    otp_policy_update(team=user.team, actor=user, resend_cooldown_seconds=0, team_hourly_limit=100)
    member = UserFactory(team=user.team, role="member", email="member@example.com", credits=100)
    for i in range(55):
        issue(member, receiver=f"+372555550{i:02d}")
    issue(user, receiver="+37255555199")  # the owner's
    client.force_login(member)
    with django_assert_max_num_queries(8):
        first = client.get(URL)
    assert first.content.decode().count('data-testid="verification"') == 50
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(URL, {"page": 2}).content.decode()
    assert second.count('data-testid="verification"') == 5
    assert "+37255555199" not in first.content.decode() + second
