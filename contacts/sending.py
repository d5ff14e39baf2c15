"""Sending to groups, contacts and loose numbers: recipients are resolved once, duplicates removed,
each text personalised from its contact, and everything handed to `message_send` in ONE call (one
batch). Pricing, credits, invalid numbers and the blacklist stay `message_send`'s business.

Personalisation: every `%name%` in the text is filled for every recipient. A contact gives its
built-in values (`%first_name%`, `%last_name%`, `%title%`, `%number%`, `%email%`) and its custom
`fields`; a variable a recipient has no value for becomes empty, so nobody receives a raw
`%first_name%`. A loose number that belongs to one of the team's contacts is personalised as
that contact.
"""

from collections.abc import Iterable
from datetime import datetime

from accounts.models import User
from contacts import selectors
from contacts.models import Contact
from core.errors import ValidationFailed
from core.numbers import InvalidNumber, normalize_number
from messaging.personalise import fill_variables, variable_names
from messaging.services.send import Recipient, SendResult, message_send

CHUNK = 5000


def group_send(
    *,
    actor: User,
    group_ids: Iterable[object] = (),
    contact_ids: Iterable[object] = (),
    numbers: Iterable[str] = (),
    text: str = "",
    template_id: object = None,
    sender: str = "",
    scheduled_at: datetime | None = None,
    conversion: int = 0,
    campaign: str = "",
    messages_per_minute: int | None = None,
    source: str,
) -> SendResult:
    """Send `text` (or the text of `template_id`) to the union of the groups' members, the contacts
    and the numbers. Another team's group, contact or template is not found."""
    team = actor.team
    if template_id not in (None, ""):
        if text:
            raise ValidationFailed("Give either a text or a template, not both.", field="template_id")
        text = selectors.template_get(team=team, template_id=template_id).text
    if not str(text or "").strip():
        raise ValidationFailed("The text is required.", field="text")

    # Resolve: groups, then contacts, then loose numbers; the first occurrence of a number wins.
    by_number: dict[str, Contact | None] = {}  # by E.164 number: a contact's is stored so
    groups = [selectors.group_get(team=team, group_id=g) for g in dict.fromkeys(group_ids)]
    if groups:
        members = Contact.objects.filter(team=team, memberships__group__in=groups).distinct().order_by("id")
        for contact in members.iterator(chunk_size=CHUNK):
            by_number.setdefault(contact.number, contact)
    for contact in selectors.contact_list_by_ids(team=team, contact_ids=contact_ids):
        by_number.setdefault(contact.number, contact)
    loose: list[str] = []  # invalid as given: message_send rejects them in its own words
    for raw in numbers:
        try:
            by_number.setdefault(normalize_number(raw, default_country=team.default_country), None)
        except InvalidNumber:
            loose.append(str(raw))
    _attach_contacts(team=team, by_number=by_number)

    names = variable_names(text)
    recipients = []
    for number, contact in by_number.items():
        if names:
            values = {name: "" for name in names} | (contact.variables() if contact else {"number": number})
            recipients.append(Recipient(number=number, e164=True, text=fill_variables(text, values)))
        else:
            recipients.append(Recipient(number=number, e164=True))
    if names:
        blanks = fill_variables(text, {name: "" for name in names})
        recipients += [Recipient(number=raw, text=blanks) for raw in dict.fromkeys(loose)]
    else:
        recipients += [Recipient(number=raw) for raw in dict.fromkeys(loose)]

    return message_send(
        actor=actor,
        recipients=recipients,
        text=text,
        sender=sender,
        conversion=conversion,
        scheduled_at=scheduled_at,
        messages_per_minute=messages_per_minute,
        campaign=campaign,
        source=source,
    )


def _attach_contacts(*, team, by_number: dict[str, Contact | None]) -> None:
    """Loose numbers that are contacts of the team get their contact (one query per 5,000)."""
    unknown = [n for n, c in by_number.items() if c is None]
    for start in range(0, len(unknown), CHUNK):
        for contact in Contact.objects.filter(team=team, number__in=unknown[start : start + CHUNK]):
            by_number[contact.number] = contact
