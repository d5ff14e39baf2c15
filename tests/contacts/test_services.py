"""Contacts, groups and templates services: the rules, and team scoping."""

from decimal import Decimal

import pytest

from contacts import selectors, services
from contacts.models import Contact, Membership
from core.errors import NotFound, ValidationFailed
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return TeamFactory(default_country="EE")


@pytest.fixture
def other():
    return TeamFactory()


def test_contact_number_is_e164_with_the_team_country_and_unique_per_team(team, other):
    contact = services.contact_create(team=team, number="5555 5555", first_name=" Mari ", fields={"city": "Tartu"})
    assert contact.number == "+37255555555" and contact.first_name == "Mari"
    assert contact.fields == {"city": "Tartu"}
    with pytest.raises(ValidationFailed) as taken:
        services.contact_create(team=team, number="+37255555555")
    assert taken.value.field == "number" and "already exists" in taken.value.message
    # Another team may hold the same number.
    assert services.contact_create(team=other, number="+37255555555").team == other


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"number": "12"}, "number"),
        ({"number": ""}, "number"),
        ({"number": "+37255555555", "email": "not-an-email"}, "email"),
        ({"number": "+37255555555", "first_name": "x" * 101}, "first_name"),
        ({"number": "+37255555555", "fields": {"bad key": "x"}}, "fields"),
        ({"number": "+37255555555", "fields": {"first_name": "x"}}, "fields"),
        ({"number": "+37255555555", "fields": ["a"]}, "fields"),
    ],
)
def test_contact_validation_names_the_field(team, kwargs, field):
    with pytest.raises(ValidationFailed) as error:
        services.contact_create(team=team, **kwargs)
    assert error.value.field == field
    assert not Contact.objects.exists()


def test_contact_update_changes_only_what_is_given(team):
    contact = services.contact_create(team=team, number="+37255555555", first_name="Mari", last_name="Tamm")
    services.contact_create(team=team, number="+37255555556")
    services.contact_update(team=team, contact=contact, last_name="Kask")
    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name) == ("Mari", "Kask")
    with pytest.raises(ValidationFailed):
        services.contact_update(team=team, contact=contact, number="+37255555556")
    services.contact_update(team=team, contact=contact, number="+37255555555")  # its own number is fine


def test_group_membership_is_idempotent_and_scoped(team, other):
    group = services.group_create(team=team, name="VIP")
    mine = services.contact_create(team=team, number="+37255555555")
    theirs = services.contact_create(team=other, number="+37255555555")
    assert services.group_contact_add(team=team, group=group, contact=mine) is True
    assert services.group_contact_add(team=team, group=group, contact=mine) is False
    assert Membership.objects.count() == 1
    # Team B's contact cannot enter team A's group, whichever team the caller claims.
    with pytest.raises(NotFound):
        services.group_contact_add(team=team, group=group, contact=theirs)
    with pytest.raises(NotFound):
        services.group_contact_add(team=other, group=group, contact=theirs)
    with pytest.raises(NotFound):
        services.group_contacts_add(team=team, group=group, contact_ids=[mine.pk, theirs.pk])
    assert Membership.objects.count() == 1
    assert services.group_contact_remove(team=team, group=group, contact=mine) is True
    assert services.group_contact_remove(team=team, group=group, contact=mine) is False


def test_bulk_add_remove_and_delete(team):
    group = services.group_create(team=team, name="All")
    ids = [services.contact_create(team=team, number=f"+3725555550{i}").pk for i in range(5)]
    assert services.group_contacts_add(team=team, group=group, contact_ids=ids[:3]) == 3
    assert services.group_contacts_add(team=team, group=group, contact_ids=ids) == 2
    assert services.group_contacts_remove(team=team, group=group, contact_ids=ids[:2]) == 2
    assert services.contact_bulk_delete(team=team, contact_ids=ids[:4]) == 4
    assert list(Contact.objects.values_list("pk", flat=True)) == [ids[4]]
    assert Membership.objects.count() == 1


def test_group_names_are_unique_per_team_and_delete_keeps_contacts(team, other):
    group = services.group_create(team=team, name="Staff")
    services.group_create(team=other, name="Staff")
    with pytest.raises(ValidationFailed) as error:
        services.group_create(team=team, name=" Staff ")
    assert error.value.field == "name"
    with pytest.raises(ValidationFailed):
        services.group_create(team=team, name="")
    contact = services.contact_create(team=team, number="+37255555555", groups=[group])
    services.group_delete(team=team, group=group)
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_contact_update_replaces_groups_of_the_team_only(team, other):
    a, b = services.group_create(team=team, name="A"), services.group_create(team=team, name="B")
    foreign = services.group_create(team=other, name="X")
    contact = services.contact_create(team=team, number="+37255555555", groups=[a])
    services.contact_update(team=team, contact=contact, groups=[b])
    assert list(contact.groups.all()) == [b]
    with pytest.raises(NotFound):
        services.contact_update(team=team, contact=contact, groups=[foreign])


def test_template_variables_and_quote_are_derived(team):
    template = services.template_create(team=team, name="Hi", text="Hello %first_name%, your code is %code%")
    assert template.variables == ["first_name", "code"]
    quote = template.quote()
    assert quote.analysis.segments == 1 and quote.credits == Decimal(1)
    services.template_update(team=team, template=template, text="€" * 100)  # extension characters count double
    assert template.quote().analysis.segments == 2 and template.quote().credits == Decimal(2)
    with pytest.raises(ValidationFailed) as error:
        services.template_update(team=team, template=template, text="   ")
    assert error.value.field == "text"
    with pytest.raises(ValidationFailed):
        services.template_create(team=team, name="Long", text="x" * 1601)


def test_selectors_refuse_other_teams_and_malformed_ids(team, other):
    contact = services.contact_create(team=team, number="+37255555555")
    group = services.group_create(team=team, name="G")
    template = services.template_create(team=team, name="T", text="x")
    for getter, kwargs in [
        (selectors.contact_get, {"contact_id": contact.pk}),
        (selectors.group_get, {"group_id": group.pk}),
        (selectors.template_get, {"template_id": template.pk}),
    ]:
        assert getter(team=team, **kwargs).pk == next(iter(kwargs.values()))
        with pytest.raises(NotFound):
            getter(team=other, **kwargs)
        with pytest.raises(NotFound):
            getter(team=team, **{next(iter(kwargs)): "abc"})
        with pytest.raises(NotFound):
            getter(team=team, **{next(iter(kwargs)): "-1"})


def test_contact_search(team):
    services.contact_create(team=team, number="+37255555555", first_name="Mari", email="mari@example.com")
    services.contact_create(team=team, number="+37256666666", last_name="Kask")
    assert selectors.contact_list(team=team, search="mari").count() == 1
    assert selectors.contact_list(team=team, search="+3725666").count() == 1
    assert selectors.contact_list(team=team, search="kask").count() == 1
    assert selectors.contact_list(team=team, search="nobody").count() == 0
