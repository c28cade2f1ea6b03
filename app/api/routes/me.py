"""The signed-in person's own account: export, password change, delete chats, delete the account.

Each destructive call repeats the password in its body (a bearer token alone is not enough),
and wrong passwords are throttled per account; see :mod:`app.services.account`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.actor import ApiActor
from app.api.deps import CurrentUser, SessionDep, Token
from app.api.schemas import ERRORS, TASK_EXAMPLE, OkResponse
from app.core.inputs import Text
from app.services import account as account_service
from app.services import daily_settings
from app.services import notifications as notification_service
from app.services.daily_settings import DailySettings, DailySettingsUpdate
from app.views.notifications import bell

router = APIRouter(prefix="/me", tags=["account"], responses=ERRORS)


class PasswordConfirm(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"password": "your-current-password"}]}
    )
    password: Text = Field(max_length=128)


class PasswordChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"current_password": "your-current-password", "new_password": "battery-staple-77"}]
        },
    )
    current_password: Text = Field(max_length=128)
    new_password: Text = Field(max_length=128)


class PasswordChanged(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"ok": True, "signed_out_sessions": 2}]})
    ok: bool = True
    signed_out_sessions: int = Field(description="Other sessions signed out; this token stays valid.")


class ChatsDeleted(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"ok": True, "threads": 3, "messages": 42}]})
    ok: bool = True
    threads: int
    messages: int


class AccountExport(BaseModel):
    """Everything a person has here, once (``app.services.account.export`` says what each part
    holds): profile, preferences, tasks, conversations and messages, cards (kind, state, heading,
    task ids), clicks, the journal of task changes with before/after, and the sessions; with
    teamwork, the projects one is a member of (with one's role), one's memberships, the invitations
    one sent that still wait, the comments one wrote and the activity one took part in. Never a
    password hash or a token hash; not the internal copies that only repeat task data."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "format": "ticked-export",
                    "version": 3,
                    "exported_at": "2026-11-23T10:00:00+00:00",
                    "profile": {"id": "3f2e1d0c-9b8a-4765-8432-10fedcba9876", "email": "ann@example.com"},
                    "preferences": {"retention_days": None, "redact_sensitive": True},
                    "tasks": [TASK_EXAMPLE],
                    "threads": [],
                    "messages": [],
                    "widgets": [],
                    "actions": [],
                    "operations": [],
                    "sessions": [],
                    "projects": [],
                    "memberships": [],
                    "invitations": [],
                    "comments": [],
                    "activity": [],
                }
            ]
        }
    )
    format: str
    version: int
    exported_at: datetime
    profile: dict[str, Any]
    preferences: dict[str, Any]
    tasks: list[dict[str, Any]]
    threads: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    widgets: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    operations: list[dict[str, Any]]
    sessions: list[dict[str, Any]]
    projects: list[dict[str, Any]] = Field(default_factory=list)
    memberships: list[dict[str, Any]] = Field(default_factory=list)
    invitations: list[dict[str, Any]] = Field(default_factory=list)
    comments: list[dict[str, Any]] = Field(default_factory=list)
    activity: list[dict[str, Any]] = Field(default_factory=list)


FATE_EXAMPLE = {
    "project_id": "3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d",
    "project": "Groceries",
    "action": "passes",
    "outcome": "passes to sam@example.com",
    "to": "sam@example.com",
    "to_name": "Sam Lee",
    "new_name": None,
    "members": 2,
    "tasks": 14,
}


class ProjectFateOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [FATE_EXAMPLE]})
    project_id: uuid.UUID
    project: str
    action: Literal["passes", "stays", "deleted"] = Field(
        description="passes: to its longest-standing editor; stays: with another owner; "
        "deleted: with its tasks"
    )
    outcome: str = Field(description='In words: "passes to sam@example.com", "deleted"...')
    to: str | None = Field(description="The email of who keeps it; null when it is deleted.")
    to_name: str | None
    new_name: str | None = Field(description="Its new name, when the heir already has one like it.")
    members: int = Field(description="Members besides you.")
    tasks: int


