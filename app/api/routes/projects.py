"""Projects over HTTP: the list, sharing and members, ownership, and the activity feed (issue 16).

Who may see or do what is decided by :mod:`app.services.projects` alone; these routes parse,
call it, and shape the answer. Whatever a user may not see or do (another person's project, a
viewer renaming, a removed member, a pending invitee) is the service's "Project not found.": the
same 404 as an id that never existed.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from app.api.actor import ApiActor
from app.api.deps import CurrentUser, SessionDep
from app.api.paging import decode_cursor, encode_cursor
from app.api.schemas import (
    CURSOR_DESCRIPTION,
    ERRORS,
    ActivityOut,
    ActivityPage,
    MemberList,
    MemberOut,
    ProjectCreate,
    ProjectDetail,
    ProjectList,
    ProjectOut,
    ProjectPatch,
    RoleRequest,
    ShareOut,
    ShareRequest,
    TransferRequest,
)
from app.services import activity as activity_service
from app.services import projects as project_service
from app.services.operations import Origin

router = APIRouter(prefix="/projects", tags=["projects"], responses=ERRORS)
API = Origin(source="api")
ACTIVITY_PAGE_MAX = 100


def _detail(session: Session, user_id: uuid.UUID, project_id: uuid.UUID | str) -> ProjectDetail:
    view = project_service.project_view(session, user_id=user_id, project_id=project_id)
    return ProjectDetail.model_validate(view.to_json())


@router.get("", response_model=ProjectList, summary="List your projects, the Inbox first")
def list_projects(
    session: SessionDep,
    user: CurrentUser,
    archived: Annotated[bool, Query(description="Include archived projects")] = False,
) -> ProjectList:
    views = project_service.list_projects(session, user_id=user.id, archived=archived)
    return ProjectList(data=[ProjectOut.model_validate(v.to_json()) for v in views], count=len(views))


@router.post("", response_model=ProjectDetail, status_code=201, summary="Create a project")
def create_project(body: ProjectCreate, session: SessionDep, user: CurrentUser) -> ProjectDetail:
    project = project_service.create_project(
        session, user_id=user.id, name=body.name, color=body.color, origin=API
    )
    return _detail(session, user.id, project.id)


@router.get("/{project_id}", response_model=ProjectDetail, summary="One project with its members")
def get_project(project_id: str, session: SessionDep, user: CurrentUser) -> ProjectDetail:
    return _detail(session, user.id, project_id)


@router.patch(
    "/{project_id}", response_model=ProjectDetail, summary="Rename, recolour or archive a project (owners)"
)
def update_project(
    project_id: str, body: ProjectPatch, session: SessionDep, user: CurrentUser
) -> ProjectDetail:
    project = project_service.update_project(
        session,
        user_id=user.id,
        project_id=project_id,
        name=body.name,
        color=body.color,
        archived=body.archived,
        origin=API,
    )
    return _detail(session, user.id, project.id)


@router.delete(
    "/{project_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a project and its tasks (owners; never the Inbox)",
)
def delete_project(project_id: str, session: SessionDep, user: CurrentUser) -> Response:
    project_service.delete_project(session, user_id=user.id, project_id=project_id, origin=API)
    return Response(status_code=204)


@router.get("/{project_id}/members", response_model=MemberList, summary="Members and pending invitations")
def list_members(project_id: str, session: SessionDep, user: CurrentUser) -> MemberList:
    view = project_service.project_view(session, user_id=user.id, project_id=project_id)
    return MemberList.model_validate({"members": view.members, "invitations": view.invitations})


@router.post(
    "/{project_id}/members",
    response_model=ShareOut,
    status_code=201,
    summary="Share a project with an email (owners): a member now, or an invitation until they sign up",
)
def share_project(
    project_id: str, body: ShareRequest, session: SessionDep, user: CurrentUser, actor: ApiActor
) -> ShareOut:
    result = project_service.share_project(
        session,
        user_id=user.id,
        project_id=project_id,
        email=body.email,
        role=body.role,
        origin=API,
        actor=actor,
    )
    shared = {"outcome": result.outcome, "email": result.email, "role": result.role}
    return ShareOut.model_validate({**shared, "project_id": result.project.id})


@router.patch(
    "/{project_id}/members/{user_id}", response_model=MemberOut, summary="Change a member's role (owners)"
)
def set_role(
    project_id: str, user_id: str, body: RoleRequest, session: SessionDep, user: CurrentUser, actor: ApiActor
) -> MemberOut:
    membership = project_service.set_role(
        session,
        user_id=user.id,
        project_id=project_id,
        member_id=user_id,
        role=body.role,
        origin=API,
        actor=actor,
    )
    view = project_service.project_view(session, user_id=user.id, project_id=membership.project_id)
    member = next(m for m in view.members if m["user_id"] == str(membership.user_id))
    return MemberOut.model_validate(member)


@router.delete(
    "/{project_id}/members/{user_id}",
    status_code=204,
    response_class=Response,
    summary="Remove a member (owners), or leave with your own id",
)
def remove_member(
    project_id: str, user_id: str, session: SessionDep, user: CurrentUser, actor: ApiActor
) -> Response:
    project_service.remove_member(
        session, user_id=user.id, project_id=project_id, member_id=user_id, origin=API, actor=actor
    )
    return Response(status_code=204)


@router.post(
    "/{project_id}/transfer",
    response_model=ProjectDetail,
    summary="Make another member the owner (owners); you become an editor",
)
def transfer_ownership(
    project_id: str, body: TransferRequest, session: SessionDep, user: CurrentUser, actor: ApiActor
) -> ProjectDetail:
    project = project_service.transfer_ownership(
        session, user_id=user.id, project_id=project_id, to_user_id=body.user_id, origin=API, actor=actor
    )
    return _detail(session, user.id, project.id)


@router.delete(
    "/{project_id}/invitations/{email}",
    status_code=204,
    response_class=Response,
    summary="Withdraw a pending invitation (owners)",
)
def cancel_invitation(
    project_id: str, email: str, session: SessionDep, user: CurrentUser, actor: ApiActor
) -> Response:
    project_service.cancel_invitation(
        session, user_id=user.id, project_id=project_id, email=email, origin=API, actor=actor
    )
    return Response(status_code=204)


@router.get(
    "/{project_id}/activity",
    response_model=ActivityPage,
    summary="What members changed in a project, newest first",
)
def project_activity(
    project_id: str,
    session: SessionDep,
    user: CurrentUser,
    task: Annotated[uuid.UUID | None, Query(description="Only this task's activity")] = None,
    before: Annotated[str | None, Query(max_length=200, description=CURSOR_DESCRIPTION)] = None,
    limit: Annotated[int, Query(ge=1, le=ACTIVITY_PAGE_MAX)] = 50,
) -> ActivityPage:
    cursor = decode_cursor(before)
    entries = activity_service.project_activity(
        session,
        user_id=user.id,
        project_id=project_id,
        limit=limit + 1,  # one more tells whether an earlier page exists
        before=cursor[0] if cursor else None,
        before_id=cursor[1] if cursor else None,
        task_id=task,
    )
    shown = entries[:limit]
    last = shown[-1] if len(entries) > limit else None
    next_before = encode_cursor(last.at, last.id) if last is not None else None
    return ActivityPage(
        data=[ActivityOut.model_validate(e.to_json()) for e in shown],
        has_more=next_before is not None,
        next_before=next_before,
    )
