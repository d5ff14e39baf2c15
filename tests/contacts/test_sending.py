"""Sending to groups: recipients resolved once, duplicates removed, texts personalised, one batch,
and the blacklist left to the engine."""

from decimal import Decimal

import pytest

from contacts import services
from contacts.sending import group_send
from core.errors import NotFound, ValidationFailed
from messaging.models import Batch, BlacklistSource, Message, Status
from messaging.services.blacklist import blacklist_add
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def call(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return group_send(source="test", **kwargs)

    return call


@pytest.fixture
def people(user):
    team = user.team
    staff, vip = services.group_create(team=team, name="Staff"), services.group_create(team=team, name="VIP")
    mari = services.contact_create(
        team=team, number="+37255555501", first_name="Mari", title="Dr", fields={"code": "A1"}, groups=[staff, vip]
    )
    jaan = services.contact_create(team=team, number="+37255555502", first_name="Jaan", groups=[staff])
    return staff, vip, mari, jaan


def test_duplicates_removed_texts_personalised_and_one_batch(user, send, people):
    staff, vip, mari, _ = people
    result = send(
        actor=user,
        group_ids=[staff.pk, vip.pk],
        contact_ids=[mari.pk],
        numbers=["+37255555501", "55555502", "+37255555599"],  # two of them are contacts already
        text="Hi %title% %first_name%, code %code%.",
    )
    assert Batch.objects.count() == 1 and result.batch.total == 3
    texts = dict(Message.objects.values_list("recipient", "text"))
    assert texts == {
        "+37255555501": "Hi Dr Mari, code A1.",
        "+37255555502": "Hi  Jaan, code .",
        "+37255555599": "Hi  , code .",
    }
    user.refresh_from_db()
    assert user.balance == Decimal(97)


def test_a_loose_number_of_a_contact_is_personalised_as_that_contact(user, send, people):
    send(actor=user, numbers=["+37255555501"], text="Hello %first_name%")
    assert Message.objects.get().text == "Hello Mari"


def test_blacklisted_numbers_are_handled_by_the_engine(user, send, people):
    staff, _, mari, jaan = people
    blacklist_add(team=user.team, number=jaan.number, source=BlacklistSource.WEB)
    result = send(actor=user, group_ids=[staff.pk], text="Sale!")
    statuses = dict(Message.objects.values_list("recipient", "status"))
    assert statuses[jaan.number] == Status.BLACKLISTED and statuses[mari.number] != Status.BLACKLISTED
    assert result.cost == Decimal(1)


def test_template_text_and_invalid_numbers_are_reported_by_message_send(user, send, people):
    template = services.template_create(team=user.team, name="T", text="Dear %first_name%")
    result = send(actor=user, group_ids=[people[0].pk], numbers=["12"], template_id=template.pk)
    assert sorted(Message.objects.values_list("text", flat=True)) == ["Dear Jaan", "Dear Mari"]
    assert [(r.number, r.status) for r in result.rejected] == [("12", Status.INVALID_ROUTING)]


def test_other_teams_groups_contacts_and_templates_are_not_found(user, send, people):
    stranger = UserFactory(credits=10)
    staff, _, mari, _ = people
    template = services.template_create(team=user.team, name="T", text="x")
    for kwargs in [{"group_ids": [staff.pk]}, {"contact_ids": [mari.pk]}, {"template_id": template.pk, "text": ""}]:
        with pytest.raises(NotFound):
            send(actor=stranger, **{"text": "hi", **kwargs})
    assert not Message.objects.exists()


def test_nothing_to_send_is_a_validation_error(user, send, people):
    with pytest.raises(ValidationFailed) as no_text:
        send(actor=user, group_ids=[people[0].pk], text=" ")
    assert no_text.value.field == "text"
    empty = services.group_create(team=user.team, name="Empty")
    with pytest.raises(ValidationFailed) as nobody:
        send(actor=user, group_ids=[empty.pk], text="Hi")
    assert nobody.value.field == "recipients"


def test_one_message_send_call_whatever_the_group_size(monkeypatch, django_assert_max_num_queries):
    user = UserFactory(credits=1000)
    group = services.group_create(team=user.team, name="Big")
    ids = [services.contact_create(team=user.team, number=f"+3725550{i:04d}").pk for i in range(300)]
    services.group_contacts_add(team=user.team, group=group, contact_ids=ids)
    import contacts.sending

    calls = []
    real = contacts.sending.message_send
    monkeypatch.setattr(contacts.sending, "message_send", lambda **kw: calls.append(kw) or real(**kw))
    with django_assert_max_num_queries(40):
        result = group_send(actor=user, group_ids=[group.pk], text="Hi %first_name%", source="test")
    assert len(calls) == 1 and len(calls[0]["recipients"]) == 300 and result.batch.total == 300
