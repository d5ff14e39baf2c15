"""Writes to contacts, groups and templates (the blacklist's are messaging.services.blacklist).

Every service takes the team explicitly and refuses an object of another team as not found, so a
contact of team B can never land in a group of team A, whatever a caller passes. Field names in
errors are the service's own (`number`, `first_name`, `name`, `text` ...); each dialect renames them.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Team
from contacts import selectors
from contacts.models import Contact, Group, Membership, Template
from core.errors import NotFound, ValidationFailed
from core.lookups import CHUNK
from core.numbers import normalize_number
from messaging import segments

FIELD_KEY = re.compile(r"^[A-Za-z0-9_]{1,50}$")
MAX_FIELDS = 50
MAX_FIELD_VALUE = 500
MAX_NOTES = 5000
BUILT_IN_VARIABLES = ("first_name", "last_name", "title", "number", "email")


def _owned(obj: Contact | Group | Template, team: Team, what: str, field: str) -> None:
    if obj.team_id != team.pk:
        raise NotFound(f"{what} not found.", field=field)


def _text(value: object, *, field: str, max_length: int, required: bool = False, label: str = "") -> str:
    text = str(value if value is not None else "").strip()
    label = label or field.replace("_", " ")
    if required and not text:
        raise ValidationFailed(f"The {label} is required.", field=field)
    if len(text) > max_length:
        raise ValidationFailed(f"The {label} may not be longer than {max_length} characters.", field=field)
    return text


def _email(value: object) -> str:
    email = _text(value, field="email", max_length=254)
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationFailed("Enter a valid email address.", field="email") from None
    return email


def clean_fields(value: object) -> dict[str, str]:
    """Custom fields: a flat object whose keys can be written as `%key%` in a text."""
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        raise ValidationFailed("The custom fields must be an object of names and values.", field="fields")
    if len(value) > MAX_FIELDS:
        raise ValidationFailed(f"At most {MAX_FIELDS} custom fields.", field="fields")
    cleaned: dict[str, str] = {}
    for key, item in value.items():
        key = str(key).strip()
        if not FIELD_KEY.match(key):
            raise ValidationFailed(
                f"The custom field name {key!r} may use only letters, digits and '_' (at most 50).", field="fields"
            )
        if key in BUILT_IN_VARIABLES:
            raise ValidationFailed(f"{key!r} is a built-in field; choose another name.", field="fields")
        if isinstance(item, (dict, list)):
            raise ValidationFailed(f"The custom field {key!r} must be a plain value.", field="fields")
        text = "" if item is None else str(item)
        if len(text) > MAX_FIELD_VALUE:
            raise ValidationFailed(f"The custom field {key!r} is longer than {MAX_FIELD_VALUE}.", field="fields")
        cleaned[key] = text
    return cleaned


def _number(team: Team, number: object) -> str:
    return normalize_number(number, default_country=team.default_country, field="number")


def _number_taken(team: Team, number: str, *, exclude: int | None = None) -> ValidationFailed | None:
    others = Contact.objects.filter(team=team, number=number)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    return (
        ValidationFailed(f"A contact with the number {number} already exists.", field="number")
        if others.exists()
        else None
    )


def _save_contact(contact: Contact) -> Contact:
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:  # a concurrent request took the number between the check and the write
        raise ValidationFailed(f"A contact with the number {contact.number} already exists.", field="number") from None
    return contact


# Contacts


def contact_clean(
    *,
    team: Team,
    number: str,
    first_name: str = "",
    last_name: str = "",
    title: str = "",
    email: str = "",
    fields: Mapping[str, object] | None = None,
    notes: str = "",
) -> Contact:
    """A contact read and validated but not saved: the one set of rules for a form, an API call and
    each row of a CSV import (which then saves thousands at once)."""
    return Contact(
        team=team,
        number=_number(team, number),
        first_name=_text(first_name, field="first_name", max_length=100),
        last_name=_text(last_name, field="last_name", max_length=100),
        title=_text(title, field="title", max_length=50),
        email=_email(email),
        fields=clean_fields(fields),
        notes=_text(notes, field="notes", max_length=MAX_NOTES),
    )


def contact_create(*, team: Team, groups: Iterable[Group] = (), **values: Any) -> Contact:
    """A new contact from `contact_clean`'s values (which checks them); its number must be new to the team."""
    contact = contact_clean(team=team, **values)
    groups = list(groups)
    for group in groups:
        _owned(group, team, "Group", "group_id")
    error = _number_taken(team, contact.number)
    if error:
        raise error
    with transaction.atomic():
        _save_contact(contact)
        Membership.objects.bulk_create([Membership(group=g, contact=contact) for g in groups], ignore_conflicts=True)
    return contact


