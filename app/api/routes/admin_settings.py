"""The admin console's instance settings and sign-up invitations over REST (issue 18).

To anyone but an active admin (signed out, a bad token, a member) every route here answers
exactly what an address no route takes answers (:class:`app.api.errors.Unmatched`): the same
404 body, so the API does not tell that an admin console exists (a wrong method there is that 404
too, and the routes are left out of the OpenAPI schema). The services check again.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from app.api.actor import client_ip
from app.api.deps import AdminCaller, SessionDep
from app.api.schemas import ERRORS, OkResponse
from app.core.config import get_settings
from app.core.inputs import Bool, Text
from app.services import admin_settings, invites

router = APIRouter(prefix="/admin", tags=["admin"], responses=ERRORS, include_in_schema=False)


def admin_id(caller: AdminCaller) -> uuid.UUID:
    """The acting admin (:func:`app.api.deps.admin_caller`: anyone else gets the unmatched 404)."""
    return caller.user.id


AdminId = Annotated[uuid.UUID, Depends(admin_id)]


SETTINGS_EXAMPLE: dict[str, Any] = {
    "signup_policy": "invite",
    "signup_allowed_domains": ["example.com"],
    "require_2fa": False,
    "sso_only": False,
    "token_max_days": 90,
    "default_chat_retention_days": 0,
    "audit_retention_days": 365,
    "from_environment": ["audit_retention_days", "default_chat_retention_days", "require_2fa", "sso_only"],
}


class InstanceSettingsOut(BaseModel):
    """The instance settings now; ``from_environment`` lists those no admin has changed."""

    model_config = ConfigDict(json_schema_extra={"examples": [SETTINGS_EXAMPLE]})

    signup_policy: Literal["open", "invite", "closed"]
    signup_allowed_domains: list[str]
    require_2fa: bool
    sso_only: bool
    token_max_days: int | None
    default_chat_retention_days: int
    audit_retention_days: int
    from_environment: list[str]


class InstanceSettingsPatch(BaseModel):
    """The settings to change (the rest stay); validated together: one bad value changes nothing."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"signup_policy": "invite", "signup_allowed_domains": ["example.com"]}]
        },
    )

    signup_policy: Literal["open", "invite", "closed"] | None = None
    signup_allowed_domains: list[Text] | None = Field(default=None, max_length=200)
    require_2fa: Bool | None = None
    sso_only: Bool | None = None
    token_max_days: StrictInt | None = None
    """None (or absent) leaves it; to remove the maximum send 0."""
    default_chat_retention_days: StrictInt | None = None
    audit_retention_days: StrictInt | None = None


INVITE_EXAMPLE = {
    "id": "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
    "email": "new.colleague@example.com",
    "status": "open",
    "created_at": "2026-12-01T10:00:00Z",
    "expires_at": "2026-12-08T10:00:00Z",
    "created_by": "admin@example.com",
    "used_at": None,
    "used_by": None,
}


class InviteOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [INVITE_EXAMPLE]})

    id: uuid.UUID
    email: str | None
    status: Literal["open", "used", "expired", "revoked"]
    created_at: datetime
    expires_at: datetime
    created_by: str | None
    used_at: datetime | None
    used_by: str | None


class InviteList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [INVITE_EXAMPLE]}]})

    data: list[InviteOut]


class InviteCreate(BaseModel):
    """An invitation link: for anyone (no ``email``) or for one address; lasts ``days`` (1-30)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"email": "new.colleague@example.com", "days": 7}]}
    )

    email: Text | None = None
    days: StrictInt = invites.DEFAULT_DAYS


class InviteCreated(BaseModel):
    """The new link: ``url`` (and ``token``) are shown this once; only a hash is kept."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "invite": INVITE_EXAMPLE,
                    "token": "q1w2e3r4t5y6",
                    "url": "https://ticked.example.com/signup?invite=q1w2e3r4t5y6",
                }
            ]
        }
    )

    invite: InviteOut
    token: str
    url: str


@router.get("/settings", response_model=InstanceSettingsOut, summary="Read the instance settings")
def read_settings(session: SessionDep, user_id: AdminId) -> dict[str, Any]:
    return admin_settings.read(session, user_id=user_id).to_json()


@router.patch("/settings", response_model=InstanceSettingsOut, summary="Change instance settings")
def change_settings(
    body: InstanceSettingsPatch, request: Request, session: SessionDep, user_id: AdminId
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    if changes.get("token_max_days") == 0:
        changes["token_max_days"] = None
    changes = {k: v for k, v in changes.items() if v is not None or k == "token_max_days"}
    found = admin_settings.update(
        session, user_id=user_id, changes=changes, ip=client_ip(request), surface="api"
    )
    return found.to_json()


@router.get("/invites", response_model=InviteList, summary="List sign-up invitations")
def list_invites(session: SessionDep, user_id: AdminId) -> dict[str, Any]:
    return {"data": [v.to_json() for v in invites.list_invites(session, user_id=user_id)]}


@router.post(
    "/invites", response_model=InviteCreated, status_code=201, summary="Make a sign-up invitation link"
)
def create_invite(
    body: InviteCreate, request: Request, session: SessionDep, user_id: AdminId
) -> dict[str, Any]:
    made = invites.create(
        session, user_id=user_id, email=body.email, days=body.days, ip=client_ip(request), surface="api"
    )
    return {
        "invite": made.invite.to_json(),
        "token": made.token,
        "url": get_settings().link_base_url + made.path,
    }


@router.delete("/invites/{invite_id}", response_model=OkResponse, summary="Revoke a sign-up invitation")
def revoke_invite(invite_id: str, request: Request, session: SessionDep, user_id: AdminId) -> OkResponse:
    invites.revoke(session, user_id=user_id, invite_id=invite_id, ip=client_ip(request), surface="api")
    return OkResponse()
