"""Request and response bodies of the API, each with an example for the docs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from app.core.inputs import Bool, JsonObject, Text
from app.models.comment import COMMENT_MAX
from app.models.project import PROJECT_COLORS, PROJECT_NAME_MAX, ROLES, ProjectRole
from app.models.task import TaskCreate, TaskPublic, TaskUpdate

PROJECT_ID_EXAMPLE = "3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d"
USER_ID_EXAMPLE = "7c6b5a49-3827-4e16-9a5b-4c3d2e1f0a9b"
TASK_EXAMPLE = {
    "id": "6f1c1a0e-4f7e-4d3b-9a52-1c2f3e4d5a6b", "project_id": PROJECT_ID_EXAMPLE, "assignee_id": None,
    "title": "pay rent", "description": "", "completed": False,
    "completed_at": None, "priority": "high", "tags": ["home"], "due_date": "2026-12-01", "recurrence": None,
    "created_at": "2026-11-23T10:00:00Z", "updated_at": "2026-11-23T10:00:00Z",
}  # fmt: skip
WIDGET_EXAMPLE = {"id": "wdg_0f1e2d3c", "type": "Card", "payload": {"type": "Card", "children": []}}
TOOL_CALL_EXAMPLE = {
    "id": "call_1",
    "name": "add_task",
    "arguments": {"title": "pay rent"},
    "result": {"task_id": TASK_EXAMPLE["id"], "status": "created", "title": "pay rent"},
}


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


class TokenRequest(BaseModel):
    model_config = _examples({"email": "ann@example.com", "password": "correct-horse-42"})
    email: Text = Field(max_length=320)
    password: Text = Field(max_length=128)
    otp: Text | None = Field(
        default=None,
        max_length=32,
        description="For an account with two-factor sign-in: the 6-digit code from the authenticator "
        "app, or a recovery code (xxxx-xxxx). Without it such an account gets 401 `two_factor_required`.",
    )


class TokenResponse(BaseModel):
    model_config = _examples(
        {"access_token": "eyJhbGciOi...", "token_type": "bearer", "expires_at": "2026-11-30T10:00:00Z"}
    )
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class OkResponse(BaseModel):
    model_config = _examples({"ok": True})
    ok: bool = True


class ChatRequest(BaseModel):
    """Seed 001's ChatRequest."""

    model_config = _examples({"message": "add pay rent tomorrow, high priority", "sessionId": None})
    message: Text = Field(min_length=1, max_length=10_000)
    sessionId: Text | None = Field(default=None, description="Continue this conversation (thread id).")
    context: JsonObject | None = Field(
        default=None,
        description="Extra context (kept with the reply): any JSON object, at most 32 levels deep.",
    )


class RetryRequest(BaseModel):
    """Which failed reply ``POST /api/threads/{id}/retry`` answers again (by default the newest)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{}, {"message_id": "5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"}]},
    )
    message_id: Text | None = Field(
        default=None,
        max_length=64,
        description="The failed reply to answer again; by default the conversation's newest reply.",
    )


class ChatResponse(BaseModel):
    """Seed 001's ChatResponse, plus the widgets and tool calls of the turn."""

    model_config = _examples(
        {
            "response": 'Added "pay rent" (due tomorrow, high priority).',
            "sessionId": "0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a",
            "operationType": "create",
            "taskId": TASK_EXAMPLE["id"],
            "context": None,
            "widgets": [WIDGET_EXAMPLE],
            "tool_calls": [TOOL_CALL_EXAMPLE],
            "status": "completed",
        }
    )
    response: str
    sessionId: str
    operationType: str | None = None
    taskId: str | None = None
    context: dict[str, Any] | None = None
    widgets: list[dict[str, Any]] = Field(default_factory=list)
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    status: str = "completed"


class ConversationChatRequest(BaseModel):
    model_config = _examples({"conversation_id": None, "message": "what's due today?"})
    conversation_id: Text | None = None
    message: Text = Field(min_length=1, max_length=10_000)


