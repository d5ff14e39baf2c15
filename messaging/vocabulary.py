"""How each documented dialect, and the dashboard, names our statuses. One table per reader, in one place."""

from dataclasses import dataclass

from messaging.models import FAILED, RANK, Status

# Seed 000 `%dlr%` in dlruri: the classic numeric delivery-report codes.
DLR_CODES = {Status.DELIVRD: 1, Status.SENT: 8, Status.ENROUTE: 4, Status.ACCEPTD: 4, Status.UNKNOWN: 4}
DLR_UNDELIVERED, DLR_REJECTED = 2, 16

# Seed 001 (REST API v1) message statuses.
REST_V1 = {
    Status.QUEUE: "SCHEDULED",
    Status.DEQUEUED: "SCHEDULED",
    Status.SENT: "SENT",
    Status.ENROUTE: "SENT",
    Status.ACCEPTD: "SENT",
    Status.UNKNOWN: "UNKNOWN",
    Status.DELIVRD: "DELIVERED",
    Status.BLACKLISTED: "FAILED_OPTOUT",
    Status.DELETED: "DELETED",
}


def dlr_code(status: str) -> int:
    if status in DLR_CODES:
        return DLR_CODES[status]
    return DLR_REJECTED if status in (Status.REJECTD, Status.BLACKLISTED) else DLR_UNDELIVERED


def rest_v1_status(status: str) -> str:
    """Failures before the network are refunded (FAILED_REFUNDED); failures after it are FAILED."""
    if status in REST_V1:
        return REST_V1[status]
    return "FAILED" if status in (Status.UNDELIV, Status.EXPIRED) else "FAILED_REFUNDED"


def is_final(status: str) -> bool:
    return status not in RANK


# The dashboard's words: what an operator reads instead of the carrier's codes. Every page asks here
# (the `statuses` template library), so one status reads the same everywhere.


@dataclass(frozen=True)
class StatusWords:
    word: str  # Queued, Sent, Delivered, Failed...
    tone: str  # badge colour: ok, bad, wait, off
    code: str  # the status as stored (and as the carrier said it), for the tooltip
    meaning: str  # one sentence


STATUS_WORDS = {
    Status.QUEUE: ("Queued", "wait", "Waiting to be handed to the network (or for its send time)."),
    Status.DEQUEUED: ("Sending", "wait", "Being handed to the network now."),
    Status.SENT: ("Sent", "wait", "The network took it; waiting for the delivery report."),
    Status.ENROUTE: ("Sent", "wait", "On its way to the phone."),
    Status.ACCEPTD: ("Sent", "wait", "Accepted by the carrier; waiting for the phone."),
    Status.UNKNOWN: ("Sent", "wait", "Sent, but the carrier does not know yet whether it arrived."),
    Status.DELIVRD: ("Delivered", "ok", "The phone received it."),
    Status.UNDELIV: ("Failed", "bad", "The carrier could not deliver it."),
    Status.EXPIRED: ("Expired", "bad", "The phone was unreachable until the carrier gave up."),
    Status.REJECTD: ("Rejected", "bad", "The carrier refused it."),
    Status.DELETED: ("Cancelled", "off", "Cancelled before it was sent."),
    Status.INVALID_ROUTING: ("Failed", "bad", "No route to this number: it is not a valid mobile number."),
    Status.CODE_NOT_ALLOWED: ("Blocked", "bad", "Sending to this country is not allowed for your team."),
    Status.BLACKLISTED: ("Blocked", "off", "The number is on your blacklist: not sent, not charged."),
    Status.ERROR: ("Failed", "bad", "It could not be sent."),
    Status.SEGMENTS_EXCEEDED: ("Failed", "bad", "The text is longer than a message may be."),
}

# Status groups of the history filter: what an operator asks ("what failed?"), not the codes.
STATUS_GROUPS = {
    "delivered": (Status.DELIVRD,),
    "failed": tuple(sorted(FAILED)),
    "pending": tuple(RANK),
    "blocked": (Status.BLACKLISTED, Status.CODE_NOT_ALLOWED),
    "cancelled": (Status.DELETED,),
}

# Why a message failed: the gateway's error (an SMPP command_status name, a receipt's `err:` code,
# which carriers take from GSM MAP's error codes, or the engine's own words) in a short explanation.
ERRORS = {
    "001": "Unknown subscriber: the number is not in service.",
    "005": "Unidentified subscriber: the network does not know this phone.",
    "006": "Absent subscriber: the phone is off or out of coverage.",
    "009": "Illegal subscriber: the carrier refused this phone.",
    "011": "The subscription does not include SMS.",
    "012": "Illegal equipment: the phone is barred from the network.",
    "013": "Call barred: the subscriber or carrier blocks messages.",
    "021": "The carrier does not support this kind of message.",
    "027": "Absent subscriber: the phone is off or out of coverage.",
    "031": "The phone was busy receiving another message.",
    "032": "Delivery failed on the phone (its memory may be full).",
    "034": "System failure at the carrier.",
    "036": "The carrier rejected the message's content or format.",
    "ESME_RINVDSTADR": "Invalid destination number.",
    "ESME_RINVSRCADR": "The sender name or number is not allowed.",
    "ESME_RTHROTTLED": "The carrier asked us to slow down; it will be retried.",
    "ESME_RMSGQFUL": "The carrier's queue for this phone is full.",
    "ESME_RSUBMITFAIL": "The carrier refused the message.",
    "ESME_RINVMSGLEN": "The message is too long for the carrier.",
    "ESME_RX_P_APPN": "The carrier refused the message for good.",
    "ESME_RSYSERR": "System error at the carrier.",
    "lost before sending": "The worker stopped before handing it over; it was refunded.",
    "Refused by the network": "The carrier refused the message.",
    "SMSC unavailable": "The carrier's system could not be reached.",
    "Invalid number": "The number is not a valid phone number.",
}


def status_words(status: str) -> StatusWords:
    word, tone, meaning = STATUS_WORDS.get(status, (str(status).title(), "wait", ""))
    return StatusWords(word=word, tone=tone, code=str(status), meaning=meaning)


def known_error(error: str) -> str:
    """The table's explanation of a gateway's error, or "" when the table does not know it."""
    error = (error or "").strip()
    key = error.removeprefix("err:").strip()
    if not key:
        return ""
    if key in ERRORS:
        return ERRORS[key]
    if key.isdigit() and key.zfill(3) in ERRORS:
        return ERRORS[key.zfill(3)]
    return next((words for known, words in ERRORS.items() if error.startswith(known)), "")


def error_explained(error: str) -> str:
    """A short explanation of a gateway's error ("" when there was none); an unknown one is shown as it is."""
    error = (error or "").strip()
    return known_error(error) or (f"The carrier said: {error}" if error else "")


def failure_reason(status: str, error: str) -> str:
    """Why a message did not arrive: its error explained, else what its status means."""
    if status not in FAILED and status not in (Status.BLACKLISTED, Status.CODE_NOT_ALLOWED):
        return ""
    return error_explained(error) or status_words(status).meaning
