"""One error shape for the whole API: ``{"error": {"code", "message"}}``, never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from app.agent.types import ToolError
from app.core.db import UNAVAILABLE_MESSAGE, is_database_outage
from app.core.inputs import NOT_UNICODE, printable
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
from app.services.two_factor import SecondFactorRequired

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "internal",
    503: "service_unavailable",
}

RETRY_AFTER_SECONDS = 5
NOTHING_HERE = "There is nothing at this address (the API is described at /api/docs)."
"""The 404 of an address no route answers; the admin routes answer anyone but an admin with it too."""

STATUSES: dict[type[ServiceError], int] = {
    ServiceError: 400,
    AuthError: 401,
    ForbiddenError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    BusyError: 409,
    StillProcessingError: 409,
    InvalidInputError: 422,
    TooManyAttempts: 429,
    SecondFactorRequired: 401,
}
"""The HTTP status of each kind of refusal the services raise; a subclass not listed takes its
nearest listed base's (``WrongPasswordError`` is a ``ForbiddenError``: 403)."""


def status_for(exc: ServiceError) -> int:
    """The HTTP status answering ``exc`` (see :data:`STATUSES`)."""
    return next(STATUSES[cls] for cls in type(exc).__mro__ if cls in STATUSES)


def error_response(
    status: int, message: str, code: str | None = None, headers: dict | None = None
) -> JSONResponse:
    # A message may quote the input; text that isn't valid Unicode could not be sent back.
    return JSONResponse(
        {"error": {"code": code or CODES.get(status, "error"), "message": printable(message)}},
        status_code=status,
        headers=headers,
    )


NOTHING_HERE = "There is nothing at this address (the API is described at /api/docs)."
"""What an address no route takes answers (404); the admin routes answer it to anyone but an admin."""
HIDDEN_PREFIXES = ("/api/admin",)
"""Paths whose routes must not show they exist: a wrong method there is a 404 as for a missing
path, not a 405 naming the methods (which would tell a non-admin the admin API is there)."""


class Unmatched:
    """The last route under a prefix (``/api``, ``/mcp``): what no route there answers, in the one shape.

    A path no route knows is a 404; a path a route knows, asked with a method it doesn't take, a
    405 naming in ``Allow`` every method some route takes there. In the real app the API is mounted in
    front of Reflex, so without this such requests fell through to Reflex (its HTML 404 page, or a
    ``405 text/plain``); routing answers first, before any sign-in check, as FastAPI's own routing does.
    """

    METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")

    def __init__(self, api: FastAPI) -> None:
        self.api = api

    def _allowed(self, scope: Scope) -> list[str]:
        """The methods some route of the API takes at this path (asked of the routes themselves)."""
        routes = []
        for route in self.api.router.routes:
            if getattr(route, "app", None) is self:  # ours come after every route of the API
                break
            routes.append(route)
        return [
            method
            for method in self.METHODS
            if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hidden = str(scope.get("path", "")).startswith(HIDDEN_PREFIXES)
        if not hidden and (allowed := self._allowed(scope)):
            allow = ", ".join(allowed)
            message = f"{scope['method']} is not allowed here; this address takes {allow}."
            response = error_response(405, message, headers={"Allow": allow})
        else:
            response = error_response(404, NOTHING_HERE)
        await response(scope, receive, send)


def install_unmatched(api: FastAPI, *prefixes: str) -> None:
    """What no route under ``prefixes`` answers goes to :class:`Unmatched`; call after adding every route."""
    unmatched = Unmatched(api)
    for prefix in prefixes:
        api.add_route(prefix, unmatched, include_in_schema=False)  # an ASGI app: every method
        api.add_route(prefix + "/{path:path}", unmatched, include_in_schema=False)


def describe_failure(exc: Exception) -> dict[str, str]:
    """The ``{"code", "message"}`` for a failure reported in-band (a stream already under way)."""
    if isinstance(exc, ServiceError):
        return {"code": exc.code, "message": exc.message}
    if is_database_outage(exc):
        return {"code": CODES[503], "message": UNAVAILABLE_MESSAGE}
    log.error("turn failed in a stream: %s", exc.__class__.__name__)
    return {"code": CODES[500], "message": "Something went wrong on our side. Try again."}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = list(err.get("loc", ()))
        if where and where[0] in ("body", "query", "path", "header"):  # where it came, not a field name
            where = where[1:]
        loc = ".".join(str(p) for p in where)
        msg = str(err.get("msg", "is invalid")).removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            msg = "is not a known field"
        elif err.get("type") == "string_unicode":  # e.g. a field name holding a lone surrogate
            msg = NOT_UNICODE if loc else f"A field name or value {NOT_UNICODE}"
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts) or "Invalid request."


def install(api: FastAPI) -> None:
    @api.exception_handler(ServiceError)
    async def _service(_request: Request, exc: ServiceError) -> JSONResponse:
        status = status_for(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
        if exc.retry_after is not None:
            headers["Retry-After"] = str(exc.retry_after)
        return error_response(status, exc.message, exc.code, headers or None)

    @api.exception_handler(ToolError)
    async def _tool(_request: Request, exc: ToolError) -> JSONResponse:
        return error_response(422, str(exc))

    @api.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, _validation_message(exc))

    @api.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError) -> JSONResponse:
        # A value the database refuses, e.g. a NUL character (PostgreSQL text cannot hold one).
        log.warning("API input refused by the database: %s", exc.orig.__class__.__name__)
        return error_response(422, "The request holds a value that can't be stored (e.g. a NUL character).")

    @api.exception_handler(DBAPIError)
    @api.exception_handler(DisconnectionError)
    @api.exception_handler(PoolTimeoutError)
    async def _database(_request: Request, exc: Exception) -> JSONResponse:
        if not is_database_outage(exc):
            log.exception("database error: %s", exc.__class__.__name__)
            return error_response(500, "Something went wrong on our side. Try again.")
        cause = getattr(exc, "orig", None) or exc
        log.warning("database unavailable: %s", cause.__class__.__name__)
        return error_response(503, UNAVAILABLE_MESSAGE, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    @api.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else CODES.get(exc.status_code, "Error")
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @api.exception_handler(Exception)
    async def _crash(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled API error: %s", exc.__class__.__name__)
        return error_response(500, "Something went wrong on our side. Try again.")
