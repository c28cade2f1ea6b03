"""Comments on tasks over HTTP: every member of the task's project reads and writes them.

The rules (viewers comment too; authors edit their own; owners may delete any in their project;
a task or comment one may not see is "not found" like a missing one) are
:mod:`app.services.comments`'s; these routes parse, call it and page the answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.deps import CurrentUser, SessionDep
from app.api.paging import decode_cursor, encode_cursor
from app.api.schemas import CURSOR_DESCRIPTION, ERRORS, CommentBody, CommentOut, CommentPage
from app.services import comments as comment_service
from app.services.operations import Origin

router = APIRouter(tags=["comments"], responses=ERRORS)
API = Origin(source="api")
COMMENTS_PAGE_MAX = 100


@router.get(
    "/tasks/{task_id}/comments",
    response_model=CommentPage,
    summary="A task's comments, oldest first (the newest page first)",
)
def list_comments(
    task_id: str,
    session: SessionDep,
    user: CurrentUser,
    before: Annotated[str | None, Query(max_length=200, description=CURSOR_DESCRIPTION)] = None,
    limit: Annotated[int, Query(ge=1, le=COMMENTS_PAGE_MAX)] = 50,
) -> CommentPage:
    cursor = decode_cursor(before)
    views = comment_service.list_comments(
        session,
        user_id=user.id,
        task_id=task_id,
        limit=limit + 1,  # one more tells whether an earlier page exists
        before=cursor[0] if cursor else None,
        before_id=cursor[1] if cursor else None,
    )
    shown = views[-limit:]
    first = shown[0].comment if len(views) > limit else None
    return CommentPage(
        data=[CommentOut.model_validate(v.to_json()) for v in shown],
        has_more=first is not None,
        next_before=encode_cursor(first.created_at, first.id) if first is not None else None,
    )


@router.post(
    "/tasks/{task_id}/comments", response_model=CommentOut, status_code=201, summary="Comment on a task"
)
def add_comment(task_id: str, body: CommentBody, session: SessionDep, user: CurrentUser) -> CommentOut:
    view = comment_service.add_comment(session, user_id=user.id, task_id=task_id, body=body.body, origin=API)
    return CommentOut.model_validate(view.to_json())


@router.patch("/comments/{comment_id}", response_model=CommentOut, summary="Edit your own comment")
def edit_comment(comment_id: str, body: CommentBody, session: SessionDep, user: CurrentUser) -> CommentOut:
    view = comment_service.edit_comment(
        session, user_id=user.id, comment_id=comment_id, body=body.body, origin=API
    )
    return CommentOut.model_validate(view.to_json())


@router.delete(
    "/comments/{comment_id}",
    status_code=204,
    response_class=Response,
    summary="Delete your own comment, or any in a project you own",
)
def delete_comment(comment_id: str, session: SessionDep, user: CurrentUser) -> Response:
    comment_service.delete_comment(session, user_id=user.id, comment_id=comment_id, origin=API)
    return Response(status_code=204)
