"""Team settings are checked by the rules sending and callbacks use, and every error shows at once."""

import pytest

from accounts.services import team_update
from core.errors import ManyProblems
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Acme",
    "default_country": "EE",
    "time_zone": "UTC",
    "default_sender": "Acme",
    "low_balance_threshold": "5",
    "dlr_url": "https://example.com/dlr",
    "reply_url": "",
}


@pytest.fixture
def owner():
    return UserFactory(email="owner@settings.test")


def test_every_broken_rule_is_shown_at_once(client, owner):
    client.force_login(owner)
    response = client.post(
        "/settings/",
        VALID
        | {
            "default_sender": "AcmeCorporation",
            "low_balance_threshold": "-1",
            "dlr_url": "http://127.0.0.1/dlr",
            "reply_url": "ftp://example.com/in",
            "time_zone": "Mars/Olympus",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    for expected in (
        "An alphanumeric sender has at most 11 characters.",
        "The low-balance threshold cannot be negative.",
        "a private or reserved address",
        "Only http and https URLs are allowed.",
        "Unknown time zone.",
    ):
        assert expected in page, expected
    owner.team.refresh_from_db()
    assert owner.team.name != "Acme"  # nothing saved


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dlr_url", "http://localhost:8000/x"),
        ("dlr_url", "http://2130706433/x"),
        ("reply_url", "http://[::1]/x"),
        ("reply_url", "https://user:pw@example.com/x"),
        ("default_sender", "+1234567890123456"),
    ],
)
def test_the_service_refuses_what_sending_and_callbacks_refuse(owner, field, value):
    with pytest.raises(ManyProblems) as refused:
        team_update(team=owner.team, actor=owner, **{field: value})
    assert [f for f, _ in refused.value.problems] == [field]


def test_valid_settings_save(client, owner):
    client.force_login(owner)
    assert client.post("/settings/", VALID).status_code == 302
    owner.team.refresh_from_db()
    assert owner.team.default_sender == "Acme" and owner.team.dlr_url == "https://example.com/dlr"
