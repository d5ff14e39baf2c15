"""Mobile-originated replies: stored as messages linked to what we sent, and a long reply that
arrives part by part joined into one message first."""

import logging
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.enqueue import enqueue_on_commit
from core.locks import transaction_lock
from messaging import segments
from messaging.callbacks.notify import reply_notification
from messaging.gateways.base import InboundSms
from messaging.models import BlacklistSource, DailyCount, Direction, InboundPart, Message, Status
from messaging.services.blacklist import blacklist_add
from messaging.services.status import ROW_FIELDS, count_deltas

log = logging.getLogger(__name__)
MISSING_PART = "…"  # stands for each part that never arrived in a reply stored incomplete
EXPIRE_PER_RUN = 1000  # incomplete replies stored per clean-up run, at most


def _is_opt_out(text: str) -> bool:
    words = text.strip().upper().split()
    return bool(words) and words[0] in {k.upper() for k in settings.SMS_OPT_OUT_KEYWORDS}


def inbound_receive(*, sms: InboundSms) -> Message | None:
    """Store a reply, linked to the last message we sent to that number; opt-out words blacklist it."""
    original = (
        Message.objects.select_related("team")
        .filter(direction=Direction.OUT, recipient=sms.sender)
        .order_by("-id")
        .first()
    )
    if original is None:
        log.warning("Inbound SMS from %s matches no message we sent; dropped", sms.sender)
        return None
    analysis = segments.analyse(sms.text)
    with transaction.atomic():
        reply = Message.objects.create(
            team=original.team,
            user_id=original.user_id,
            direction=Direction.IN,
            sender=sms.sender,
            recipient=sms.to or original.sender,
            text=sms.text,
            encoding=analysis.encoding,
            segments=analysis.segments,
            status=Status.DELIVRD,
            reply_to=original,
            campaign=original.campaign,
            data_field=original.data_field,
            request_dlr=False,
            created_at=sms.at,
            status_at=sms.at,
            done_at=sms.at,
        )
        row = {f: getattr(reply, f) for f in ROW_FIELDS}
        DailyCount.objects.bulk_create(count_deltas([row], status=Status.DELIVRD, sign=+1))
        if _is_opt_out(sms.text):  # an opt-out word is never a keyword (contacts.keywords refuses them)
            blacklist_add(team=original.team, number=sms.sender, source=BlacklistSource.REPLY)
        reply_notification(reply=reply, original=original, reply_url=original.team.reply_url)
        opted_out = _is_opt_out(sms.text)
    if not opted_out:
        # What answers a reply (contacts' keywords) sits above messaging: config names its tasks. An
        # answer is a send, so it is queued once the reply is stored, never sent inside this write.
        for task in settings.SMS_REPLY_TASKS:
            enqueue_on_commit(task, reply.pk)
    return reply


def inbound_part_receive(*, sms: InboundSms) -> Message | None:
    """Keep one part of a long reply (`sms.concat` says which); the part that completes the reply
    stores it whole through `inbound_receive`, so opt-out words are read on the whole text. Returns
    that reply, or None while parts are missing. A part offered twice is kept once."""
    if sms.concat is None:  # a whole SMS: nothing to join
        return inbound_receive(sms=sms)
    reference, total, sequence = sms.concat
    with transaction.atomic():
        _lock_reply(sms.sender, sms.to, reference)
        done = InboundPart.objects.filter(
            sender=sms.sender, to=sms.to, reference=reference, total=total, completed_at__isnull=False
        )
        if done.filter(sequence=sequence, text=sms.text).exists():
            return None  # offered again after its reply was stored
        done.delete()  # a new reply that reuses the reference of a stored one
        part = InboundPart(
            sender=sms.sender, to=sms.to, reference=reference, total=total, sequence=sequence, text=sms.text, at=sms.at
        )
        InboundPart.objects.bulk_create([part], ignore_conflicts=True)
        parts = _take_parts(sender=sms.sender, to=sms.to, reference=reference, total=total, only_complete=True)
        if not parts:
            return None
        return inbound_receive(sms=_whole(parts))


def inbound_parts_expire(*, older_than: timedelta) -> None:
    """Store each reply whose first part came more than `older_than` ago and whose other parts
    never all did, as one message with the missing parts marked: nothing is lost silently. Parts
    of replies stored that long ago are forgotten."""
    cutoff = timezone.now() - older_than
    InboundPart.objects.filter(completed_at__lt=cutoff).delete()
    stale = (
        InboundPart.objects.filter(created_at__lt=cutoff, completed_at__isnull=True)
        .values_list("sender", "to", "reference", "total")
        .order_by()
        .distinct()
    )
    for sender, to, reference, total in stale[:EXPIRE_PER_RUN]:
        with transaction.atomic():
            _lock_reply(sender, to, reference)
            parts = _take_parts(sender=sender, to=to, reference=reference, total=total, only_complete=False)
            if not parts:  # its last part came meanwhile and completed it
                continue
            log.warning("Reply from %s stored with %d of its %d parts", sender, len(parts), total)
            inbound_receive(sms=_whole(parts))


def _lock_reply(sender: str, to: str, reference: int) -> None:
    """The parts of one reply one at a time, so two arriving together cannot both miss that they
    complete it."""
    transaction_lock(f"inbound-reply:{sender}:{to}:{reference}")


def _take_parts(*, sender: str, to: str, reference: int, total: int, only_complete: bool) -> list[InboundPart]:
    """The waiting parts of one reply in order, now marked completed; none if `only_complete` and
    some are still missing."""
    waiting = InboundPart.objects.filter(
        sender=sender, to=to, reference=reference, total=total, completed_at__isnull=True
    )
    parts = list(waiting.order_by("sequence"))
    if not parts or (only_complete and len(parts) < total):
        return []
    waiting.update(completed_at=timezone.now())
    return parts


def _whole(parts: Sequence[InboundPart]) -> InboundSms:
    """The reply the parts make: their texts in order, each missing one marked; received with its last part."""
    first = parts[0]
    texts = {part.sequence: part.text for part in parts}
    text = "".join(texts.get(sequence, MISSING_PART) for sequence in range(1, first.total + 1))
    return InboundSms(sender=first.sender, to=first.to, text=text, at=max(part.at for part in parts))
