"""Domain errors: raised by services, turned into each dialect's documented shape by its handler."""

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INSUFFICIENT_CREDITS = "insufficient_credits"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"


class DomainError(Exception):
    """A rule said no. `field` names the input at fault, when there is one."""

    code: ErrorCode = ErrorCode.INVALID

    def __init__(self, message: str, *, field: str | None = None, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class ValidationFailed(DomainError):
    code = ErrorCode.INVALID


class ManyProblems(ValidationFailed):
    """Several fields wrong at once: `problems` is [(field, message)], the first one is the message."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(problems[0][1], field=problems[0][0])
        self.problems = problems


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class InsufficientCredits(DomainError):
    code = ErrorCode.INSUFFICIENT_CREDITS