def contact_update(
    *,
    team: Team,
    contact: Contact,
    number: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    title: str | None = None,
    email: str | None = None,
    fields: Mapping[str, object] | None = None,
    notes: str | None = None,
    groups: Iterable[Group] | None = None,
) -> Contact:
    """Change what is given (None keeps a value). `groups`, when given, becomes the full set of groups."""
    _owned(contact, team, "Contact", "contact_id")
    if number is not None:
        contact.number = _number(team, number)
        error = _number_taken(team, contact.number, exclude=contact.pk)
        if error:
            raise error
    if first_name is not None:
        contact.first_name = _text(first_name, field="first_name", max_length=100)
    if last_name is not None:
        contact.last_name = _text(last_name, field="last_name", max_length=100)
    if title is not None:
        contact.title = _text(title, field="title", max_length=50)
    if email is not None:
        contact.email = _email(email)
    if fields is not None:
        contact.fields = clean_fields(fields)
    if notes is not None:
        contact.notes = _text(notes, field="notes", max_length=MAX_NOTES)
    wanted = None
    if groups is not None:
        wanted = list(groups)
        for group in wanted:
            _owned(group, team, "Group", "group_id")
    contact.updated_at = timezone.now()
    with transaction.atomic():
        _save_contact(contact)
        if wanted is not None:
            Membership.objects.filter(contact=contact).exclude(group__in=wanted).delete()
            Membership.objects.bulk_create(
                [Membership(group=g, contact=contact) for g in wanted], ignore_conflicts=True
            )
    return contact


def contact_delete(*, team: Team, contact: Contact) -> None:
    _owned(contact, team, "Contact", "contact_id")
    contact.delete()


def contact_bulk_delete(*, team: Team, contact_ids: Iterable[object]) -> int:
    """Delete many contacts (and their memberships) in one statement; returns how many."""
    contacts = selectors.contact_list_by_ids(team=team, contact_ids=contact_ids)
    _, per_model = Contact.objects.filter(team=team, pk__in=[c.pk for c in contacts]).delete()
    return per_model.get(Contact._meta.label, 0)


# Groups