class ConversationChatResponse(BaseModel):
    model_config = _examples(
        {
            "conversation_id": "0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a",
            "response": "You have 1 task due today: pay rent.",
            "tool_calls": [TOOL_CALL_EXAMPLE],
        }
    )
    conversation_id: str
    response: str
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)


class ThreadOut(BaseModel):
    model_config = _examples(
        {
            "id": "0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a",
            "title": "Pay rent",
            "status": "active",
            "is_active": True,
            "created_at": "2026-11-23T10:00:00Z",
            "updated_at": "2026-11-23T10:05:00Z",
            "metadata": {},
        }
    )
    id: uuid.UUID
    title: str
    status: str
    is_active: bool
    created_at: datetime
    updated_at: datetime
    metadata: dict[str, Any] = Field(default_factory=dict)


class ThreadPage(BaseModel):
    model_config = _examples(
        {
            "data": [ThreadOut.model_config["json_schema_extra"]["examples"][0]],
            "has_more": False,
            "next_after": None,
        }
    )
    data: list[ThreadOut]
    has_more: bool
    next_after: str | None = None


class ThreadPatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"title": "Rent", "archived": False}]}
    )
    title: Text | None = Field(default=None, min_length=1, max_length=200)
    archived: Bool | None = None


class WidgetOut(BaseModel):
    model_config = _examples({**WIDGET_EXAMPLE, "state": "rendered"})
    id: str
    type: str
    payload: dict[str, Any]
    state: str


class MessageOut(BaseModel):
    model_config = _examples(
        {
            "id": "8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5f6e",
            "role": "assistant",
            "content": 'Added "pay rent".',
            "status": "completed",
            "created_at": "2026-11-23T10:05:00Z",
            "tool_calls": [TOOL_CALL_EXAMPLE],
            "widgets": [{**WIDGET_EXAMPLE, "state": "rendered"}],
            "metadata": {},
        }
    )
    id: uuid.UUID
    role: str
    content: str
    status: str
    created_at: datetime
    tool_calls: list[dict[str, Any]] | None = None
    widgets: list[WidgetOut] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)


class MessagePage(BaseModel):
    model_config = _examples(
        {
            "data": [MessageOut.model_config["json_schema_extra"]["examples"][0]],
            "has_more": False,
            "next_before": None,
        }
    )
    data: list[MessageOut]
    has_more: bool
    next_before: str | None = None


class ThreadDetail(ThreadOut):
    """A conversation and, with ``?messages=N``, its newest messages (as ChatKit's thread read)."""

    model_config = _examples(
        {
            **ThreadOut.model_config["json_schema_extra"]["examples"][0],
            "messages": MessagePage.model_config["json_schema_extra"]["examples"][0],
        }
    )
    messages: MessagePage | None = Field(
        default=None,
        description="The newest `messages` messages, oldest first, with their widgets: exactly what "
        "`GET /threads/{id}/messages?limit=N` returns (page back with its `before`). Null when not asked.",
    )


class ActionIn(BaseModel):
    model_config = _examples({"type": "task.complete", "payload": {"task_id": TASK_EXAMPLE["id"]}})
    type: Text = Field(min_length=1, max_length=64)
    payload: JsonObject = Field(default_factory=dict)


class ActionRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "widget_id": "wdg_0f1e2d3c",
                    "action": ActionIn.model_config["json_schema_extra"]["examples"][0],
                    "form": None,
                }
            ]
        },
    )
    widget_id: Text = Field(min_length=1, max_length=64)
    action: ActionIn
    form: JsonObject | None = None


class ActionResponse(BaseModel):
    model_config = _examples(
        {
            "action_id": "5c4b3a29-1807-4f6e-8d5c-4b3a29180f7e",
            "status": "completed",
            "result": {"task_id": TASK_EXAMPLE["id"], "status": "completed", "title": "pay rent"},
            "widget": WIDGET_EXAMPLE["payload"],
            "replayed": False,
        }
    )
    action_id: str
    status: str
    result: dict[str, Any]
    widget: dict[str, Any]
    replayed: bool = False


class TaskList(BaseModel):
    model_config = _examples({"data": [TASK_EXAMPLE], "count": 1})
    data: list[TaskPublic]
    count: int


