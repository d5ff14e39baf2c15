"""Keyword auto-replies: a team's words (besides the opt-out words) that answer an inbound message
on their own. The reply goes through `message_send` (priced and charged to the user whose message
was answered); the sender can also join a contact group. Run for each stored reply by the task
`contacts.tasks.keyword_answer`, which `inbound_receive` queues once the reply is stored (through
settings.SMS_REPLY_TASKS: messaging does not know what the address book does with a reply)."""

import logging

from django.conf import settings
from django.db import transaction

from accounts.models import Team, User
from accounts.permissions import Action, require, team_of
from contacts.models import Contact, Group, Keyword
from contacts.services import contact_create, group_contact_add
from core.errors import DomainError, ManyProblems, NotFound
from messaging.models import Message
from messaging.services.send import Recipient, SendResult, message_send

log = logging.getLogger(__name__)
MAX_WORD = 30


def _first_word(text: str) -> str:
    words = text.strip().upper().split()
    return words[0] if words else ""


def keyword_clean(*, team: Team, word: str, reply_text: str, group: Group | None, exclude: int | None = None) -> str:
    """The keyword as stored (capitals), or every problem with the entry at once."""
    problems: list[tuple[str, str]] = []
    cleaned = (word or "").strip().upper()
    if not cleaned:
        problems.append(("word", "Enter a keyword."))
    elif len(cleaned.split()) > 1:
        problems.append(("word", "A keyword is one word, without spaces."))
    elif len(cleaned) > MAX_WORD:
        problems.append(("word", f"A keyword has at most {MAX_WORD} characters."))
    elif cleaned in {k.upper() for k in settings.SMS_OPT_OUT_KEYWORDS}:
        problems.append(("word", f"{cleaned} is an opt-out word: it always blacklists the sender."))
    elif Keyword.objects.filter(team=team, word=cleaned).exclude(pk=exclude or 0).exists():
        problems.append(("word", f"The team already has the keyword {cleaned}."))
    if not (reply_text or "").strip():
        problems.append(("reply_text", "Enter the reply text."))
    if group is not None and group.team_id != team.pk:
        problems.append(("group", "Choose one of the team's groups."))
    if problems:
        raise ManyProblems(problems)
    return cleaned


def keyword_create(*, actor: User, word: str, reply_text: str, group: Group | None = None) -> Keyword:
    team = team_of(actor)
    require(actor, Action.TEAM_SETTINGS, team=team)
    cleaned = keyword_clean(team=team, word=word, reply_text=reply_text, group=group)
    return Keyword.objects.create(team=team, word=cleaned, reply_text=reply_text.strip(), group=group)


def keyword_update(*, actor: User, keyword: Keyword, word: str, reply_text: str, group: Group | None = None) -> Keyword:
    """Change a keyword's word, reply or group, by the rules of a new one (another keyword of the team
    may not have the word)."""
    team = team_of(actor)
    require(actor, Action.TEAM_SETTINGS, team=team)
    if keyword.team_id != team.pk:
        raise NotFound("Keyword not found.", field="keyword_id")
    keyword.word = keyword_clean(team=team, word=word, reply_text=reply_text, group=group, exclude=keyword.pk)
    keyword.reply_text, keyword.group = reply_text.strip(), group
    keyword.save(update_fields=["word", "reply_text", "group"])
    return keyword


def keyword_delete(*, actor: User, keyword_id: object) -> None:
    require(actor, Action.TEAM_SETTINGS, team=actor.team)
    deleted, _ = Keyword.objects.filter(team=actor.team, pk=_pk(keyword_id)).delete()
    if not deleted:
        raise NotFound("Keyword not found.", field="keyword_id")


def _pk(keyword_id: object) -> int:
    text = str(keyword_id)
    return int(text) if text.isdigit() else 0


def keyword_list(*, team: Team):
    return Keyword.objects.filter(team=team).select_related("group")


def keyword_get(*, team: Team, keyword_id: object) -> Keyword:
    keyword = keyword_list(team=team).filter(pk=_pk(keyword_id)).first()
    if keyword is None:
        raise NotFound("Keyword not found.", field="keyword_id")
    return keyword


def keyword_match(*, team: Team, text: str) -> Keyword | None:
    word = _first_word(text)
    if not word:
        return None
    return Keyword.objects.filter(team=team, word=word).select_related("group").first()


def keyword_answer(*, inbound: Message) -> SendResult | None:
    """Answer a stored inbound message whose first word is one of its team's keywords: join the
    group, send the reply. A reply that cannot be sent (no credits, say) is logged, never raised:
    the inbound message is already stored."""
    keyword = keyword_match(team=inbound.team, text=inbound.text)
    if keyword is None:
        return None
    if keyword.group is not None:
        with transaction.atomic():
            contact = Contact.objects.filter(team=inbound.team, number=inbound.sender).first()
            if contact is None:
                contact = contact_create(team=inbound.team, number=inbound.sender)
            group_contact_add(team=inbound.team, group=keyword.group, contact=contact)
    actor = User.objects.select_related("team").filter(pk=inbound.user_id).first()
    if actor is None:
        return None
    try:
        return message_send(
            actor=actor,
            recipients=[Recipient(number=inbound.sender)],
            text=keyword.reply_text,
            campaign=f"keyword {keyword.word}"[:50],
            source="keyword",
        )
    except DomainError as exc:
        log.warning("Keyword %s reply to %s not sent: %s", keyword.word, inbound.sender, exc.message)
        return None
