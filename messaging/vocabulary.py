"""How each documented dialect names our statuses. One table per dialect, in one place."""

from messaging.models import RANK, Status

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
