"""Errors the services raise, each with a message fit to show a person."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from app.core.inputs import InputError, check_text


class ServiceError(Exception):
    """Base class: a refusal whose ``message`` is fit to show a person and whose ``code`` names its kind.

    The services know nothing of HTTP: the API maps each kind to its status (``app.api.errors``).
    """

    code = "error"
    retry_after: int | None = None
    """Seconds after which asking again may succeed (the API's ``Retry-After``); None: don't."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(ServiceError):
    """Missing, or owned by someone else: both look exactly the same to the caller."""

    code = "not_found"


class InvalidInputError(ServiceError):
    code = "invalid"


class ConflictError(ServiceError):
    code = "conflict"


class AuthError(ServiceError):
    """Not signed in, or the credentials are wrong."""

    code = "unauthorized"


class ForbiddenError(ServiceError):
    """Signed in, but not allowed to do this."""

    code = "forbidden"


class BusyError(ServiceError):
    """A thread already has a turn running."""

    code = "busy"


class StillProcessingError(ServiceError):
    """The same request (a widget click with the same idempotency key) is still being processed.

    Answered at once rather than waited for on a shared worker thread; asking again with the same
    key shortly after gets the first request's result, and never runs it twice.
    """

    code = "still_processing"
    retry_after = 1


def require_text(value: Any, what: str) -> Any:
    """``value`` when it is valid Unicode text (or not text); else an invalid-input error naming ``what``."""
    try:
        return check_text(value, what)
    except InputError as exc:
        raise InvalidInputError(f"{exc}.") from exc


def describe_validation_error(exc: ValidationError) -> str:
    """Turn pydantic's report into one readable sentence per problem (no stack trace)."""
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
        message = str(err.get("msg", "is invalid"))
        message = message.removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            message = "is not a known field"
        elif err.get("type") == "string_too_short" and field == "password":
            message = f"must be at least {err.get('ctx', {}).get('min_length', 8)} characters"
        parts.append(f"{field}: {message}" if field else message)
    return "; ".join(parts) or "Invalid input."


def invalid(exc: ValidationError) -> InvalidInputError:
    """An :class:`InvalidInputError` built from a pydantic error."""
    return InvalidInputError(describe_validation_error(exc))