class DeletionPreview(BaseModel):
    """What ``DELETE /api/me`` would do to each project you own (your Inbox aside), asked before it
    happens. Projects you are only a member of simply lose you."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"projects": [FATE_EXAMPLE]}]})
    projects: list[ProjectFateOut]


@router.get(
    "/export",
    response_model=AccountExport,
    response_model_exclude_unset=True,  # exactly the parts the service wrote, none made up here
    summary="Download everything stored about you",
)
def export(session: SessionDep, user: CurrentUser, actor: ApiActor, response: Response) -> dict[str, Any]:
    data = account_service.export(session, user_id=user.id, actor=actor)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    response.headers["Content-Disposition"] = f'attachment; filename="ticked-data-{stamp}.json"'
    return data


@router.post(
    "/password", response_model=PasswordChanged, summary="Change your password (signs out other sessions)"
)
def change_password(
    body: PasswordChange, session: SessionDep, user: CurrentUser, token: Token, actor: ApiActor
) -> PasswordChanged:
    revoked = account_service.change_password(
        session,
        user_id=user.id,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_token=token,
        actor=actor,
    )
    return PasswordChanged(signed_out_sessions=revoked)


@router.delete("/chats", response_model=ChatsDeleted, summary="Delete all your conversations (tasks stay)")
def delete_chats(
    body: PasswordConfirm, session: SessionDep, user: CurrentUser, actor: ApiActor
) -> ChatsDeleted:
    counts = account_service.delete_all_chats(session, user_id=user.id, password=body.password, actor=actor)
    return ChatsDeleted(**counts)


@router.get(
    "/deletion-preview",
    response_model=DeletionPreview,
    summary="What deleting your account would do to the projects you own",
)
def deletion_preview(session: SessionDep, user: CurrentUser) -> DeletionPreview:
    fates = account_service.deletion_preview(session, user_id=user.id)
    return DeletionPreview.model_validate({"projects": fates})


@router.delete("", response_model=OkResponse, summary="Delete your account and everything in it")
def delete_account(
    body: PasswordConfirm, session: SessionDep, user: CurrentUser, actor: ApiActor
) -> OkResponse:
    account_service.delete_account(session, user_id=user.id, password=body.password, actor=actor)
    return OkResponse()


# ----- the daily loop: settings and the bell (issue 17) -------------------------------------------


@router.get("/settings", response_model=DailySettings, summary="Your time zone, reminders and digest")
def get_settings(session: SessionDep, user: CurrentUser) -> DailySettings:
    return daily_settings.read_settings(user)


@router.patch(
    "/settings",
    response_model=DailySettings,
    summary="Change your time zone, default reminder, reminder emails or daily digest",
)
def update_settings(body: DailySettingsUpdate, session: SessionDep, user: CurrentUser) -> DailySettings:
    return daily_settings.update_settings(session, user_id=user.id, **body.model_dump(exclude_unset=True))


NOTIFICATION_EXAMPLE: dict[str, Any] = {
    "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "kind": "reminder",
    "kind_label": "Reminder",
    "title": "Call mom",
    "body": "Due today 17:00",
    "when": "5 min ago",
    "created_at": "2026-12-05T16:55:00+00:00",
    "unread": True,
    "task_id": "3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d",
}


class NotificationOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [NOTIFICATION_EXAMPLE]})
    id: uuid.UUID
    kind: Literal["reminder", "missed", "failed", "digest"] = Field(
        description="reminder: it arrived; missed: it fell due while nobody could send it; "
        "failed: its email could not be sent; digest: the daily digest went out."
    )
    kind_label: str = Field(description='The kind in words: "Reminder", "Missed reminder"...')
    title: str
    body: str
    when: str = Field(description='On your clock, in words: "just now", "5 min ago", "today 17:00".')
    created_at: datetime
    unread: bool
    task_id: uuid.UUID | None = Field(description="Its task; null when the task has since been deleted.")


class NotificationsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"unread": 1, "data": [NOTIFICATION_EXAMPLE]}]})
    unread: int = Field(
        description="How many of your notifications are unread (all of them, not only these)."
    )
    data: list[NotificationOut] = Field(description="Your newest notifications, newest first (at most 30).")


class MarkRead(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"ids": ["7c9e6679-7425-40de-944b-e07fc1f90ae7"]}, {}]},
    )
    ids: list[uuid.UUID] | None = Field(
        default=None, max_length=200, description="The notifications to mark read; leave out for all."
    )


class MarkedRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"ok": True, "marked": 3, "unread": 0}]})
    ok: bool = True
    marked: int = Field(description="How many were unread and are now read.")
    unread: int = Field(description="How many stay unread.")


@router.get("/notifications", response_model=NotificationsOut, summary="Your bell: recent notifications")
def list_notifications(session: SessionDep, user: CurrentUser) -> NotificationsOut:
    view = bell(session, user_id=user.id)
    return NotificationsOut.model_validate(
        {
            "unread": view.unread,
            "data": [{**vars(i), "task_id": i.task_id or None} for i in view.items],
        }
    )


@router.post(
    "/notifications/read",
    response_model=MarkedRead,
    summary="Mark notifications read (all of them when no ids are given)",
)
def mark_read(session: SessionDep, user: CurrentUser, body: MarkRead | None = None) -> MarkedRead:
    ids = body.ids if body is not None else None
    marked = notification_service.mark_read(session, user_id=user.id, ids=ids)
    return MarkedRead(marked=marked, unread=notification_service.unread_count(session, user_id=user.id))
