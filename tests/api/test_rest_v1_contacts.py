"""REST API v1 contacts, groups and templates (seed 001): documented shapes and errors, another
team's ids, membership endpoints, and flat query counts on the lists."""

import pytest

from contacts import services
from contacts.models import Contact, Group, Membership, Template
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
BASE = "/api/rest/v1"
PAGE_KEYS = {"links", "page", "pageSize", "elements", "totalElements", "totalPages"}


@pytest.fixture
def owner():
    return UserFactory(email="owner@a.test")


@pytest.fixture
def call(api, auth):
    def request(method, path, body=None, **kwargs):
        return getattr(api, method)(f"{BASE}/{path}", body, format="json", **auth, **kwargs)

    return request


@pytest.fixture
def stranger_objects():
    stranger = UserFactory()
    team = stranger.team
    return {
        "contact": services.contact_create(team=team, number="+37255555599"),
        "group": services.group_create(team=team, name="Theirs"),
        "template": services.template_create(team=team, name="Theirs", text="x"),
    }


def error_shape(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert {"code", "status", "message", "developerMessage", "moreInfoUrl"} <= set(body)
    assert body["code"] == status and body["moreInfoUrl"] is None
    if field:
        assert field in body["errors"], body
    return body


# Contacts


def test_contact_create_returns_the_documented_shape(call, team):
    response = call(
        "post",
        "contacts/create",
        {"firstName": "Mari", "lastName": "Tamm", "contactId": "ignored", "contactNumber": "5555 5555", "title": "Dr"},
    )
    assert response.status_code == 200, response.content
    contact = Contact.objects.get()
    assert response.json() == {
        "contactId": str(contact.pk),
        "contactNumber": "+37255555555",
        "firstName": "Mari",
        "lastName": "Tamm",
        "title": "Dr",
        "links": [],
    }
    assert contact.team == team


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"firstName": "x"}, "contactNumber", "This field is required."),
        ({"contactNumber": "12"}, "contactNumber", "Invalid number"),
        ({"contactNumber": "+37255555555", "firstName": "x" * 101}, "firstName", None),
        ({"contactNumber": "+37255555555", "title": "x" * 51}, "title", None),
    ],
)
def test_contact_create_errors_name_the_documented_field(call, body, field, message):
    response = call("post", "contacts/create", body)
    payload = error_shape(response, 400, field)
    assert payload["status"] == "BAD_REQUEST"
    if message:
        assert payload["errors"][field] == [message]
    assert not Contact.objects.exists()


def test_contact_create_with_a_number_already_used_is_400(call, team):
    services.contact_create(team=team, number="+37255555555")
    payload = error_shape(call("post", "contacts/create", {"contactNumber": "+37255555555"}), 400, "contactNumber")
    assert "already exists" in payload["message"]


def test_contact_get_update_delete(call, team):
    contact = services.contact_create(team=team, number="+37255555555", first_name="Mari", last_name="Tamm")
    assert call("get", f"contacts/{contact.pk}").json()["firstName"] == "Mari"
    updated = call("post", f"contacts/{contact.pk}", {"lastName": "Kask", "contactNumber": "+37255555556"})
    assert updated.status_code == 200
    assert updated.json() == {
        "contactId": str(contact.pk),
        "contactNumber": "+37255555556",
        "firstName": "Mari",
        "lastName": "Kask",
        "title": "",
        "links": [],
    }
    error_shape(call("post", f"contacts/{contact.pk}", {"contactNumber": "nope"}), 400, "contactNumber")
    deleted = call("delete", f"contacts/{contact.pk}")
    assert deleted.status_code == 204 and not deleted.content
    error_shape(call("get", f"contacts/{contact.pk}"), 404, "contactId")