def _group_name(team: Team, name: object, *, exclude: int | None = None) -> str:
    name = _text(name, field="name", max_length=100, required=True)
    others = Group.objects.filter(team=team, name=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ValidationFailed(f"A group named {name!r} already exists.", field="name")
    return name


def _save_group(group: Group) -> Group:
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError:
        raise ValidationFailed(f"A group named {group.name!r} already exists.", field="name") from None
    return group


def group_create(*, team: Team, name: str) -> Group:
    return _save_group(Group(team=team, name=_group_name(team, name)))


def group_update(*, team: Team, group: Group, name: str) -> Group:
    _owned(group, team, "Group", "group_id")
    group.name = _group_name(team, name, exclude=group.pk)
    group.updated_at = timezone.now()
    return _save_group(group)


def group_delete(*, team: Team, group: Group) -> None:
    """The group goes; its contacts stay."""
    _owned(group, team, "Group", "group_id")
    group.delete()


def group_contact_add(*, team: Team, group: Group, contact: Contact) -> bool:
    """Put a contact in a group; True when it was not in it yet (adding twice is harmless)."""
    _owned(group, team, "Group", "group_id")
    _owned(contact, team, "Contact", "contact_id")
    _, created = Membership.objects.get_or_create(group=group, contact=contact)
    return created


def group_contact_remove(*, team: Team, group: Group, contact: Contact) -> bool:
    """Take a contact out of a group; True when it was in it."""
    _owned(group, team, "Group", "group_id")
    _owned(contact, team, "Contact", "contact_id")
    deleted, _ = Membership.objects.filter(group=group, contact=contact).delete()
    return bool(deleted)


def group_contacts_add(*, team: Team, group: Group, contact_ids: Iterable[object]) -> int:
    """Bulk add: every id must be the team's; returns how many were new to the group."""
    _owned(group, team, "Group", "group_id")
    ids = [c.pk for c in selectors.contact_list_by_ids(team=team, contact_ids=contact_ids)]
    return memberships_add(team=team, group=group, contact_ids=ids)


def group_contacts_remove(*, team: Team, group: Group, contact_ids: Iterable[object]) -> int:
    _owned(group, team, "Group", "group_id")
    ids = [c.pk for c in selectors.contact_list_by_ids(team=team, contact_ids=contact_ids)]
    deleted, _ = Membership.objects.filter(group=group, contact_id__in=ids).delete()
    return deleted


def memberships_add(*, team: Team, group: Group, contact_ids: list[int]) -> int:
    """Bulk insert of ids already read from the team's contacts (conflicts ignored); returns how many
    were new, counted with one query before (for reports)."""
    _owned(group, team, "Group", "group_id")
    wanted = list(dict.fromkeys(contact_ids))
    now, added = timezone.now(), 0
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        present = set(Membership.objects.filter(group=group, contact_id__in=chunk).values_list("contact_id", flat=True))
        new = [Membership(group=group, contact_id=pk, created_at=now) for pk in chunk if pk not in present]
        Membership.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        added += len(new)
    return added


def group_numbers_add(*, team: Team, group: Group, numbers: list[str]) -> int:
    """Put the team's contacts with these E.164 numbers in the group, in SQL: one
    `INSERT ... SELECT ... ON CONFLICT DO NOTHING` per slice of numbers (PostgreSQL and SQLite both
    speak it), so an import of 100,000 rows never loads 100,000 memberships into Python. Returns
    how many memberships were new."""
    _owned(group, team, "Group", "group_id")
    membership, contact = Membership._meta.db_table, Contact._meta.db_table
    size = min(CHUNK, (connection.features.max_query_params or CHUNK) - 3)
    added, now = 0, connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(numbers), size):
            chunk = numbers[start : start + size]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {membership} (group_id, contact_id, created_at) "  # noqa: S608 - table names, not input
                f"SELECT %s, id, %s FROM {contact} WHERE team_id = %s AND number IN ({marks}) "
                "ON CONFLICT (group_id, contact_id) DO NOTHING",
                [group.pk, now, team.pk, *chunk],
            )
            added += max(cursor.rowcount, 0)
    return added


# Templates


def _template_text(text: object) -> str:
    value = str(text if text is not None else "")
    if not value.strip():
        raise ValidationFailed("The template text is required.", field="text")
    if len(value) > segments.MAX_CHARS:
        raise ValidationFailed(
            f"The template text may not be longer than {segments.MAX_CHARS} characters.", field="text"
        )
    return value


def template_create(*, team: Team, name: str, text: str) -> Template:
    return Template.objects.create(
        team=team, name=_text(name, field="name", max_length=100, required=True), text=_template_text(text)
    )


def template_update(*, team: Team, template: Template, name: str | None = None, text: str | None = None) -> Template:
    _owned(template, team, "Template", "template_id")
    if name is not None:
        template.name = _text(name, field="name", max_length=100, required=True)
    if text is not None:
        template.text = _template_text(text)
    template.updated_at = timezone.now()
    template.save()
    return template


def template_delete(*, team: Team, template: Template) -> None:
    _owned(template, team, "Template", "template_id")
    template.delete()
