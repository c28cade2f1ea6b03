"""The one table from the services' kinds of refusal to HTTP statuses (``app.api.errors.STATUSES``)."""

from __future__ import annotations

import pytest

from app.api.errors import status_for
from app.services.account import WrongPasswordError
from app.services.errors import (
    AuthError,
    BusyError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    ServiceError,
    StillProcessingError,
)
from app.services.throttle import TooManyAttempts


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ServiceError, 400),
        (AuthError, 401),
        (ForbiddenError, 403),
        (WrongPasswordError, 403),
        (NotFoundError, 404),
        (ConflictError, 409),
        (BusyError, 409),
        (StillProcessingError, 409),
        (InvalidInputError, 422),
        (TooManyAttempts, 429),
    ],
)
def test_status_for_each_kind(error: type[ServiceError], status: int) -> None:
    assert status_for(error("x")) == status


def test_status_for_unlisted_subclass_takes_nearest_base() -> None:
    class GoneError(NotFoundError):
        code = "gone"

    class Odd(ServiceError):
        pass

    assert (status_for(GoneError("x")), status_for(Odd("x"))) == (404, 400)


def test_service_errors_carry_no_http_status() -> None:
    """The services speak in kinds (``code``); only the API knows HTTP."""
    for error in (ServiceError, NotFoundError, AuthError, TooManyAttempts, WrongPasswordError):
        assert not hasattr(error("x"), "status")
