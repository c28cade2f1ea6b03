"""Threads, their messages, and widget actions (exactly once, with ``Idempotency-Key``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from sqlmodel import Session

from app.api.deps import CurrentUser, SessionDep, UserId, UserWorkDep
from app.api.paging import decode_cursor, encode_cursor
from app.api.schemas import (
    ERRORS,
    ActionRequest,
    ActionResponse,
    MessageOut,
    MessagePage,
    ThreadDetail,
    ThreadOut,
    ThreadPage,
    ThreadPatch,
    WidgetOut,
)
from app.core.db import session_scope
from app.models import Thread, User, Widget
from app.orchestration import thread_read
from app.orchestration import widget_actions as widget_actions
from app.services import messages as message_service
from app.services import threads as thread_service
from app.services import widgets as widget_service
from app.services.errors import InvalidInputError, NotFoundError

router = APIRouter(prefix="/threads", tags=["threads"], responses=ERRORS)

MESSAGES_MAX = 100
"""The most messages one call returns (a page of ``/messages``, or with the thread)."""


def _thread_fields(thread: Thread | thread_service.ThreadRow) -> dict[str, Any]:
    return {
        "id": thread.id,
        "title": thread.title,
        "status": thread.status,
        "is_active": thread.is_active(),
        "created_at": thread.created_at,
        "updated_at": thread.updated_at,
        "metadata": {k: v for k, v in (thread.meta or {}).items() if k != "agent_memory"},
    }


def _thread_out(thread: Thread | thread_service.ThreadRow) -> ThreadOut:
    return ThreadOut(**_thread_fields(thread))


@router.get("", response_model=ThreadPage, summary="List conversations, most recent first")
async def list_threads(
    db: UserWorkDep,
    after: Annotated[str | None, Query(max_length=200, description="Cursor from next_after")] = None,
    limit: Annotated[int, Query(ge=1, le=thread_service.THREADS_PAGE_MAX)] = 20,
    order: Literal["desc", "asc"] = "desc",
    archived: bool = False,
    q: Annotated[str | None, Query(max_length=200, description="Search titles and messages")] = None,
) -> ThreadPage:
    def work(session: Session, user: User) -> ThreadPage:
        position = thread_service.ThreadCursor.decode(after)
        page = thread_service.page_threads(
            session, user_id=user.id, archived=archived, search=q, limit=limit, after=position, order=order
        )
        cursor = page.next_after
        return ThreadPage(
            data=[_thread_out(t) for t in page.threads],
            has_more=page.has_more,
            next_after=cursor.encode() if cursor else None,
        )

    return await db.run(work, bounded=not q)


@router.get("/{thread_id}", response_model=ThreadDetail, summary="One conversation (and its messages)")
async def get_thread(
    thread_id: str,
    db: UserWorkDep,
    messages: Annotated[
        int,
        Query(ge=0, le=MESSAGES_MAX, description="Also return the newest N messages with their widgets"),
    ] = 0,
) -> ThreadDetail:
    def work(session: Session, user: User) -> ThreadDetail:
        read = thread_read.read_thread(session, user_id=user.id, thread_id=thread_id, messages=messages)
        page = _message_page(read) if messages else None
        return ThreadDetail(**_thread_fields(read.thread), messages=page)

    return await db.run(work)


@router.patch("/{thread_id}", response_model=ThreadOut, summary="Rename or archive a conversation")
def patch_thread(thread_id: str, body: ThreadPatch, session: SessionDep, user: CurrentUser) -> ThreadOut:
    thread = thread_service.get_thread(session, user_id=user.id, thread_id=thread_id)
    if body.title is not None:
        thread = thread_service.rename_thread(session, user_id=user.id, thread_id=thread.id, title=body.title)
    if body.archived is not None:
        thread = thread_service.set_archived(
            session, user_id=user.id, thread_id=thread.id, archived=body.archived
        )
    session.flush()
    return _thread_out(thread)


@router.post("/{thread_id}/archive", response_model=ThreadOut, summary="Archive a conversation")
def archive_thread(thread_id: str, session: SessionDep, user: CurrentUser) -> ThreadOut:
    return _thread_out(
        thread_service.set_archived(session, user_id=user.id, thread_id=thread_id, archived=True)
    )


@router.delete("/{thread_id}", status_code=204, response_class=Response, summary="Delete a conversation")
def delete_thread(thread_id: str, session: SessionDep, user: CurrentUser) -> Response:
    thread_service.delete_thread(session, user_id=user.id, thread_id=thread_id)
    return Response(status_code=204)


def _message_out(
    message: message_service.MessageRow, widgets: list[Widget], live: dict[str, dict[str, Any]]
) -> MessageOut:
    return MessageOut(
        id=message.id,
        role=message.role,
        content=message.content,
        status=message.status,
        created_at=message.created_at,
        tool_calls=message.tool_calls,
        metadata=message.meta or {},
        widgets=[
            WidgetOut(id=w.id, type=w.type, payload=live.get(w.id, w.payload), state=w.state) for w in widgets
        ],
    )


def _message_page(read: thread_read.ThreadRead) -> MessagePage:
    """Messages with their cards as they read now (rows follow their tasks, answered questions are
    settled), as on the page."""
    data = [_message_out(m, read.widgets.get(m.id, []), read.live) for m in read.messages]
    cursor = read.page.next_before
    return MessagePage(
        data=data, has_more=read.page.has_earlier, next_before=encode_cursor(*cursor) if cursor else None
    )


@router.get(
    "/{thread_id}/messages", response_model=MessagePage, summary="A conversation's messages, oldest first"
)
async def list_messages(
    thread_id: str,
    db: UserWorkDep,
    before: Annotated[str | None, Query(max_length=200, description="Cursor from next_before")] = None,
    limit: Annotated[int, Query(ge=1, le=MESSAGES_MAX)] = 50,
) -> MessagePage:
    def work(session: Session, user: User) -> MessagePage:
        position = decode_cursor(before)
        read = thread_read.read_thread(
            session, user_id=user.id, thread_id=thread_id, messages=limit, before=position
        )
        return _message_page(read)

    return await db.run(work)


@router.post(
    "/{thread_id}/actions",
    response_model=ActionResponse,
    summary="Perform a widget action (exactly once per key)",
)
def perform_action(
    thread_id: str,
    body: ActionRequest,
    user_id: UserId,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)] = None,
) -> ActionResponse:
    if not idempotency_key or not idempotency_key.strip():
        raise InvalidInputError("Send an Idempotency-Key header (any unique string per intended action).")
    with session_scope() as session:
        thread = thread_service.get_thread(session, user_id=user_id, thread_id=thread_id)
        widget = widget_service.get_widget(session, user_id=user_id, widget_id=body.widget_id)
        if widget.thread_id != thread.id:
            raise NotFoundError("Widget not found.")
    outcome = widget_actions.perform(
        user_id=user_id,
        widget_id=body.widget_id,
        action=body.action.model_dump(),
        idempotency_key=idempotency_key,
        form=body.form,
        source="api",
        wait_seconds=0,  # a click still being processed is a 409 with Retry-After, not a parked worker
    )
    return ActionResponse(**outcome.to_json())
