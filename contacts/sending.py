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
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from accounts.models import User
from contacts import selectors
from contacts.models import Contact
from core.errors import ValidationFailed
from core.numbers import InvalidNumber, read_entry
from messaging.personalise import fill_variables, variable_names
from messaging.pricing import PriceBook, quote
from messaging.schedule import refuse_past
from messaging.services.send import Recipient, SendResult, blocked_numbers, message_send

CHUNK = 5000


@dataclass(frozen=True)
class Resolved:
    """Who a send reaches: each E.164 number once (with its contact, when it is one), the entries
    that are no number, and the entries that repeat a number already there."""

    by_number: dict[str, Contact | None]
    invalid: tuple[str, ...]
    duplicates: tuple[str, ...]


@dataclass(frozen=True)
class SendQuote:
    """What a dashboard send will do, asked before it is done (the confirmation step)."""

    given: int  # recipients as given: group members and entries of the numbers box
    recipients: int  # messages that will be sent and charged
    invalid: tuple[str, ...]
    duplicates: tuple[str, ...]
    blacklisted: tuple[str, ...]  # kept as BLACKLISTED by the send: not sent, not charged
    segments: int  # parts per message (the most any recipient's text has)
    cost: Decimal
    balance: Decimal

    @property
    def balance_after(self) -> Decimal:
        return self.balance - self.cost

    @property
    def dropped(self) -> int:
        return len(self.invalid) + len(self.duplicates) + len(self.blacklisted)


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
    and the numbers (entries of a numbers box, `read_entry`). Another team's group, contact or
    template is not found. A send time in the past is refused."""
    team = actor.team
    text = _text(team=team, text=text, template_id=template_id)
    refuse_past(scheduled_at)
    resolved = _resolve(team=team, group_ids=group_ids, contact_ids=contact_ids, numbers=numbers)
    return message_send(
        actor=actor,
        recipients=_recipients(text, resolved),
        text=text,
        sender=sender,
        conversion=conversion,
        scheduled_at=scheduled_at,
        messages_per_minute=messages_per_minute,
        campaign=campaign,
        source=source,
    )


def group_send_quote(
    *,
    actor: User,
    group_ids: Iterable[object] = (),
    contact_ids: Iterable[object] = (),
    numbers: Iterable[str] = (),
    text: str = "",
    template_id: object = None,
    scheduled_at: datetime | None = None,
    conversion: int = 0,
) -> SendQuote:
    """What `group_send` with these arguments would send and charge, from the same rules: the same
    recipients (`_resolve`), texts (`_recipients`), prices (`quote`, `PriceBook`) and blacklist
    (`blocked_numbers`). Nothing is written."""
    team = actor.team
    text = _text(team=team, text=text, template_id=template_id)
    refuse_past(scheduled_at)
    resolved = _resolve(team=team, group_ids=group_ids, contact_ids=contact_ids, numbers=numbers)
    numbers_ = list(resolved.by_number)
    blocked = blocked_numbers(team=team, numbers=numbers_)
    prices = PriceBook()
    analysed: dict[str, int] = {}  # text -> segments
    cost, segments = Decimal(0), 0
    for recipient in _recipients(text, resolved):
        if recipient.number not in resolved.by_number or recipient.number in blocked:
            continue
        body = text if recipient.text is None else recipient.text
        if body not in analysed:
            one = quote(team=team, text=body, conversion=conversion, prices=prices)
            if one.analysis.too_long:
                raise ValidationFailed("The text is longer than a message may be.", field="text")
            analysed[body] = one.analysis.segments
        segments = max(segments, analysed[body])
        cost += prices.per_segment(recipient.number) * analysed[body]
    given = len(resolved.by_number) + len(resolved.invalid) + len(resolved.duplicates)
    return SendQuote(
        given=given,
        recipients=len(numbers_) - len(blocked),
        invalid=resolved.invalid,
        duplicates=resolved.duplicates,
        blacklisted=tuple(n for n in numbers_ if n in blocked),
        segments=segments,
        cost=cost,
        balance=actor.balance,
    )


def _text(*, team, text: str, template_id: object) -> str:
    if template_id not in (None, ""):
        if text:
            raise ValidationFailed("Give either a text or a template, not both.", field="template_id")
        text = selectors.template_get(team=team, template_id=template_id).text
    if not str(text or "").strip():
        raise ValidationFailed("The text is required.", field="text")
    return text


def _resolve(*, team, group_ids: Iterable[object], contact_ids: Iterable[object], numbers: Iterable[str]) -> Resolved:
    """Groups, then contacts, then loose numbers; the first occurrence of a number wins."""
    by_number: dict[str, Contact | None] = {}
    duplicates: list[str] = []
    groups = [selectors.group_get(team=team, group_id=g) for g in dict.fromkeys(group_ids)]
    if groups:
        members = Contact.objects.filter(team=team, memberships__group__in=groups).distinct().order_by("id")
        for contact in members.iterator(chunk_size=CHUNK):
            by_number.setdefault(contact.number, contact)
    for contact in selectors.contact_list_by_ids(team=team, contact_ids=contact_ids):
        by_number.setdefault(contact.number, contact)
    invalid: dict[str, None] = {}  # as given: message_send rejects them in its own words
    for raw in numbers:
        try:
            read = read_entry(str(raw), default_country=team.default_country)
        except InvalidNumber:
            if str(raw) in invalid:
                duplicates.append(str(raw))
            invalid[str(raw)] = None
            continue
        for number in read:
            if number in by_number:
                duplicates.append(str(raw))
            else:
                by_number[number] = None
    _attach_contacts(team=team, by_number=by_number)
    return Resolved(by_number=by_number, invalid=tuple(invalid), duplicates=tuple(duplicates))


def _recipients(text: str, resolved: Resolved) -> list[Recipient]:
    """Each recipient with its text personalised from its contact (a loose number: `%number%` only)."""
    names = variable_names(text)
    recipients = []
    for number, contact in resolved.by_number.items():
        if names:
            values = {name: "" for name in names} | (contact.variables() if contact else {"number": number})
            recipients.append(Recipient(number=number, e164=True, text=fill_variables(text, values)))
        else:
            recipients.append(Recipient(number=number, e164=True))
    if names:
        blanks = fill_variables(text, {name: "" for name in names})
        recipients += [Recipient(number=raw, text=blanks) for raw in resolved.invalid]
    else:
        recipients += [Recipient(number=raw) for raw in resolved.invalid]
    return recipients


def _attach_contacts(*, team, by_number: dict[str, Contact | None]) -> None:
    """Loose numbers that are contacts of the team get their contact (one query per 5,000)."""
    unknown = [n for n, c in by_number.items() if c is None]
    for start in range(0, len(unknown), CHUNK):
        for contact in Contact.objects.filter(team=team, number__in=unknown[start : start + CHUNK]):
            by_number[contact.number] = contact
