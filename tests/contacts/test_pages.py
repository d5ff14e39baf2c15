"""Dashboard pages of contacts, groups, templates, blacklist, import/export and group sending."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse

from contacts import services
from contacts.models import Contact, ContactImport, ImportStatus, Membership, Template
from messaging.models import BlacklistEntry, Message
from messaging.services.blacklist import blacklist_add
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, owner):
    client.force_login(owner)
    return client


def test_pages_need_a_login(client):
    for url in ["/contacts/", "/groups/", "/templates/", "/blacklist/", "/contacts/import/", "/groups/send/"]:
        assert client.get(url).url.startswith("/login/")


def test_contact_create_shows_errors_beside_fields_then_saves(page, team):
    group = services.group_create(team=team, name="VIP")
    bad = page.post("/contacts/new/", {"number": "12", "email": "nope", "custom_fields": "no equals sign"})
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"custom_fields"}  # shape first; the service is not called
    bad = page.post("/contacts/new/", {"number": "12", "custom_fields": "city = Tartu"})
    assert bad.context["form"].errors["number"] == ["Invalid number"]
    ok = page.post(
        "/contacts/new/",
        {"number": "5555 5555", "first_name": "Mari", "custom_fields": "city = Tartu", "groups": [group.pk]},
    )
    assert ok.status_code == 302
    contact = Contact.objects.get()
    assert contact.number == "+37255555555" and contact.fields == {"city": "Tartu"}
    assert list(contact.groups.all()) == [group]
    taken = page.post("/contacts/new/", {"number": "+37255555555"})
    assert "already exists" in taken.context["form"].errors["number"][0]
    wrong_key = page.post("/contacts/new/", {"number": "+37255555556", "custom_fields": "first_name = x"})
    assert "built-in" in wrong_key.context["form"].errors["custom_fields"][0]


def test_contact_edit_and_delete(page, team):
    contact = services.contact_create(team=team, number="+37255555555", first_name="Mari", fields={"a": "1"})
    form = page.get(f"/contacts/{contact.pk}/").context["form"]
    assert form.initial["custom_fields"] == "a = 1"
    response = page.post(f"/contacts/{contact.pk}/", {"number": "+37255555555", "first_name": "Maria"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.first_name == "Maria" and contact.fields == {}
    assert page.get(f"/contacts/{contact.pk}/delete/").status_code == 200
    assert page.post(f"/contacts/{contact.pk}/delete/").status_code == 302
    assert not Contact.objects.exists()


def test_contact_list_searches_pages_and_stays_flat_in_queries(page, team, django_assert_max_num_queries):
    group = services.group_create(team=team, name="G")
    for i in range(60):
        contact = services.contact_create(team=team, number=f"+372555555{i:02d}", first_name=f"Name{i}")
        services.group_contact_add(team=team, group=group, contact=contact)
    with django_assert_max_num_queries(12):
        response = page.get("/contacts/")
    assert len(response.context["page_obj"]) == 50
    assert len(page.get("/contacts/", {"page": 2}).context["page_obj"]) == 10
    assert page.get("/contacts/", {"q": "Name59"}).context["page_obj"].paginator.count == 1
    assert page.get("/contacts/", {"group": group.pk}).context["page_obj"].paginator.count == 60


def test_bulk_actions(page, team):
    group = services.group_create(team=team, name="G")
    ids = [services.contact_create(team=team, number=f"+3725555550{i}").pk for i in range(4)]
    page.post("/contacts/", {"ids": ids[:3], "action": "add_to_group", "group": group.pk})
    assert Membership.objects.count() == 3
    page.post("/contacts/", {"ids": ids[:1], "action": "remove_from_group", "group": group.pk})
    assert Membership.objects.count() == 2
    page.post("/contacts/", {"ids": ids[:2], "action": "delete", "confirmed": "yes"})
    assert Contact.objects.count() == 2
    response = page.post("/contacts/", {"action": "delete"}, follow=True)
    assert b"Select at least one contact." in response.content


def test_groups_pages(page, team):
    assert page.post("/groups/", {"name": ""}).context["form"].errors["name"]
    response = page.post("/groups/", {"name": "Staff"})
    group = team.contact_groups.get()
    assert response.url == f"/groups/{group.pk}/"
    contact = services.contact_create(team=team, number="+37255555555", groups=[group])
    detail = page.get(f"/groups/{group.pk}/")
    assert contact.number.encode() in detail.content
    assert page.get("/groups/").context["page_obj"][0].contact_count == 1
    page.post(f"/groups/{group.pk}/", {"action": "rename", "name": "Crew"})
    group.refresh_from_db()
    assert group.name == "Crew"
    page.post(f"/groups/{group.pk}/", {"action": "remove", "contact_id": contact.pk})
    assert not Membership.objects.exists()
    page.post(f"/groups/{group.pk}/", {"action": "delete"})
    assert not team.contact_groups.exists() and Contact.objects.exists()


def test_templates_pages_show_variables_and_quote(page, team):
    assert page.post("/templates/new/", {"name": "T", "text": "  "}).context["form"].errors["text"]
    response = page.post("/templates/new/", {"name": "Promo", "text": "Hi %first_name%, use %code%"})
    template = Template.objects.get()
    assert response.url == f"/templates/{template.pk}/"
    edit = page.get(f"/templates/{template.pk}/")
    assert edit.context["variables"] == ["first_name", "code"] and edit.context["quote"].analysis.segments == 1
    assert b"%first_name%" in edit.content
    listing = page.get("/templates/")
    assert b"%code%" in listing.content
    page.post(f"/templates/{template.pk}/", {"name": "Promo", "text": "x" * 200})
    assert page.get(f"/templates/{template.pk}/").context["quote"].analysis.segments == 2
    page.post(f"/templates/{template.pk}/", {"action": "delete"})
    assert not Template.objects.exists()


def test_blacklist_page(page, team):
    assert page.post("/blacklist/", {"action": "add", "number": "abc"}).context["form"].errors["number"]
    page.post("/blacklist/", {"action": "add", "number": "5555 5555"})
    page.post("/blacklist/", {"action": "add", "number": "+37255555555"})
    entry = BlacklistEntry.objects.get()
    assert entry.source == "web" and entry.number.encode() in page.get("/blacklist/").content
    page.post("/blacklist/", {"action": "remove", "entry_id": entry.pk})
    assert not BlacklistEntry.objects.exists()


def test_import_preview_start_progress_and_report(page, team, django_capture_on_commit_callbacks):
    group = services.group_create(team=team, name="Imported")
    upload = SimpleUploadedFile("people.csv", "Mobile;Name\n55555501;Mari\nbad;X\n55555501;Again\n".encode("latin-1"))
    response = page.post("/contacts/import/", {"file": upload, "kind": "contacts", "group": group.pk})
    imp = ContactImport.objects.get()
    assert response.url == f"/contacts/import/{imp.pk}/"
    preview = page.get(response.url)
    assert [r.error for r in preview.context["preview"].rows] == ["", "Invalid number", "Duplicate of row 2"]
    assert preview.context["form"].initial["number"] == "0"
    with django_capture_on_commit_callbacks(execute=True):
        started = page.post(
            response.url, {"action": "start", "number": "0", "first_name": "1", "has_header": "on", "group": group.pk}
        )
    assert started.status_code == 302
    status = page.get(f"/contacts/import/{imp.pk}/status.json").json()
    assert status == {
        "status": "done",
        "progress": 100,
        "processed": 3,
        "total": 3,
        "created": 1,
        "skipped": 2,
        "grouped": 1,
        "finished": True,
        "failure": "",
    }
    report = page.get(response.url)
    assert [e["reason"] for e in report.context["errors"]] == ["Invalid number", "Duplicate of row 2"]
    skipped = page.get(f"/contacts/import/{imp.pk}/skipped.csv")
    assert b"Duplicate of row 2" in b"".join(skipped.streaming_content)


def test_import_upload_errors_are_shown_beside_the_file(page):
    response = page.post("/contacts/import/", {"file": SimpleUploadedFile("e.csv", b""), "kind": "contacts"})
    assert response.context["form"].errors["file"]
    response = page.post("/contacts/import/", {"file": SimpleUploadedFile("e.csv", b"a,b\n"), "kind": "contacts"})
    assert response.context["form"].errors["file"] == ["The file has a header but no rows."]


def test_import_mapping_errors_stay_on_the_preview(page, team):
    page.post(
        "/contacts/import/",
        {"file": SimpleUploadedFile("c.csv", b"number,name\n+37255555501,Mari\n"), "kind": "contacts"},
    )
    imp = ContactImport.objects.get()
    response = page.post(f"/contacts/import/{imp.pk}/", {"action": "start", "number": "0", "first_name": "0"})
    assert response.status_code == 200 and response.context["form"].errors
    imp.refresh_from_db()
    assert imp.status == ImportStatus.UPLOADED


def test_exports_stream_csv(page, team):
    services.contact_create(team=team, number="+37255555555", first_name="=danger")
    blacklist_add(team=team, number="+37255555556")
    services.group_create(team=team, name="G")
    for url, expected in [
        ("/contacts/export.csv", b"'=danger"),
        ("/blacklist/export.csv", b"+37255555556"),
        ("/groups/export.csv", b"G"),
    ]:
        response = page.get(url)
        assert isinstance(response, StreamingHttpResponse) and response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        assert expected in b"".join(response.streaming_content)


def test_group_send_page(page, team, owner, django_capture_on_commit_callbacks):
    group = services.group_create(team=team, name="G")
    services.contact_create(team=team, number="+37255555501", first_name="Mari", groups=[group])
    empty = page.post("/groups/send/", {"groups": [group.pk], "text": ""})
    assert empty.context["form"].errors["text"]
    data = {"groups": [group.pk], "numbers": "+37255555501, +37255555502", "text": "Hi %first_name%"}
    confirm = page.post("/groups/send/", data)
    assert confirm.context["confirm"].recipients == 2 and confirm.context["confirm"].duplicates == ("+37255555501",)
    assert not Message.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = page.post("/groups/send/", {**data, "confirmed": "on", "quoted_cost": "2"})
    assert response.status_code == 302 and response.url.startswith("/batches/")
    assert sorted(Message.objects.values_list("text", flat=True)) == ["Hi ", "Hi Mari"]


def test_another_teams_objects_are_404_on_every_page(page, team):
    stranger = UserFactory()
    theirs = stranger.team
    contact = services.contact_create(team=theirs, number="+37255555555")
    group = services.group_create(team=theirs, name="Theirs")
    template = services.template_create(team=theirs, name="T", text="x")
    entry = blacklist_add(team=theirs, number="+37255555555")
    from contacts.csv_import import contact_import_create

    imp = contact_import_create(actor=stranger, data=b"number\n+37255555555\n")
    for url in [
        f"/contacts/{contact.pk}/",
        f"/contacts/{contact.pk}/delete/",
        f"/groups/{group.pk}/",
        f"/templates/{template.pk}/",
        f"/contacts/import/{imp.pk}/",
        f"/contacts/import/{imp.pk}/status.json",
        f"/contacts/import/{imp.pk}/skipped.csv",
        f"/contacts/?group={group.pk}",
        f"/contacts/export.csv?group={group.pk}",
    ]:
        assert page.get(url).status_code == 404, url
    for url, data in [
        (f"/contacts/{contact.pk}/", {"number": "+37255555555"}),
        (f"/contacts/{contact.pk}/delete/", {}),
        (f"/groups/{group.pk}/", {"action": "delete"}),
        (f"/templates/{template.pk}/", {"action": "delete"}),
        ("/blacklist/", {"action": "remove", "entry_id": entry.pk}),
        (f"/contacts/import/{imp.pk}/", {"action": "start", "number": "0"}),
    ]:
        assert page.post(url, data).status_code == 404, url
    # Their ids in my forms are refused too.
    mine = services.contact_create(team=team, number="+37255555556")
    page.post("/contacts/", {"ids": [mine.pk], "action": "add_to_group", "group": group.pk})
    page.post("/contacts/", {"ids": [contact.pk], "action": "delete", "confirmed": "yes"})
    assert not Membership.objects.exists() and Contact.objects.filter(pk=contact.pk).exists()
    response = page.post("/groups/send/", {"groups": [group.pk], "text": "x"})
    assert response.context["form"].errors["groups"]
    assert Contact.objects.filter(team=theirs).count() == 1 and BlacklistEntry.objects.filter(team=theirs).exists()
    imp.refresh_from_db()
    assert imp.status == ImportStatus.UPLOADED


def test_admin_lists_search_and_filter(client, team):
    from accounts.models import User

    staff = User.objects.create_superuser("admin@a.test", "pw")
    client.force_login(staff)
    group = services.group_create(team=team, name="VIP")
    services.contact_create(team=team, number="+37255555555", first_name="Mari", groups=[group])
    services.template_create(team=team, name="T", text="Hi %first_name%")
    from contacts.csv_import import contact_import_create

    contact_import_create(actor=UserFactory(team=team), data=b"number\n+37255555556\n")
    for url in [
        "/admin/contacts/contact/?q=Mari",
        f"/admin/contacts/contact/?team__id__exact={team.pk}",
        "/admin/contacts/group/?q=VIP",
        "/admin/contacts/template/?q=T",
        "/admin/contacts/contactimport/?status__exact=uploaded",
        f"/admin/contacts/contact/{Contact.objects.get().pk}/change/",
        f"/admin/contacts/contactimport/{ContactImport.objects.get().pk}/change/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert b"Mari" in client.get("/admin/contacts/contact/?q=Mari").content
