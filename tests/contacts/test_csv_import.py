"""CSV import: mapping, preview, row report, encodings, empty and huge files, the queued task."""

import pytest
from django.db import connection
from django.utils import timezone

from contacts import csv_import, services
from contacts.models import Contact, ContactImport, ImportKind, ImportStatus, Membership
from core.errors import NotFound, ValidationFailed
from messaging.models import BlacklistEntry
from messaging.services.blacklist import blacklist_add
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(team__default_country="EE")


@pytest.fixture
def run(user, django_capture_on_commit_callbacks):
    """Upload, start, and let the queued task run (huey is immediate in tests)."""

    def call(data: bytes, **kwargs) -> ContactImport:
        configure = kwargs.pop("configure", None)
        imp = csv_import.contact_import_create(actor=user, data=data, filename="c.csv", **kwargs)
        if configure:
            csv_import.contact_import_configure(actor=user, contact_import=imp, **configure)
        with django_capture_on_commit_callbacks(execute=True):
            csv_import.contact_import_start(actor=user, contact_import=imp)
        imp.refresh_from_db()
        return imp

    return call


def test_header_mapping_is_detected_and_broken_rows_are_reported_not_imported(user, run):
    services.contact_create(team=user.team, number="+37255555504", first_name="Old")
    group = services.group_create(team=user.team, name="Import")
    data = (
        b"Phone;First Name;Surname;E-mail;Company\n"
        b"5555 5501;Mari;Tamm;mari@example.com;Acme\n"
        b"+37255555502;Jaan;Kask;;\n"
        b"not a number;Bad;Row;;\n"
        b"55555501;Twice;Same;;\n"
        b"+37255555504;Existing;Contact;;\n"
        b"+37255555505;Bad;Mail;nope;\n"
        b";;;;\n"
        b"+37255555506;No;Country\n"
    )
    imp = run(data, group=group)
    assert imp.status == ImportStatus.DONE and imp.progress == 100 and imp.content == ""
    assert (imp.total_rows, imp.created_count, imp.skipped_count) == (7, 3, 4)
    assert imp.errors == [
        {"row": 4, "value": "not a number", "reason": "Invalid number"},
        {"row": 5, "value": "55555501", "reason": "Duplicate of row 2"},
        {"row": 6, "value": "+37255555504", "reason": "Already a contact (kept as it is, added to the group)"},
        {"row": 7, "value": "+37255555505", "reason": "Enter a valid email address."},
    ]
    mari = Contact.objects.get(number="+37255555501")
    assert (mari.first_name, mari.last_name, mari.email, mari.fields) == (
        "Mari",
        "Tamm",
        "mari@example.com",
        {"company": "Acme"},
    )
    assert Contact.objects.get(number="+37255555504").first_name == "Old"  # existing contacts are not changed
    # Every good row, the existing contact included, is now in the group.
    assert imp.grouped_count == 4
    joined = Membership.objects.filter(group=group).first().created_at
    assert abs((timezone.now() - joined).total_seconds()) < 60
    assert set(group.contacts.values_list("number", flat=True)) == {
        "+37255555501",
        "+37255555502",
        "+37255555504",
        "+37255555506",
    }


def test_preview_parses_the_first_rows_with_the_rules_of_the_run(user):
    services.contact_create(team=user.team, number="+37255555503")
    data = b"number,name\n+37255555501,Mari\nxx,Bad\n+37255555503,Old\n+37255555501,Again\n"
    imp = csv_import.contact_import_create(actor=user, data=data)
    preview = csv_import.import_preview(contact_import=imp)
    assert preview.columns == ["number", "name"] and preview.mapping == {"number": 0, "first_name": 1}
    assert [(r.row, r.number, r.error) for r in preview.rows] == [
        (2, "+37255555501", ""),
        (3, "", "Invalid number"),
        (4, "+37255555503", "Already a contact"),
        (5, "+37255555501", "Duplicate of row 2"),
    ]
    assert not Contact.objects.filter(number="+37255555501").exists()  # a preview imports nothing