class ErrorBody(BaseModel):
    model_config = _examples({"code": "not_found", "message": "Task not found."})
    code: str
    message: str


class ErrorResponse(BaseModel):
    model_config = _examples({"error": {"code": "not_found", "message": "Task not found."}})
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (400, 401, 403, 404, 409, 422, 429, 503)
}


def _tags_are_a_list(body: Any) -> Any:
    """Refuse ``"tags": 5`` / ``false`` / ``"home,work"`` (422): over the API tags are a JSON list of strings.

    (The task page's tags box sends one comma-separated text; the model splits that.)
    """
    if isinstance(body, dict) and body.get("tags") is not None and not isinstance(body["tags"], list):
        raise ValueError("tags: must be a list of strings")
    return body


TaskCreateBody = Annotated[TaskCreate, BeforeValidator(_tags_are_a_list)]
TaskUpdateBody = Annotated[TaskUpdate, BeforeValidator(_tags_are_a_list)]


# ----- projects, members, comments, activity (issue 16) ----------------------------------------------

PERSON_EXAMPLE = {"id": USER_ID_EXAMPLE, "name": "Sam Lee", "email": "sam@example.com"}
MEMBER_EXAMPLE = {
    "user_id": USER_ID_EXAMPLE, "email": "sam@example.com", "name": "Sam Lee", "role": "editor",
    "added_at": "2026-11-23T10:00:00Z",
}  # fmt: skip
INVITATION_EXAMPLE = {
    "id": "2e1d0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b", "email": "kim@example.com", "role": "viewer",
    "invited_at": "2026-11-23T10:05:00Z",
}  # fmt: skip
PROJECT_EXAMPLE = {
    "id": PROJECT_ID_EXAMPLE, "name": "Groceries", "color": "green", "inbox": False, "archived": False,
    "role": "owner", "open_tasks": 3, "created_at": "2026-11-23T10:00:00Z",
    "updated_at": "2026-11-23T10:00:00Z",
}  # fmt: skip
COMMENT_EXAMPLE = {
    "id": "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a", "task_id": TASK_EXAMPLE["id"], "author": PERSON_EXAMPLE,
    "body": "The draft is in the drive.", "created_at": "2026-11-23T10:10:00Z", "edited_at": None,
    "mine": True,
}  # fmt: skip
ACTIVITY_EXAMPLE = {
    "id": "1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809", "at": "2026-11-23T10:12:00Z", "actor": PERSON_EXAMPLE,
    "kind": "complete", "text": 'Sam Lee completed "pay rent"', "source": "page",
    "project_id": PROJECT_ID_EXAMPLE, "project": "Groceries", "task_id": TASK_EXAMPLE["id"], "undone": False,
}  # fmt: skip
CURSOR_DESCRIPTION = "Cursor from the previous page's next_before (opaque: pass it back as given)."


class ProjectOut(BaseModel):
    """A project as the signed-in member sees it: their role and its open tasks."""

    model_config = _examples(PROJECT_EXAMPLE)
    id: uuid.UUID
    name: str
    color: str
    inbox: bool = Field(description="The member's personal Inbox: never shared, renamed or deleted.")
    archived: bool
    role: str = Field(description="The signed-in user's role: owner, editor or viewer.")
    open_tasks: int
    created_at: datetime
    updated_at: datetime


class ProjectList(BaseModel):
    model_config = _examples({"data": [PROJECT_EXAMPLE], "count": 1})
    data: list[ProjectOut]
    count: int


class MemberOut(BaseModel):
    model_config = _examples(MEMBER_EXAMPLE)
    user_id: uuid.UUID
    email: str
    name: str | None = Field(description="null when the member set no name.")
    role: str
    added_at: datetime


class InvitationOut(BaseModel):
    """A role offered to an email with no account yet; it becomes a membership when that email signs up."""

    model_config = _examples(INVITATION_EXAMPLE)
    id: uuid.UUID
    email: str
    role: str
    invited_at: datetime


