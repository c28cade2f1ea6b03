"""The audit log for admins (issue 18): ``GET /api/admin/audit`` (JSON, newest first, cursor paging)
and ``GET /api/admin/audit.csv`` (the filtered log as CSV, streamed, oldest first, with hashes).

Anyone but an active admin (no token, a bad one, a person who is not an admin) gets exactly the
404 of an address the API does not have (:class:`app.api.errors.Unmatched`), so the routes do not
show that they exist; they are left out of the OpenAPI schema for the same reason. Exporting is an
``audit.export`` event, committed before the file streams (in a transaction of its own).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from app.api.actor import request_ip
from app.api.deps import AdminCaller, SessionDep
from app.core.db import session_scope
from app.models import User
from app.services import audit, audit_view
from app.services.errors import NotFoundError

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)

NOT_HERE = "There is nothing at this address (the API is described at /api/docs)."
"""The words of :class:`app.api.errors.Unmatched`'s 404 (a test keeps the two bodies equal)."""


def admin_user(caller: AdminCaller) -> User:
    """The acting admin (:func:`app.api.deps.admin_caller`: anyone else gets the unmatched 404)."""
    return caller.user


Admin = Annotated[User, Depends(admin_user)]
OTHER_METHODS = ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def filters(
    action: Annotated[str, Query(max_length=64, description="An action, or a prefix ending in a dot")] = "",
    email: Annotated[str, Query(max_length=320, description="The acting person's email")] = "",
    outcome: Annotated[str, Query(max_length=16, description="ok, failed, denied...")] = "",
    since: Annotated[str, Query(max_length=32, description="From this day (YYYY-MM-DD)")] = "",
    until: Annotated[str, Query(max_length=32, description="Up to and with this day")] = "",
) -> audit_view.AuditFilters:
    return audit_view.AuditFilters(action=action, email=email, outcome=outcome, since=since, until=until)


FiltersDep = Annotated[audit_view.AuditFilters, Depends(filters)]


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    actor_id: str | None
    actor_email: str | None
    action: str
    target_type: str | None
    target_id: str | None
    target_label: str | None
    ip: str | None
    surface: str
    outcome: str
    details: dict[str, Any]


class AuditEventsPage(BaseModel):
    events: list[AuditEventOut]
    next_before: int | None = None
    """Pass back as ``before`` for the next (older) page; None on the last."""


@router.get("/audit", response_model=AuditEventsPage, summary="The audit log, newest first")
def list_audit(
    session: SessionDep,
    admin: Admin,
    given: FiltersDep,
    before: Annotated[int | None, Query(ge=1, description="next_before of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = audit_view.PAGE_SIZE,
) -> AuditEventsPage:
    found = audit_view.page(session, user_id=admin.id, filters=given, before=before, limit=limit)
    return AuditEventsPage.model_validate(
        {"events": audit.summarise(found.events), "next_before": found.next_before}
    )


@router.api_route("/audit", methods=OTHER_METHODS, include_in_schema=False)
@router.api_route("/audit.csv", methods=OTHER_METHODS, include_in_schema=False)
def other_methods() -> None:
    """Any other method is an unknown address too: a 405 naming GET would tell that the route exists."""
    raise NotFoundError(NOT_HERE)


def _stream(query: audit.AuditQuery) -> Iterator[str]:
    with session_scope() as session:
        yield from audit.export_csv(session, query)


@router.get("/audit.csv", summary="The audit log as CSV (oldest first, with each row's hashes)")
def export_audit(session: SessionDep, admin: Admin, given: FiltersDep, request: Request) -> StreamingResponse:
    actor = audit.Actor(user_id=admin.id, email=admin.email, ip=request_ip(request), surface="api")
    query = audit_view.export(session, user_id=admin.id, filters=given, actor=actor)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    return StreamingResponse(
        _stream(query),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ticked-audit-{stamp}.csv"'},
    )
