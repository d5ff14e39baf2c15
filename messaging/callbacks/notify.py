"""Customer notifications of status changes and replies, as Callback rows delivered by huey.

Which URL gets what (documented per seed; the README's API map lists them):
- `dlruri` of seed 000: GET of the URL template, final statuses only; `%dlr%` is the classic
  numeric code (1 delivered, 2 undelivered, 4 queued at the operator, 8 sent, 16 rejected).
- `callbacks` of seed 003 (when requestDR): JSON POST of the message, on every change from SENT on.
- the team's delivery-report URL (seed 001): POST `status` (DELIVERED/FAILED/...) and `messageId`.
- the team's reply-forward URL (seed 001): POST of `from`, `repliedToMessageId`, `messageId`,
  `message`, `date`, `campaign`, `dataField` for each reply.
"""

import json
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlencode

from django.utils import timezone

from core.enqueue import enqueue_each_on_commit
from messaging.callbacks.webhooks import expand_dlr_template
from messaging.models import Callback, CallbackKind, Message, Status, rank
from messaging.vocabulary import dlr_code, is_final, rest_v1_status

NOTIFY_FIELDS = (
    "pk",
    "uuid",
    "team_id",
    "sender",
    "recipient",
    "text",
    "status",
    "client_ref",
    "campaign",
    "data_field",
    "request_dlr",
    "dlr_url",
    "callbacks",
    "extras",
    "segments",
    "team__dlr_url",
    "user__email",
    "team__name",
)


# The fields of a message that `status_document` reads (besides its status and time).
DOCUMENT_FIELDS = (
    "uuid",
    "sender",
    "recipient",
    "text",
    "request_dlr",
    "client_ref",
    "extras",
    "callbacks",
    "segments",
    "team__name",
    "user__email",
)


def status_document(m: dict, *, status: str, at: datetime) -> dict:
    """A message as seed 003 shows it: the body of its JSON callbacks and of GET /messages/{id}.
    `email`, `connection` and `callbacks` are there when the message was sent with them."""
    extras = m["extras"] or {}
    document = {
        "id": str(m["uuid"]),
        "from": m["sender"],
        "to": m["recipient"],
        "text": m["text"],
        "requestDR": m["request_dlr"],
        "type": "MT",
        "owner": m["team__name"],
        "operator": m["user__email"],
        "status": status,
        "date": at.isoformat().replace("+00:00", "Z"),
        "externalId": m["client_ref"],
        "clientId": extras.get("client_id", ""),
        "segments": m["segments"],
    }
    for name in ("email", "connection"):
        if extras.get(name):
            document[name] = extras[name]
    if m["callbacks"]:
        document["callbacks"] = ",".join(m["callbacks"])
    return document


# What a status change needs to know, per message, to tell whether `notifications_for` has work.
NOTIFY_ROW_FIELDS = ("request_dlr", "dlr_url", "callbacks")


def wants_notification(row: dict, *, status: str, team_dlr_url: str) -> bool:
    """Whether `notifications_for` would make a callback for this message (a dict with
    NOTIFY_ROW_FIELDS) reaching `status`; most messages ask for none, and then need no query."""
    if not row["request_dlr"] or rank(status) < rank(Status.SENT):
        return False
    return bool(row["callbacks"]) or (is_final(status) and bool(row["dlr_url"] or team_dlr_url))


def notifications_for(*, message_ids: Sequence[int], status: str, at: datetime) -> list[Callback]:
    """Callbacks owed for these messages reaching `status`; delivered after the transaction commits."""
    if rank(status) < rank(Status.SENT):
        return []
    final = is_final(status)
    rows = Message.objects.filter(pk__in=message_ids, request_dlr=True).values(*NOTIFY_FIELDS)
    callbacks = []
    for m in rows:
        if m["dlr_url"] and final:
            url = expand_dlr_template(
                m["dlr_url"],
                smsid=m["client_ref"] or str(m["uuid"]),
                dlr=str(dlr_code(status)),
                receiver=m["recipient"].lstrip("+"),
                time=timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S"),
            )
            callbacks.append(
                Callback(team_id=m["team_id"], message_id=m["pk"], kind=CallbackKind.DLR_URI, method="GET", url=url)
            )
        for url in m["callbacks"] or []:
            body = json.dumps(status_document(m, status=status, at=at))
            callbacks.append(
                Callback(
                    team_id=m["team_id"],
                    message_id=m["pk"],
                    kind=CallbackKind.STATUS_JSON,
                    method="POST",
                    url=url,
                    body=body,
                    content_type="application/json",
                )
            )
        if m["team__dlr_url"] and final:
            body = urlencode({"status": rest_v1_status(status), "messageId": str(m["uuid"])})
            callbacks.append(
                Callback(
                    team_id=m["team_id"],
                    message_id=m["pk"],
                    kind=CallbackKind.DLR_FORWARD,
                    method="POST",
                    url=m["team__dlr_url"],
                    body=body,
                    content_type="application/x-www-form-urlencoded",
                )
            )
    return _save_and_enqueue(callbacks)


def reply_notification(*, reply: Message, original: Message | None, reply_url: str) -> list[Callback]:
    if not reply_url:
        return []
    body = urlencode(
        {
            "from": reply.sender,
            "repliedToMessageId": str(original.uuid) if original else "",
            "messageId": str(reply.uuid),
            "message": reply.text,
            "date": timezone.localtime(reply.created_at).strftime("%Y%m%d%H%M"),
            "campaign": original.campaign if original else "",
            "dataField": original.data_field if original else "",
        }
    )
    callback = Callback(
        team_id=reply.team_id,
        message=reply,
        kind=CallbackKind.REPLY_FORWARD,
        method="POST",
        url=reply_url,
        body=body,
        content_type="application/x-www-form-urlencoded",
    )
    return _save_and_enqueue([callback])


def _save_and_enqueue(callbacks: list[Callback]) -> list[Callback]:
    if not callbacks:
        return []
    now = timezone.now()
    for callback in callbacks:
        callback.next_attempt_at = now
    saved = Callback.objects.bulk_create(callbacks)
    enqueue_each_on_commit("messaging.tasks.callback_deliver", [(c.pk, c.team_id) for c in saved])
    return saved
