"""Keyword auto-replies: matched on the first word, answered through message_send, sender grouped."""

from datetime import UTC, datetime

import pytest

from accounts.models import Role
from contacts.keywords import keyword_create, keyword_update
from contacts.models import Contact
from contacts.services import group_create
from core.errors import ManyProblems
from messaging.gateways.base import InboundSms
from messaging.models import Direction, Message
from messaging.services import Recipient, message_send
from messaging.services.inbound import inbound_receive
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory(credits=10, email="owner@kw.test")


def _conversation(owner, text, number="+37255550001"):
    message_send(actor=owner, recipients=[Recipient(number=number)], text="Our offer", source="dashboard")
    return inbound_receive(sms=InboundSms(sender=number, to="", text=text, at=datetime.now(UTC)))


def test_a_keyword_answers_charges_and_joins_the_group(owner, django_capture_on_commit_callbacks):
    group = group_create(team=owner.team, name="Club")
    keyword_create(actor=owner, word="join", reply_text="Welcome to the club!", group=group)
    owner.refresh_from_db()
    before = owner.balance
    with django_capture_on_commit_callbacks(execute=True):
        _conversation(owner, "Join please")
    reply = Message.objects.get(text="Welcome to the club!")
    assert reply.direction == Direction.OUT and reply.recipient == "+37255550001"
    owner.refresh_from_db()
    assert owner.balance == before - 2 * reply.price  # the offer and the keyword reply
    assert Contact.objects.get(team=owner.team, number="+37255550001").groups.filter(pk=group.pk).exists()


def test_no_keyword_no_reply_and_another_teams_keyword_is_not_ours(owner):
    other = UserFactory(email="other@kw.test")
    keyword_create(actor=other, word="INFO", reply_text="Other team's info")
    _conversation(owner, "info?")  # "INFO?" is not "INFO"
    _conversation(owner, "INFO")
    assert not Message.objects.filter(text="Other team's info").exists()


def test_a_reply_without_credits_is_skipped_and_the_inbound_kept(owner):
    keyword_create(actor=owner, word="INFO", reply_text="x" * 10)
    owner.credits = 0
    message_send(actor=owner, recipients=[Recipient(number="+37255550001")], text="Hi", source="dashboard")
    type(owner).objects.filter(pk=owner.pk).update(balance=0)
    inbound = inbound_receive(sms=InboundSms(sender="+37255550001", to="", text="info", at=datetime.now(UTC)))
    assert inbound is not None and not Message.objects.filter(text="x" * 10).exists()


def test_keywords_are_checked_all_at_once_and_opt_out_words_refused(owner):
    with pytest.raises(ManyProblems) as refused:
        keyword_create(actor=owner, word="STOP", reply_text=" ")
    assert dict(refused.value.problems).keys() == {"word", "reply_text"}
    assert "opt-out" in dict(refused.value.problems)["word"]
    keyword_create(actor=owner, word="info", reply_text="Hours: 9-17")
    with pytest.raises(ManyProblems):
        keyword_create(actor=owner, word="INFO", reply_text="again")


def test_the_keywords_page_for_owners_only(client, owner):
    client.force_login(owner)
    response = client.post("/keywords/", {"word": "two words", "reply_text": ""})
    page = response.content.decode()
    assert "one word" in page and "Enter the reply text." in page  # both errors at once
    response = client.post("/keywords/", {"word": "hours", "reply_text": "9-17"})
    assert response.status_code == 302 and "HOURS" in client.get("/keywords/").content.decode()
    client.force_login(UserFactory(team=owner.team, role=Role.MEMBER, email="m@kw.test"))
    assert client.get("/keywords/").status_code == 403


def test_a_keyword_is_changed_by_the_rules_of_a_new_one(owner, django_capture_on_commit_callbacks):
    club = group_create(team=owner.team, name="Club")
    info = keyword_create(actor=owner, word="info", reply_text="Hours: 9-17")
    keyword_create(actor=owner, word="join", reply_text="Welcome")
    with pytest.raises(ManyProblems) as refused:
        keyword_update(actor=owner, keyword=info, word="Join", reply_text="")
    assert dict(refused.value.problems) == {
        "word": "The team already has the keyword JOIN.",
        "reply_text": "Enter the reply text.",
    }
    keyword_update(actor=owner, keyword=info, word="hours", reply_text=" Open 9-18 ", group=club)
    info.refresh_from_db()
    assert (info.word, info.reply_text, info.group) == ("HOURS", "Open 9-18", club)
    keyword_update(actor=owner, keyword=info, word="HOURS", reply_text="Open 9-19")  # its own word is no clash

    with django_capture_on_commit_callbacks(execute=True):
        _conversation(owner, "Hours today")
    assert Message.objects.filter(direction=Direction.OUT, text="Open 9-19").exists()


def test_the_keyword_page_changes_one_for_owners_only_and_never_another_teams(client, owner):
    keyword = keyword_create(actor=owner, word="info", reply_text="Hours: 9-17")
    client.force_login(owner)
    assert 'value="INFO"' in client.get(f"/keywords/{keyword.pk}/").content.decode()
    bad = client.post(f"/keywords/{keyword.pk}/", {"word": "stop", "reply_text": "x"})
    assert "opt-out word" in bad.content.decode()
    ok = client.post(f"/keywords/{keyword.pk}/", {"word": "times", "reply_text": "Open 9-18"})
    assert ok.status_code == 302 and ok.url == "/keywords/"
    keyword.refresh_from_db()
    assert (keyword.word, keyword.reply_text) == ("TIMES", "Open 9-18")
    client.force_login(UserFactory(team=owner.team, role=Role.MEMBER, email="m@kw.test"))
    assert client.get(f"/keywords/{keyword.pk}/").status_code == 403
    client.force_login(UserFactory(email="other@kw.test"))
    assert client.get(f"/keywords/{keyword.pk}/").status_code == 404
    assert client.post(f"/keywords/{keyword.pk}/", {"word": "mine", "reply_text": "x"}).status_code == 404
    keyword.refresh_from_db()
    assert keyword.word == "TIMES"
