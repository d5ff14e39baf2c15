"""Reads of contacts, groups, templates and imports, scoped to a team: another
team's id, or an id that is not a number, is simply not found."""

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from accounts.models import Team
from contacts.models import Contact, ContactImport, Group, Template
from core.errors import NotFound
from core.lookups import CHUNK, numbers_in, pk_of


def contact_numbers(*, team: Team, numbers: Iterable[str]) -> set[str]:
    """Which of these E.164 numbers are already contacts of the team."""
    return numbers_in(Contact, team=team, numbers=numbers)


def contact_list(*, team: Team, search: str = "", group: Group | None = None) -> QuerySet[Contact]:
    """Newest first. `search` matches the number (with or without '+'), names and email."""
    contacts = Contact.objects.filter(team=team)
    if group is not None:
        contacts = contacts.filter(memberships__group=group)
    search = search.strip()
    if search:
        digits = search.lstrip("+")
        contacts = contacts.filter(
            Q(number__contains=digits)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(email__icontains=search)
        )
    return contacts.order_by("-id")


def contact_names(*, team: Team, numbers: list[str]) -> dict[str, str]:
    """number -> full name, for the team's contacts among `numbers` that have a name."""
    contacts = Contact.objects.filter(team=team, number__in=numbers)
    return {c.number: c.full_name for c in contacts if c.full_name}


def contact_get(*, team: Team, contact_id: object) -> Contact:
    try:
        return Contact.objects.get(team=team, pk=pk_of(contact_id))
    except (Contact.DoesNotExist, ValueError):
        raise NotFound("Contact not found.", field="contact_id") from None


def contact_list_by_ids(*, team: Team, contact_ids: Iterable[object]) -> list[Contact]:
    """Every id must be one of the team's contacts; one that is not makes the whole call not found."""
    try:
        wanted = list(dict.fromkeys(pk_of(i) for i in contact_ids))
    except ValueError:
        raise NotFound("Contact not found.", field="contact_id") from None
    found: dict[int, Contact] = {}
    for start in range(0, len(wanted), CHUNK):
        found.update(Contact.objects.filter(team=team, pk__in=wanted[start : start + CHUNK]).in_bulk())
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise NotFound(f"Contact not found: {missing[0]}.", field="contact_id")
    return [found[pk] for pk in wanted]


def group_list(*, team: Team, with_counts: bool = False) -> QuerySet[Group]:
    groups = Group.objects.filter(team=team).order_by("name", "id")
    return groups.annotate(contact_count=Count("memberships")) if with_counts else groups


def group_get(*, team: Team, group_id: object) -> Group:
    try:
        return Group.objects.get(team=team, pk=pk_of(group_id))
    except (Group.DoesNotExist, ValueError):
        raise NotFound("Group not found.", field="group_id") from None


def template_list(*, team: Team) -> QuerySet[Template]:
    return Template.objects.filter(team=team).order_by("name", "id")


def template_get(*, team: Team, template_id: object) -> Template:
    try:
        return Template.objects.select_related("team").get(team=team, pk=pk_of(template_id))
    except (Template.DoesNotExist, ValueError):
        raise NotFound("Template not found.", field="template_id") from None


def contact_import_list(*, team: Team) -> QuerySet[ContactImport]:
    return ContactImport.objects.filter(team=team).defer("content").select_related("group", "user")


def contact_import_get(*, team: Team, import_id: object, with_content: bool = True) -> ContactImport:
    imports = ContactImport.objects.select_related("group")
    try:
        return (imports if with_content else imports.defer("content")).get(team=team, pk=pk_of(import_id))
    except (ContactImport.DoesNotExist, ValueError):
        raise NotFound("Import not found.", field="import_id") from None
