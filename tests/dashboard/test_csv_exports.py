"""Every CSV a user can download escapes a formula in every text column, by one rule
(core/csv_safe.py). The last test walks the URL map so a new export cannot skip this."""

import csv
import io

import pytest

from contacts import services
from contacts.models import Contact, ContactImport, Group
from messaging.models import BlacklistEntry, Message
from messaging.services import Recipient, message_send
from messaging.services.blacklist import blacklist_add
from tests.factories import UserFactory
from tests.routes import url_patterns

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.test","x")'


@pytest.fixture
def owner(client):
    owner = UserFactory(credits=10)
    client.force_login(owner)
    return owner


def download(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def assert_escaped(rows: list[list[str]], columns: list[str]) -> None:
    header, *data = rows
    assert data, "nothing exported"
    for column in columns:
        cell = data[0][header.index(column)]
        assert cell.startswith("'") and cell[1:2] in "=+-@\t", (column, cell)


def test_message_history(client, owner):
    message_send(actor=owner, recipients=[Recipient("+37255555555")], text="Hi", source="test")
    Message.objects.update(sender="=cmd|'/C calc'!A0", recipient="+1+1", campaign="@SUM(A1)", text=FORMULA)
    rows = download(client, "/messages/export.csv")
    assert_escaped(rows, ["sender", "recipient", "campaign", "text"])
    assert rows[1][rows[0].index("campaign")] == "'@SUM(A1)"


def test_a_phone_number_stays_usable_in_the_message_history(client, owner):
    message_send(actor=owner, recipients=[Recipient("+37255555555")], text="Hi", source="test")
    header, row = download(client, "/messages/export.csv")
    assert row[header.index("recipient")] == "+37255555555"


def test_contacts(client, owner):
    group = services.group_create(team=owner.team, name="Friends")
    services.contact_create(team=owner.team, number="+37255555555", fields={"city": "x"}, groups=[group])
    Contact.objects.update(
        first_name=FORMULA, last_name="+1", title="-1", email="@x", notes="\t=1", fields={"city": "=1", "=k": "v"}
    )
    Group.objects.update(name="=G()")
    rows = download(client, "/contacts/export.csv")
    assert_escaped(rows, ["first_name", "last_name", "title", "email", "notes", "groups", "city"])
    assert "'=k" in rows[0]  # a custom field's name is a header cell: escaped too


def test_groups(client, owner):
    services.group_create(team=owner.team, name="Friends")
    Group.objects.update(name=FORMULA)
    assert_escaped(download(client, "/groups/export.csv"), ["name"])


def test_blacklist(client, owner):
    blacklist_add(team=owner.team, number="+37255555555")
    BlacklistEntry.objects.update(number="+1+1", source="=x")
    assert_escaped(download(client, "/blacklist/export.csv"), ["number", "source"])


def test_import_skipped_rows(client, owner):
    imp = ContactImport.objects.create(
        team=owner.team, user=owner, errors=[{"row": 2, "value": FORMULA, "reason": "@reason"}]
    )
    assert_escaped(download(client, f"/contacts/import/{imp.pk}/skipped.csv"), ["value", "reason"])


COVERED = {"messages/export.csv", "contacts/export.csv", "contacts/import/<int:import_id>/skipped.csv",
           "groups/export.csv", "blacklist/export.csv"}  # fmt: skip


def test_every_csv_url_is_tested_here():
    assert {r for r, _ in url_patterns() if r.endswith(".csv")} == COVERED
