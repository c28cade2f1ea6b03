"""Errors the services raise, each with a message fit to show a person."""

from __future__ import annotations

import re
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


SENTENCES: dict[tuple[str, str], str] = {
    ("email", "missing"): "Enter your email address.",
    ("email", "string_type"): "Enter your email address.",
    ("email", "string_too_long"): "That email address is too long: use at most {max_length} characters.",
    ("email", "value_error"): "{message}",
    ("password", "missing"): "Enter a password.",
    ("password", "string_type"): "Enter a password.",
    ("password", "string_too_short"): "Use at least {min_length} characters for your password.",
    ("password", "string_too_long"): "Use at most {max_length} characters for your password.",
    ("name", "string_too_long"): "Use at most {max_length} characters for your name.",
    ("name", "too_long"): "Use at most {max_length} characters for your name.",
    ("retention_days", "literal_error"): "Keep chats for 30, 90 or 365 days, or forever.",
}
"""Whole sentences for the fields people fill in on the sign-in, sign-up and settings forms, by
(field, pydantic error type); ``{message}`` is the validator's own sentence, the other names come
from the error's context. Any other problem keeps the ``field: problem`` form the API and the agent's
tool errors use (a client or a model needs to know which field)."""


def describe_validation_error(exc: ValidationError) -> str:
    """Turn pydantic's report into one readable message per problem (no stack trace).

    The one place a validation error becomes words: a form field's problem is a sentence a person
    can act on ("Use at least 8 characters for your password."), from :data:`SENTENCES`, and not
    ``password: must be at least 8 characters``; anything else reads ``field: problem``.
    """
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
        kind = str(err.get("type", ""))
        message = str(err.get("msg", "is invalid"))
        message = message.removeprefix("Value error, ")
        sentence = SENTENCES.get((field, kind))
        if sentence is not None:
            parts.append(sentence.format_map({**(err.get("ctx") or {}), "message": message}))
            continue
        if kind == "extra_forbidden":
            message = "is not a known field"
        parts.append(f"{field}: {message}" if field else message)
    separator = " " if parts and all(p.endswith(".") for p in parts) else "; "
    return separator.join(parts) or "Invalid input."


_FIELD_THEN_SENTENCE = re.compile(r"^[a-z_]+(?:\.[a-z0-9_]+)*: (?=[A-Z])")


def for_a_person(message: str) -> str:
    """A service's ``message`` as a page shows it: "Tag 'a b' may only hold letters, ..." rather
    than the ``tags: Tag 'a b' ...`` the API and the agent's tools get, when the validator's own
    sentence follows the field's name (it names the field itself), and ending with a full stop.
    Any other message is returned as it is."""
    found = _FIELD_THEN_SENTENCE.match(message)
    if found is None:
        return message
    rest = message[found.end() :]
    return rest if rest.endswith((".", "!", "?")) else f"{rest}."


def invalid(exc: ValidationError) -> InvalidInputError:
    """An :class:`InvalidInputError` built from a pydantic error."""
    return InvalidInputError(describe_validation_error(exc))
