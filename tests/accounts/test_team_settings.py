"""Team settings (`team_update`): a country code that is not text is refused like an unknown one."""

import pytest

from accounts.services import team_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("country", [44, ["EE"]])
def test_a_country_that_is_not_text_is_refused_not_a_crash(country):
    """It used to fail calling `.upper()` on it (a 500 for any caller that passes JSON through)."""
    owner = UserFactory()
    with pytest.raises(Exception) as refused:
        team_update(team=owner.team, actor=owner, default_country=country)
    assert getattr(refused.value, "code", None) == "invalid"
    assert getattr(refused.value, "field", None) == "default_country"


def test_a_country_code_is_stored_in_capitals():
    owner = UserFactory()
    team_update(team=owner.team, actor=owner, default_country="lv")
    owner.team.refresh_from_db()
    assert owner.team.default_country == "LV"
