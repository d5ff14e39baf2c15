"""Operator actions on sent messages: mark read or unread, delete, cancel what is scheduled."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from core.errors import ValidationFailed
from messaging.models import Batch, Message, Status
from messaging.services.dispatch import message_charges_refund
from messaging.services.status import message_transition


def message_mark_read(*, message: Message, actor: User, read: bool = True) -> Message:
    require(actor, Action.MESSAGE_READ, target=message.user)
    Message.objects.filter(pk=message.pk).update(is_read=read)
    message.is_read = read
    return message


def message_delete(*, message: Message, actor: User) -> Message:
    """Hide a message from history. One still waiting to be sent is cancelled (status DELETED) and
    refunded; one already on the network keeps its status and its charge."""
    require(actor, Action.MESSAGE_CANCEL, target=message.user)
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(is_deleted=True)
        if message_transition(
            message_ids=[message.pk], to=Status.DELETED, detail="deleted before sending", only_from=[Status.QUEUE]
        ):
            message_charges_refund(
                rows=Message.objects.filter(pk=message.pk).values("pk", "user_id", "batch_id", "price"),
                reason="cancelled",
            )
    message.refresh_from_db()
    return message


def batch_cancel(*, batch: Batch, actor: User) -> int:
    """Cancel every message of a batch not yet handed to the dispatcher; they are refunded."""
    require(actor, Action.MESSAGE_CANCEL, target=batch.user)
    if batch.cancelled_at:
        raise ValidationFailed("This batch was already cancelled.", field="batch")
    with transaction.atomic():
        waiting = list(Message.objects.filter(batch=batch, status=Status.QUEUE).values_list("pk", flat=True))
        rows = []
        for start in range(0, len(waiting), 1000):
            chunk = waiting[start : start + 1000]
            moved = message_transition(
                message_ids=chunk, to=Status.DELETED, detail="cancelled", only_from=[Status.QUEUE]
            )
            rows += list(Message.objects.filter(pk__in=moved).values("pk", "user_id", "batch_id", "price"))
        message_charges_refund(rows=rows, reason=f"batch {batch.pk} cancelled")
        Batch.objects.filter(pk=batch.pk).update(cancelled_at=timezone.now())
    return len(rows)


def message_refund(*, message: Message, actor: User, memo: str) -> Decimal:
    """Support staff give back a message's charge, whatever its status (at most once per message:
    ValidationFailed when it was refunded already or cost nothing). The staff action with its
    permission and memo; the refund itself is `message_charges_refund`."""
    require(actor, Action.MESSAGE_REFUND)
    if not memo.strip():
        raise ValidationFailed("A memo is required.", field="memo")
    rows = [{"pk": message.pk, "user_id": message.user_id, "batch_id": message.batch_id, "price": message.price}]
    amount = message_charges_refund(rows=rows, reason=memo, actor=actor)
    if not amount:
        raise ValidationFailed("This message was already refunded or cost nothing.", field="message")
    return amount
