"""A hostile CSV cannot make the import's pages huge or slow: columns, shown cells and the report are bounded."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts import csv_import
from contacts.models import ContactImport, ImportStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE_LIMIT = 1_000_000  # bytes of HTML: a preview page stays well under this


@pytest.fixture
def owner(client):
    owner = UserFactory(team__default_country="EE")
    client.force_login(owner)
    return owner


def test_a_file_of_100000_columns_is_refused_at_upload_beside_the_file(client, owner):
    data = ("number," + ",".join(f"c{i}" for i in range(100_000)) + "\n+37255555501" + ",x" * 100_000 + "\n").encode()
    assert 0.5e6 < len(data) < 1.5e6
    response = client.post("/contacts/import/", {"file": SimpleUploadedFile("wide.csv", data), "kind": "contacts"})
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "Row 1 has 100,001 columns; at most 250 can be imported. Remove the columns you don't need and upload it again."
    ]
    assert len(response.content) < PAGE_LIMIT
    assert not ContactImport.objects.exists()


def test_the_widest_file_allowed_with_long_cells_previews_in_a_small_page(client, owner):
    width = csv_import.MAX_COLUMNS
    header = ",".join(["number", *(f"field {i} " + "h" * 500 for i in range(width - 1))])
    rows = [",".join([f"+3725555550{n}", *("v" * 2000 for _ in range(width - 1))]) for n in range(10)]
    data = "\n".join([header, *rows]).encode()
    response = client.post("/contacts/import/", {"file": SimpleUploadedFile("big.csv", data), "kind": "contacts"})
    imp = ContactImport.objects.get()
    assert response.url == f"/contacts/import/{imp.pk}/"
    preview = client.get(response.url)
    assert preview.status_code == 200 and len(preview.content) < PAGE_LIMIT
    shown = preview.context["preview"]
    assert len(shown.columns) == width and all(len(c) <= csv_import.SHOWN_CHARS for c in shown.columns)
    assert shown.rows[0].cells[1] == "v" * (csv_import.SHOWN_CHARS - 1) + "…"


def test_an_upload_stored_before_the_bound_still_previews_in_a_small_page(client, owner):
    content = "+37255555501" + ",x" * 100_000 + "\n"
    imp = ContactImport.objects.create(
        team=owner.team, user=owner, content=content, mapping={"number": 0}, record_count=1, total_rows=1
    )
    preview = client.get(f"/contacts/import/{imp.pk}/")
    assert preview.status_code == 200 and len(preview.content) < PAGE_LIMIT
    assert len(preview.context["preview"].columns) == csv_import.MAX_COLUMNS


def test_the_skipped_rows_report_keeps_a_short_value(owner, django_capture_on_commit_callbacks):
    imp = csv_import.contact_import_create(actor=owner, data=b"number\n" + b"9" * 50_000 + b"\n+37255555501\n")
    with django_capture_on_commit_callbacks(execute=True):
        csv_import.contact_import_start(actor=owner, contact_import=imp)
    imp.refresh_from_db()
    assert imp.status == ImportStatus.DONE and imp.created_count == 1
    [error] = imp.errors
    assert error["row"] == 2 and len(error["value"]) == csv_import.SHOWN_CHARS