def test_file_without_header_and_explicit_mapping(user, run):
    data = b"Mari,+37255555501,Dr\nJaan,55555502,Mr\n"
    imp = csv_import.contact_import_create(actor=user, data=data)
    assert (imp.has_header, imp.mapping, imp.total_rows) == (False, {"number": 1}, 2)
    imp = run(data, configure={"mapping": {"number": 1, "first_name": 0, "title": 2}, "has_header": False})
    assert imp.created_count == 2
    assert Contact.objects.get(number="+37255555502").title == "Mr"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("number,first_name\n+37255555501,Jürgen Õun\n".encode("utf-8-sig"), "utf-8-sig"),
        ("number,first_name\n+37255555501,Jürgen Õun\n".encode(), "utf-8"),
        ("number,first_name\n+37255555501,Jürgen Õun\n".encode("latin-1"), "cp1252"),
        ("number,first_name\n+37255555501,Jürgen Õun\n".encode("utf-16"), "utf-16"),
        (b"number,first_name\n+37255555501,J\xfcrgen \xd5un\x81\n", "latin-1"),  # 0x81 is not Windows-1252
    ],
)
def test_encodings(run, data, encoding):
    imp = run(data)
    assert imp.encoding == encoding and imp.created_count == 1
    assert Contact.objects.get().first_name.startswith("Jürgen Õun")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\n \n\r\n", "The file is empty."),
        ("\ufeff".encode(), "The file is empty."),
        (b"number,first_name\n", "The file has a header but no rows."),
        (b"\x00\x01\x02binary", "This does not look like a CSV file."),
    ],
)
def test_empty_and_unreadable_files_are_refused(user, data, message):
    with pytest.raises(ValidationFailed) as error:
        csv_import.contact_import_create(actor=user, data=data)
    assert error.value.message == message and error.value.field == "file"
    assert not ContactImport.objects.exists()