def test_contacts_all_is_paginated(call, team):
    for i in range(5):
        services.contact_create(team=team, number=f"+3725555550{i}")
    body = call("get", "contacts/all?page=2&pageSize=2").json()
    assert set(body) == PAGE_KEYS | {"webServiceContacts"}
    assert (body["page"], body["pageSize"], body["elements"], body["totalElements"], body["totalPages"]) == (
        2,
        2,
        2,
        5,
        3,
    )
    assert [c["contactNumber"] for c in body["webServiceContacts"]] == ["+37255555502", "+37255555501"]
    assert call("get", "contacts/all?pageSize=5000").json()["pageSize"] == 1000
    assert call("get", "contacts/all").json()["pageSize"] == 100
    error_shape(call("get", "contacts/all?page=x"), 400, "page")


def test_contact_group_membership_endpoints(call, team):
    contact = services.contact_create(team=team, number="+37255555555")
    group = services.group_create(team=team, name="VIP")
    for method in ("get", "post"):  # documented as GET or POST; adding twice is harmless
        response = call(method, f"contacts/{contact.pk}/addToGroup/{group.pk}")
        assert response.status_code == 200 and response.json()["contactId"] == str(contact.pk)
    assert Membership.objects.filter(group=group, contact=contact).count() == 1
    # addFromGroup removes the contact from the group, as the seed describes it.
    assert call("get", f"contacts/{contact.pk}/addFromGroup/{group.pk}").status_code == 200
    assert not Membership.objects.exists()
    call("post", f"contacts/{contact.pk}/addToGroup/{group.pk}")
    assert call("post", f"contacts/{contact.pk}/removeFromGroup/{group.pk}").status_code == 200
    assert not Membership.objects.exists()


# Groups


def test_groups_create_get_update_delete(call, team):
    response = call("post", "groups/create", {"name": "Staff", "groupId": ""})
    group = Group.objects.get()
    assert response.json() == {"groupId": str(group.pk), "name": "Staff", "links": []}
    assert call("get", f"groups/{group.pk}").json()["name"] == "Staff"
    assert call("post", f"groups/{group.pk}", {"name": "Crew"}).json()["name"] == "Crew"
    error_shape(call("post", "groups/create", {"name": "Crew"}), 400, "name")
    error_shape(call("post", "groups/create", {}), 400, "name")
    contact = services.contact_create(team=team, number="+37255555555", groups=[group])
    assert call("delete", f"groups/{group.pk}").status_code == 204
    assert Contact.objects.filter(pk=contact.pk).exists() and not Group.objects.exists()


def test_groups_all_and_group_contact_endpoints(call, team):
    groups = [services.group_create(team=team, name=f"G{i}") for i in range(3)]
    body = call("get", "groups/all?pageSize=2").json()
    assert set(body) == PAGE_KEYS | {"webServiceGroups"}
    assert [g["name"] for g in body["webServiceGroups"]] == ["G0", "G1"] and body["totalPages"] == 2
    contact = services.contact_create(team=team, number="+37255555555")
    response = call("get", f"groups/{groups[0].pk}/addContact/{contact.pk}")
    assert response.json() == {"groupId": str(groups[0].pk), "name": "G0", "links": []}
    assert call("post", f"groups/{groups[0].pk}/addContact/{contact.pk}").status_code == 200
    assert Membership.objects.count() == 1
    assert call("post", f"groups/{groups[0].pk}/removeContact/{contact.pk}").status_code == 200
    assert call("get", f"groups/{groups[0].pk}/removeContact/{contact.pk}").status_code == 200
    assert not Membership.objects.exists()


# Templates