class MemberList(BaseModel):
    model_config = _examples({"members": [MEMBER_EXAMPLE], "invitations": [INVITATION_EXAMPLE]})
    members: list[MemberOut]
    invitations: list[InvitationOut]


class ProjectDetail(ProjectOut):
    """One project with its members and pending invitations (every member may see who is in it)."""

    model_config = _examples(
        {**PROJECT_EXAMPLE, "members": [MEMBER_EXAMPLE], "invitations": [INVITATION_EXAMPLE]}
    )
    members: list[MemberOut]
    invitations: list[InvitationOut]


_COLOR = Field(
    default=None,
    description=f"One of {', '.join(PROJECT_COLORS)}.",
    json_schema_extra={"enum": [*PROJECT_COLORS, None]},
)


class ProjectCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Groceries", "color": "green"}]}
    )
    name: Text = Field(min_length=1, max_length=PROJECT_NAME_MAX)
    color: Text | None = _COLOR


class ProjectPatch(BaseModel):
    """Only the fields given change (``null`` or left out: unchanged).

    Owners only; the Inbox keeps its name and is never archived.
    """

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Food", "color": "teal", "archived": False}]}
    )
    name: Text | None = Field(default=None, min_length=1, max_length=PROJECT_NAME_MAX)
    color: Text | None = _COLOR
    archived: Bool | None = None


class ShareRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"email": "sam@example.com", "role": "editor"}]}
    )
    email: Text = Field(min_length=1, max_length=320)
    role: Text = Field(
        default=ProjectRole.editor.value,
        json_schema_extra={"enum": [ProjectRole.editor.value, ProjectRole.viewer.value]},
    )


class ShareOut(BaseModel):
    """``member``: the email has an account and is a member now (or got the new role); ``invited``:
    no account yet, the invitation waits for that email to sign up."""

    model_config = _examples(
        {"outcome": "member", "email": "sam@example.com", "role": "editor", "project_id": PROJECT_ID_EXAMPLE}
    )
    outcome: Literal["member", "invited"]
    email: str
    role: str
    project_id: uuid.UUID


class RoleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "viewer"}]})
    role: Text = Field(json_schema_extra={"enum": list(ROLES)})


class TransferRequest(BaseModel):
    """Make another member the owner; the current owner becomes an editor."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"user_id": USER_ID_EXAMPLE}]})
    user_id: Text = Field(min_length=1, max_length=64)


class PersonOut(BaseModel):
    model_config = _examples(PERSON_EXAMPLE)
    id: uuid.UUID
    name: str
    email: str


class CommentOut(BaseModel):
    model_config = _examples(COMMENT_EXAMPLE)
    id: uuid.UUID
    task_id: uuid.UUID
    author: PersonOut | None = Field(description="null once the author's account is deleted.")
    body: str = Field(description="Markdown.")
    created_at: datetime
    edited_at: datetime | None
    mine: bool = Field(description="Written by the signed-in user (who may edit it).")


class CommentPage(BaseModel):
    """A task's comments, oldest first: the newest page first, ``next_before`` pages back."""

    model_config = _examples({"data": [COMMENT_EXAMPLE], "has_more": False, "next_before": None})
    data: list[CommentOut]
    has_more: bool
    next_before: str | None = None


class CommentBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"body": "The draft is in the drive."}]}
    )
    body: Text = Field(min_length=1, max_length=COMMENT_MAX, description="Markdown, 1-5,000 characters.")


class ActivityOut(BaseModel):
    model_config = _examples(ACTIVITY_EXAMPLE)
    id: uuid.UUID
    at: datetime
    actor: PersonOut | None
    kind: str
    text: str = Field(description='One line, actor first: Sam completed "Buy milk".')
    source: str = Field(description="Where the change was made: page, chat, api, mcp, cli...")
    project_id: uuid.UUID | None
    project: str
    task_id: uuid.UUID | None
    undone: bool


class ActivityPage(BaseModel):
    """A project's activity, newest first; ``next_before`` pages back."""

    model_config = _examples({"data": [ACTIVITY_EXAMPLE], "has_more": False, "next_before": None})
    data: list[ActivityOut]
    has_more: bool
    next_before: str | None = None