def test_oversized_file_is_refused(user, monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_BYTES", 10)
    with pytest.raises(ValidationFailed) as error:
        csv_import.contact_import_create(actor=user, data=b"number\n+37255555501\n")
    assert "larger than" in error.value.message


def test_blacklist_import(user, run):
    blacklist_add(team=user.team, number="+37255555502")
    imp = run(b"msisdn\n55555501\n+37255555502\n55555501\nabc\n", kind=ImportKind.BLACKLIST)
    assert (imp.created_count, imp.skipped_count) == (1, 3)
    assert [e["reason"] for e in imp.errors] == ["Already on the blacklist", "Duplicate of row 2", "Invalid number"]
    assert set(BlacklistEntry.objects.values_list("number", "source")) == {
        ("+37255555501", "import"),
        ("+37255555502", "api"),
    }


def test_a_number_added_elsewhere_during_the_import_is_kept_and_the_rest_stored(user, run, monkeypatch):
    services.contact_create(team=user.team, number="+37255555502", first_name="Mari")
    # As if the contact was created between the import's check and its insert.
    monkeypatch.setattr(csv_import._RowChecker, "existing", lambda self, numbers: set())
    run(b"number,first_name\n+37255555501,Jaan\n+37255555502,Other\n+37255555503,Tiit\n")
    stored = dict(Contact.objects.filter(team=user.team).values_list("number", "first_name"))
    assert stored == {"+37255555501": "Jaan", "+37255555502": "Mari", "+37255555503": "Tiit"}


def test_start_once_and_a_second_run_does_nothing(user, run):
    imp = run(b"number\n+37255555501\n")
    with pytest.raises(ValidationFailed):
        csv_import.contact_import_start(actor=user, contact_import=imp)
    assert csv_import.contact_import_run(import_id=imp.pk) is None
    assert Contact.objects.count() == 1


def test_a_failed_attempt_is_resumed_after_its_last_committed_chunk(user, monkeypatch):
    monkeypatch.setattr(csv_import, "CHUNK", 2)
    data = ("number\n" + "".join(f"+3725555550{i}\n" for i in range(5)) + "+37255555500\n").encode()
    imp = csv_import.contact_import_create(actor=user, data=data)
    ContactImport.objects.filter(pk=imp.pk).update(status=ImportStatus.QUEUED)
    real, calls = csv_import._import_chunk, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(csv_import, "_import_chunk", flaky)
    with pytest.raises(RuntimeError):
        csv_import.contact_import_run(import_id=imp.pk, last_attempt=False)
    imp.refresh_from_db()
    assert (imp.status, imp.processed_rows, imp.created_count) == (ImportStatus.QUEUED, 2, 2)
    imp = csv_import.contact_import_run(import_id=imp.pk)
    assert (imp.status, imp.created_count, imp.skipped_count) == (ImportStatus.DONE, 5, 1)
    assert imp.errors == [{"row": 7, "value": "+37255555500", "reason": "Duplicate of row 2"}]
    assert Contact.objects.count() == 5


def test_last_attempt_marks_the_import_failed(user, monkeypatch):
    imp = csv_import.contact_import_create(actor=user, data=b"number\n+37255555501\n")
    ContactImport.objects.filter(pk=imp.pk).update(status=ImportStatus.QUEUED)
    monkeypatch.setattr(csv_import, "_import_chunk", lambda *a, **k: 1 / 0)
    imp = csv_import.contact_import_run(import_id=imp.pk, last_attempt=True)
    assert imp.status == ImportStatus.FAILED and "division by zero" in imp.failure


def test_another_teams_group_or_import_is_not_found(user):
    stranger = UserFactory()
    foreign = services.group_create(team=stranger.team, name="Theirs")
    with pytest.raises(NotFound):
        csv_import.contact_import_create(actor=user, data=b"number\n+37255555501\n", group=foreign)
    imp = csv_import.contact_import_create(actor=user, data=b"number\n+37255555501\n")
    with pytest.raises(NotFound):
        csv_import.contact_import_start(actor=stranger, contact_import=imp)
    with pytest.raises(NotFound):
        csv_import.contact_import_configure(actor=stranger, contact_import=imp, mapping={"number": 0}, has_header=True)


def test_mapping_needs_a_number_column_once(user):
    imp = csv_import.contact_import_create(actor=user, data=b"number,name\n+37255555501,Mari\n")
    for mapping in ({"first_name": 1}, {"number": 0, "first_name": 0}):
        with pytest.raises(ValidationFailed):
            csv_import.contact_import_configure(actor=user, contact_import=imp, mapping=mapping, has_header=True)


def test_our_export_reads_back_in(user, run):
    from contacts.csv_export import contacts_csv

    source = UserFactory()
    group = services.group_create(team=source.team, name="G")
    services.contact_create(
        team=source.team, number="+37255555501", first_name="=cmd()", fields={"city": "Tartu"}, groups=[group]
    )
    exported = "".join(contacts_csv(team=source.team)).encode()
    run(exported)
    contact = Contact.objects.get(team=user.team)
    assert (contact.first_name, contact.fields) == ("=cmd()", {"city": "Tartu"})


@pytest.mark.slow
def test_100000_rows_import_in_bulk_with_progress(user, run):
    group = services.group_create(team=user.team, name="Everyone")
    lines = ["number,first_name,last_name,city"]
    lines += [f"+3725{i:07d},First{i},Last{i},City{i % 7}" for i in range(100_000)]
    lines += ["bad,x,y,z", "+37250000000,dup,row,z"]
    queries = []
    # Counted without capturing the SQL text (capturing 100,000 rows of INSERT would dominate the test).
    with connection.execute_wrapper(lambda execute, *args: queries.append(1) or execute(*args)):
        imp = run("\n".join(lines).encode(), group=group)
    # Bulk SQL: per 5,000-row chunk, one existence check, the INSERTs (SQLite's 999-parameter limit
    # cuts them into ~90-row statements; PostgreSQL needs 5), one INSERT ... SELECT per slice of
    # numbers for the group, one progress update. Never one query per row.
    assert len(queries) < 100_000 / 50, len(queries)
    assert imp.status == ImportStatus.DONE
    assert (imp.total_rows, imp.created_count, imp.skipped_count, imp.grouped_count) == (100_002, 100_000, 2, 100_000)
    assert Contact.objects.filter(team=user.team).count() == 100_000
    assert Membership.objects.filter(group=group).count() == 100_000
    assert Contact.objects.get(number="+37250099999").fields == {"city": "City4"}
    assert Membership.objects.filter(group=group).first().created_at.year >= 2024


@pytest.mark.parametrize(
    ("data", "mapping", "has_header"),
    [
        (b"Name,Contact,City\nMari,+37255555501,Tartu\n", {"first_name": 0, "number": 1}, True),
        (b"Who,Where\nMari,+37255555501\n", {"number": 1}, True),
        (b"Mari,Tartu,55555501\n", {"number": 2}, False),
        (b"sep=;\nmobile;surname\n55555501;Tamm\n", {"number": 0, "last_name": 1}, True),
    ],
)
def test_mapping_guesses(user, data, mapping, has_header):
    imp = csv_import.contact_import_create(actor=user, data=data)
    assert (imp.mapping, imp.has_header) == (mapping, has_header)


@pytest.mark.django_db
def test_a_stuck_import_is_resumed_and_old_previews_are_forgotten(time_machine):
    from datetime import timedelta

    from django.utils import timezone

    from contacts.models import Contact, ContactImport, ImportStatus
    from contacts.tasks import contact_imports_tidy
    from tests.factories import UserFactory

    owner = UserFactory()
    stuck = ContactImport.objects.create(
        team=owner.team,
        user=owner,
        content="number\n+37255550001\n",
        mapping={"number": 0},
        status=ImportStatus.RUNNING,
        started_at=timezone.now(),
        total_rows=1,
    )
    preview = ContactImport.objects.create(team=owner.team, user=owner, content="number\n+37255550002\n")
    time_machine.move_to(timezone.now() + timedelta(days=2))
    contact_imports_tidy.call_local()
    stuck.refresh_from_db()
    assert stuck.status == ImportStatus.DONE and Contact.objects.filter(number="+37255550001").exists()
    assert not ContactImport.objects.filter(pk=preview.pk).exists()
