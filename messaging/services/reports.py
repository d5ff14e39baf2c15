"""What the network tells us: delivery reports (per part) and mobile-originated replies."""

import logging
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction

from contacts.models import BlacklistSource
from contacts.services import blacklist_add
from messaging import segments
from messaging.gateways.base import REPORT_STATES, DeliveryReport, InboundSms
from messaging.models import DailyCount, Direction, EarlyReport, Message, MessagePart, Status, rank, statuses_below
from messaging.notify import reply_notification
from messaging.services.status import ROW_FIELDS, count_deltas, message_transition
from messaging.vocabulary import is_final

log = logging.getLogger(__name__)


class EngineSink:
    """The ReportSink every gateway is given."""

    def reports(self, reports: Sequence[DeliveryReport]) -> None:
        report_apply(reports=reports)

    def inbound(self, messages: Sequence[InboundSms]) -> None:
        for sms in messages:
            inbound_receive(sms=sms)


def combined_status(states: Sequence[str]) -> str:
    """A multipart message is delivered when every part is; it failed when any part failed for good;
    otherwise it is as far along as its slowest part."""
    if all(is_final(s) for s in states):
        return next((s for s in states if s != Status.DELIVRD), Status.DELIVRD)
    return min((s for s in states if not is_final(s)), key=rank)


def report_apply(*, reports: Sequence[DeliveryReport]) -> None:
    valid = [r for r in reports if r.state in REPORT_STATES]
    if not valid:
        return
    with transaction.atomic():
        parts = {p.network_id: p for p in MessagePart.objects.filter(network_id__in={r.part_id for r in valid})}
        early = [r for r in valid if r.part_id not in parts]
        EarlyReport.objects.bulk_create(
            [EarlyReport(network_id=r.part_id, state=r.state, at=r.at, error=r.error[:255]) for r in early]
        )
        touched: dict[int, DeliveryReport] = {}
        by_state: dict[str, list[DeliveryReport]] = defaultdict(list)
        for r in valid:
            if r.part_id in parts:
                by_state[r.state].append(r)
                touched[parts[r.part_id].message_id] = max(
                    r, touched.get(parts[r.part_id].message_id, r), key=lambda x: x.at
                )
        # One guarded UPDATE per state, lowest rank first: a late ENROUTE never overwrites DELIVRD,
        # and a duplicate changes nothing (the message transition below is guarded too).
        for state in sorted(by_state, key=rank):
            ids = [r.part_id for r in by_state[state]]
            MessagePart.objects.filter(network_id__in=ids, state__in=statuses_below(state)).update(state=state)
        if not touched:
            return
        states: dict[int, list[str]] = defaultdict(list)
        for message_id, state in MessagePart.objects.filter(message_id__in=touched).values_list("message_id", "state"):
            states[message_id].append(state)
        by_target: dict[str, list[int]] = defaultdict(list)
        for message_id, part_states in states.items():
            by_target[combined_status(part_states)].append(message_id)
        for status, ids in by_target.items():
            last = max((touched[i] for i in ids), key=lambda r: r.at)
            fields = {"done_at": last.at} if is_final(status) else {}
            error = next((touched[i].error for i in ids if touched[i].error), "")
            message_transition(message_ids=ids, to=status, at=last.at, detail=error, error=error[:255], **fields)


def early_reports_apply(*, network_ids: Sequence[str]) -> None:
    """Apply reports that arrived before these parts were stored."""
    early = list(EarlyReport.objects.filter(network_id__in=network_ids))
    if early:
        EarlyReport.objects.filter(pk__in=[e.pk for e in early]).delete()
        report_apply(reports=[DeliveryReport(e.network_id, e.state, e.at, e.error) for e in early])


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
        if _is_opt_out(sms.text):
            blacklist_add(team=original.team, number=sms.sender, source=BlacklistSource.REPLY)
        reply_notification(reply=reply, original=original, reply_url=original.team.reply_url)
    return reply
