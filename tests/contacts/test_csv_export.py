"""CSV export: formula injection guarded, E.164 numbers left usable, streamed."""

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine

from contacts import csv_export, services
from core.csv_safe import safe_cell
from messaging.services.blacklist import blacklist_add
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+SUM(A1:A2)", "'+SUM(A1:A2)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("+37255555555", "+37255555555"),  # a valid E.164 number stays usable
        ("+1 555 0100", "'+1 555 0100"),  # not strictly E.164: escaped
        ("+372555=1", "'+372555=1"),
        ("Mari", "Mari"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_safe_cell(cell, written):
    assert safe_cell(cell) == written


def read(lines) -> list[list[str]]:
    text = "".join(lines)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_contacts_export_escapes_formulas_and_keeps_numbers():
    team = TeamFactory()
    group = services.group_create(team=team, name="=Group")
    services.contact_create(
        team=team, number="+37255555555", first_name="=1+1", last_name="@SUM(A1)", fields={"note": "-x"}, groups=[group]
    )
    services.contact_create(team=team, number="+37255555556", first_name="Jaan")
    rows = read(csv_export.contacts_csv(team=team))
    assert rows[0] == ["number", "first_name", "last_name", "title", "email", "notes", "groups", "created_at", "note"]
    assert rows[1][:3] == ["+37255555555", "'=1+1", "'@SUM(A1)"]
    assert rows[1][6] == "'=Group" and rows[1][8] == "'-x"
    assert rows[2][:2] == ["+37255555556", "Jaan"] and rows[2][8] == ""
    only_group = read(csv_export.contacts_csv(team=team, group=group))
    assert len(only_group) == 2


def test_groups_and_blacklist_export():
    team, other = TeamFactory(), TeamFactory()
    group = services.group_create(team=team, name="+Staff")
    services.group_contact_add(
        team=team, group=group, contact=services.contact_create(team=team, number="+37255555555")
    )
    blacklist_add(team=team, number="+37255555555")
    blacklist_add(team=other, number="+37255555556")
    groups = read(csv_export.groups_csv(team=team))
    assert groups[1][1:3] == ["'+Staff", "1"]
    blacklist = read(csv_export.blacklist_csv(team=team))
    assert [r[0] for r in blacklist[1:]] == ["+37255555555"]


@pytest.mark.parametrize("path", ["/contacts/export.csv", "/groups/export.csv", "/blacklist/export.csv"])
def test_downloaded_exports_write_times_in_the_teams_time_zone(client, path):
    user = UserFactory(team__time_zone="Pacific/Kiritimati")  # UTC+14: another day than UTC
    with time_machine.travel(datetime(2026, 3, 1, 12, 30, tzinfo=UTC), tick=False):
        group = services.group_create(team=user.team, name="Friends")
        services.contact_create(team=user.team, number="+37255555555", groups=[group])
        blacklist_add(team=user.team, number="+37255555556", source="manual")
    client.force_login(user)

    response = client.get(path)

    header, row = read(part.decode() for part in response.streaming_content)
    assert row[header.index("created_at")] == "2026-03-02 02:30:00"
