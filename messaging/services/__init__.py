"""Every write to messages goes through these functions: pages, API dialects, admin and tasks alike."""

from .history import batch_cancel, message_delete, message_mark_read, message_refund
from .send import BlacklistedRecipient, EmptyText, Recipient, Rejection, RejectionCode, SendResult, message_send

__all__ = [
    "BlacklistedRecipient",
    "EmptyText",
    "Recipient",
    "Rejection",
    "RejectionCode",
    "SendResult",
    "batch_cancel",
    "message_delete",
    "message_mark_read",
    "message_refund",
    "message_send",
]