def test_templates_create_get_update_delete_and_list(call, team):
    response = call("post", "templates/create", {"name": "Promo", "data": "Hi %first_name%"})
    template = Template.objects.get()
    assert response.json() == {"templateId": template.pk, "name": "Promo", "data": "Hi %first_name%", "links": []}
    assert isinstance(response.json()["templateId"], int)
    assert call("get", f"templates/{template.pk}").json()["data"] == "Hi %first_name%"
    assert call("post", f"templates/{template.pk}", {"data": "Bye"}).json() == {
        "templateId": template.pk,
        "name": "Promo",
        "data": "Bye",
        "links": [],
    }
    error_shape(call("post", "templates/create", {"name": "X", "data": ""}), 400, "data")
    error_shape(call("post", "templates/create", {"name": "X", "data": "x" * 1601}), 400, "data")
    error_shape(call("post", "templates/create", {"data": "x"}), 400, "name")
    body = call("get", "templates/all").json()
    assert set(body) == PAGE_KEYS | {"webServiceTemplates"} and body["totalElements"] == 1
    assert call("delete", f"templates/{template.pk}").status_code == 204
    error_shape(call("get", f"templates/{template.pk}"), 404, "templateId")


# Every endpoint, another team's ids


def test_other_teams_ids_are_404_on_every_endpoint(call, team, stranger_objects):
    contact, group, template = (stranger_objects[k].pk for k in ("contact", "group", "template"))
    mine_contact = services.contact_create(team=team, number="+37255555555").pk
    mine_group = services.group_create(team=team, name="Mine").pk
    cases = [
        ("get", f"contacts/{contact}", "contactId"),
        ("post", f"contacts/{contact}", "contactId"),
        ("delete", f"contacts/{contact}", "contactId"),
        ("get", f"contacts/{contact}/addToGroup/{mine_group}", "contactId"),
        ("post", f"contacts/{mine_contact}/addToGroup/{group}", "groupId"),
        ("post", f"contacts/{mine_contact}/addFromGroup/{group}", "groupId"),
        ("post", f"contacts/{mine_contact}/removeFromGroup/{group}", "groupId"),
        ("get", f"groups/{group}", "groupId"),
        ("post", f"groups/{group}", "groupId"),
        ("delete", f"groups/{group}", "groupId"),
        ("get", f"groups/{group}/addContact/{mine_contact}", "groupId"),
        ("post", f"groups/{mine_group}/addContact/{contact}", "contactId"),
        ("post", f"groups/{mine_group}/removeContact/{contact}", "contactId"),
        ("get", f"templates/{template}", "templateId"),
        ("post", f"templates/{template}", "templateId"),
        ("delete", f"templates/{template}", "templateId"),
        ("get", "contacts/abc", "contactId"),
        ("get", "groups/0", "groupId"),
    ]
    for method, path, field in cases:
        body = error_shape(call(method, path, {"name": "x", "contactNumber": "+37255555598"}), 404, field)
        assert body["status"] == "NOT_FOUND", path
    # Nothing of theirs changed, nothing of mine joined anything of theirs.
    assert not Membership.objects.exists()
    assert Contact.objects.filter(pk=contact, number="+37255555599").exists()
    assert Group.objects.filter(pk=group, name="Theirs").exists() and Template.objects.filter(pk=template).exists()
    for path, key in [("contacts/all", "webServiceContacts"), ("groups/all", "webServiceGroups")]:
        assert len(call("get", path).json()[key]) == 1
    assert call("get", "templates/all").json()["webServiceTemplates"] == []


def test_authentication_is_required(api):
    response = api.get(f"{BASE}/contacts/all")
    error_shape(response, 401)


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("contacts/all", lambda team, i: services.contact_create(team=team, number=f"+372555{i:05d}")),
        ("groups/all", lambda team, i: services.group_create(team=team, name=f"G{i}")),
        ("templates/all", lambda team, i: services.template_create(team=team, name=f"T{i}", text="x")),
    ],
)
def test_list_query_counts_stay_flat(call, team, path, make, django_assert_max_num_queries):
    make(team, 0)
    with django_assert_max_num_queries(100) as few:
        call("get", path)
    for i in range(1, 60):
        make(team, i)
    with django_assert_max_num_queries(len(few)):
        response = call("get", path)
    assert response.json()["totalElements"] == 60
