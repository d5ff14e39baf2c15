"""The 2FA service's refusals. Field names are the service's own; a dialect renames them
(seed 000: `verified_at` -> `auth_status`, `expires_at` -> `expire_time`). The texts are the
seed's documented wording, which integrators compare."""

from core.errors import DomainError, ErrorCode, ValidationFailed

PIN_NOT_FOUND = "PIN not found"
PIN_MISMATCH = "PIN and PIN ID not matching"
PIN_ALREADY_VERIFIED = "The PIN has already been authenticated"
PIN_EXPIRED = "The PIN given has expired"
PIN_LOCKED = "Too many wrong attempts: request a new PIN"
PIN_LENGTH_RANGE = "The pin length must be between {low} and {high}."
PIN_LENGTH_DIGITS = "The pin length must be at least {low} when PINs are digits only."


class PinNotFound(ValidationFailed):
    def __init__(self) -> None:
        super().__init__(PIN_NOT_FOUND, field="pin")


class PinMismatch(ValidationFailed):
    def __init__(self) -> None:
        super().__init__(PIN_MISMATCH, field="pin_id")


class PinLocked(ValidationFailed):
    def __init__(self) -> None:
        super().__init__(PIN_LOCKED, field="pin_id")


class PinAlreadyVerified(ValidationFailed):
    def __init__(self) -> None:
        super().__init__(PIN_ALREADY_VERIFIED, field="verified_at")


class PinExpired(ValidationFailed):
    def __init__(self) -> None:
        super().__init__(PIN_EXPIRED, field="expires_at")


class PinRateLimited(DomainError):
    """A send cap was reached; `retry_after` is the number of seconds until one more PIN is allowed."""

    code = ErrorCode.RATE_LIMITED

    def __init__(self, message: str, *, retry_after: int, field: str = "receiver") -> None:
        super().__init__(message, field=field)
        self.retry_after = max(1, int(retry_after))
