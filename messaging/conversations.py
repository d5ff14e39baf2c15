"""Conversations: the team's messages with one number, sent and received, read as a thread.

A thread is keyed by the other party's number (the recipient of what we sent, the sender of what we
received). The inbox lists the threads that hold at least one received message, newest first; a
reply from a thread is an ordinary send through `message_send` (priced, charged, blacklist-checked).
The names of the numbers are the address book's (contacts): its pages fill `Thread.name` in."""

from dataclasses import dataclass

from django.db.models import Case, CharField, Count, F, Max, Q, QuerySet, When

from accounts.models import Team, User
from accounts.permissions import team_of
from core.errors import NotFound, ValidationFailed
from messaging.models import Direction, Message
from messaging.selectors import message_list
from messaging.services import Recipient, SendResult, message_send

OTHER_PARTY = Case(When(direction=Direction.IN, then=F("sender")), default=F("recipient"), output_field=CharField())


@dataclass(frozen=True)
class Thread:
    number: str
    last: Message
    messages: int
    unread: int
    name: str = ""  # the contact's name, when the page has looked it up


def _thread_messages(*, team: Team, actor: User) -> QuerySet[Message]:
    return message_list(team=team, actor=actor).annotate(other=OTHER_PARTY)


def conversation_list(*, team: Team, actor: User, limit: int, offset: int = 0) -> tuple[list[Thread], int]:
    """The threads with at least one received message, most recent first, and how many there are:
    two queries whatever the page size (threads, their last messages)."""
    grouped = (
        _thread_messages(team=team, actor=actor)
        .values("other")
        .annotate(
            last_id=Max("id"),
            total=Count("id"),
            received=Count("id", filter=Q(direction=Direction.IN)),
            unread=Count("id", filter=Q(direction=Direction.IN, is_read=False)),
        )
        .filter(received__gt=0)
        .order_by("-last_id")
    )
    count = grouped.count()
    rows = list(grouped[offset : offset + limit])
    last = Message.objects.in_bulk([r["last_id"] for r in rows])
    threads = [
        Thread(
            number=r["other"],
            last=last[r["last_id"]],
            messages=r["total"],
            unread=r["unread"],
        )
        for r in rows
    ]
    return threads, count


def conversation_get(*, team: Team, actor: User, number: str) -> list[Message]:
    """Every message of the thread with `number` that the actor may read, oldest first; a number the
    actor has no message with is not found (like another team's object)."""
    thread = list(_thread_messages(team=team, actor=actor).filter(other=number).order_by("created_at", "id"))
    if not thread:
        raise NotFound("Conversation not found.", field="number")
    return thread


def conversation_mark_read(*, team: Team, actor: User, number: str) -> int:
    """Mark the thread's received messages read (the actor has opened it); how many were unread."""
    unread = message_list(team=team, actor=actor).filter(direction=Direction.IN, sender=number, is_read=False)
    return Message.objects.filter(pk__in=unread.values("pk")).update(is_read=True)


def unread_count(*, team: Team, actor: User) -> int:
    return message_list(team=team, actor=actor).filter(direction=Direction.IN, is_read=False).count()


def conversation_reply(*, actor: User, number: str, text: str) -> SendResult:
    """Send `text` to the thread's number, like any other message: one recipient, priced and charged
    by `message_send`. A recipient it refuses (an invalid route, a text too long) is an error here.
    Only a thread the actor can read is answered from here (new numbers go through the Send page)."""
    conversation_get(team=team_of(actor), actor=actor, number=number)
    result = message_send(actor=actor, recipients=[Recipient(number=number)], text=text, source="dashboard")
    if result.rejected and not result.messages:
        raise ValidationFailed(result.rejected[0].reason, field="text")
    return result
