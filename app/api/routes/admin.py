"""The admin API (issue 18): the users of the instance, for an admin's scripts.

To anyone but an active admin (signed out, a bad token, a person who is not an admin) every
route here answers exactly what an address no route answers: the same 404, the same body, before
the request body is even read, so the API does not show that the admin console exists. A
missing or malformed user id gets that same answer.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from app.api.actor import client_ip
from app.api.deps import AdminCaller, SessionDep
from app.api.errors import NOTHING_HERE
from app.api.schemas import ERRORS, OkResponse
from app.core.config import get_settings
from app.core.inputs import Text
from app.services import admin as admin_service
from app.services.admin import UserSummary
from app.services.errors import InvalidInputError, NotFoundError

router = APIRouter(prefix="/admin", tags=["admin"], responses=ERRORS)


def admin_id(caller: AdminCaller) -> uuid.UUID:
    """The acting admin (:func:`app.api.deps.admin_caller`: anyone else gets the unmatched 404)."""
    return caller.user.id


AdminId = Annotated[uuid.UUID, Depends(admin_id)]


class AdminUser(BaseModel):
    """One person as the admin sees them: the account and counts, never their content."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5f1c2b8e-7a44-4d0e-9a6b-1c2d3e4f5a6b",
                    "email": "ann@example.com",
                    "name": "Ann",
                    "is_admin": False,
                    "is_active": True,
                    "two_factor": False,
                    "created_at": "2026-12-01T09:00:00Z",
                    "last_active_at": "2026-12-05T17:30:00Z",
                    "tasks": 42,
                    "threads": 7,
                }
            ]
        }
    )
    id: uuid.UUID
    email: str
    name: str
    is_admin: bool
    is_active: bool
    two_factor: bool
    created_at: datetime
    last_active_at: datetime | None
    tasks: int = Field(description="Tasks the person created (a count; never their content).")
    threads: int = Field(description="Chats the person has (a count).")

    @classmethod
    def of(cls, row: UserSummary) -> AdminUser:
        return cls.model_validate(row, from_attributes=True)


class AdminUsers(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [], "count": 0, "next_cursor": None}]})
    data: list[AdminUser]
    count: int = Field(description="How many people match the search, across every page.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class AdminUserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"is_active": False}]})
    is_admin: bool | None = None
    is_active: bool | None = None


class AdminPassword(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"password": "the-admins-own-password"}]}
    )
    password: Text = Field(max_length=128, description="The acting admin's own password.")


class ResetLinkOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://todo.example.com/reset?token=eyJ...",
                    "email": "ann@example.com",
                    "emailed": False,
                    "mail_error": None,
                }
            ]
        }
    )
    url: str = Field(description="The link (single use, one hour); pass it on when it was not emailed.")
    email: str
    emailed: bool
    mail_error: str | None = None


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit() or len(cursor) > 9:
        raise InvalidInputError(
            "cursor: not a cursor from this list (pass back the previous page's next_cursor)."
        )
    return int(cursor)


def _hidden(target: str) -> uuid.UUID:
    """A path id: anything that is not one is a missing thing (the unmatched address's 404)."""
    try:
        return uuid.UUID(target)
    except ValueError as exc:
        raise NotFoundError(NOTHING_HERE) from exc


class _AsNothingHere:
    """A missing person reads like a missing address."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if isinstance(exc, NotFoundError):
            raise NotFoundError(NOTHING_HERE) from exc


@router.get("/users", response_model=AdminUsers, summary="List the instance's users (admins only)")
def list_users(
    session: SessionDep,
    admin: AdminId,
    q: Annotated[str, Query(max_length=200, description="Part of an email or name")] = "",
    sort: Annotated[str, Query(pattern="^(newest|email)$")] = "newest",
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> AdminUsers:
    page = admin_service.list_users(
        session, admin_id=admin, query=q, sort=sort, offset=_offset(cursor), limit=limit
    )
    following = page.next_offset
    return AdminUsers(
        data=[AdminUser.of(u) for u in page.users],
        count=page.total,
        next_cursor=str(following) if following is not None else None,
    )


@router.patch(
    "/users/{user_id}", response_model=AdminUser, summary="Disable, enable, promote or demote a user"
)
def update_user(
    user_id: str, body: AdminUserUpdate, session: SessionDep, admin: AdminId, request: Request
) -> AdminUser:
    """``is_active: false`` signs the person out everywhere at once; the last admin stays one."""
    target = _hidden(user_id)
    if body.is_admin is None and body.is_active is None:
        raise InvalidInputError("Send is_admin, is_active or both.")
    row: UserSummary | None = None
    with _AsNothingHere():
        if body.is_active is not None:
            row = admin_service.set_active(
                session,
                admin_id=admin,
                user_id=target,
                active=body.is_active,
                ip=client_ip(request),
                surface="api",
            )
        if body.is_admin is not None:
            row = admin_service.set_admin(
                session,
                admin_id=admin,
                user_id=target,
                make_admin=body.is_admin,
                ip=client_ip(request),
                surface="api",
            )
    assert row is not None
    return AdminUser.of(row)


@router.delete("/users/{user_id}", response_model=OkResponse, summary="Delete a user (the admin's password)")
def delete_user(
    user_id: str, body: AdminPassword, session: SessionDep, admin: AdminId, request: Request
) -> OkResponse:
    target = _hidden(user_id)
    with _AsNothingHere():
        admin_service.delete_user(
            session,
            admin_id=admin,
            user_id=target,
            password=body.password,
            ip=client_ip(request),
            surface="api",
        )
    return OkResponse()


@router.post(
    "/users/{user_id}/reset-link",
    response_model=ResetLinkOut,
    summary="A password-reset link for a user (single use, one hour)",
)
def reset_link(user_id: str, session: SessionDep, admin: AdminId, request: Request) -> ResetLinkOut:
    """Emailed to the person when the server has ``SMTP_URL``; the link is in the answer either way."""
    target = _hidden(user_id)
    settings = get_settings()
    with _AsNothingHere():
        link = admin_service.reset_link(
            session,
            admin_id=admin,
            user_id=target,
            base_url=settings.link_base_url,
            smtp_url=settings.smtp_url,
            mail_from=settings.mail_from,
            ip=client_ip(request),
            surface="api",
        )
    return ResetLinkOut(
        url=link.url, email=link.email, emailed=link.emailed_to is not None, mail_error=link.mail_error
    )
