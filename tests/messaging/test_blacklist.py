"""The blacklist (messaging.services.blacklist, messaging.selectors): one row per number whoever adds
it twice, and another team's entry is not found. That sends skip blacklisted numbers is tested with
the send rules (tests/messaging/test_send_rules.py), opt-out replies with inbound (test_inbound_concat)."""

import pytest

from core.errors import NotFound
from messaging.models import BlacklistEntry, BlacklistSource
from messaging.selectors import blacklist_get, blacklist_list, blacklisted_numbers
from messaging.services.blacklist import blacklist_add, blacklist_remove
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return TeamFactory(default_country="EE")


@pytest.fixture
def other():
    return TeamFactory()


def test_blacklist_add_twice_keeps_one_row_and_remove_is_scoped(team, other):
    first = blacklist_add(team=team, number="5555 5555", source=BlacklistSource.WEB)
    again = blacklist_add(team=team, number="+37255555555", source=BlacklistSource.API)
    assert first.pk == again.pk and BlacklistEntry.objects.count() == 1 and again.source == BlacklistSource.WEB
    with pytest.raises(NotFound):
        blacklist_remove(entry=first, team=other)
    blacklist_remove(entry=first, team=team)
    assert not BlacklistEntry.objects.exists()


def test_an_entry_of_another_team_or_a_malformed_id_is_not_found(team, other):
    entry = blacklist_add(team=team, number="+37255555555")
    assert blacklist_get(team=team, entry_id=entry.pk) == entry
    for team_, entry_id in [(other, entry.pk), (team, "abc"), (team, "-1")]:
        with pytest.raises(NotFound):
            blacklist_get(team=team_, entry_id=entry_id)


def test_which_numbers_are_blacklisted_and_the_search(team, other):
    blacklist_add(team=team, number="+37255555555")
    blacklist_add(team=other, number="+37256666666")
    assert blacklisted_numbers(team=team, numbers=["+37255555555", "+37256666666", "+37255555555"]) == {"+37255555555"}
    assert [e.number for e in blacklist_list(team=team, search="+3725555")] == ["+37255555555"]
    assert not blacklist_list(team=team, search="3725666").exists()
