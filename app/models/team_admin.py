"""Running Ticked for a team (issue 18): access tokens, two-factor recovery codes, instance settings,
sign-up invitations, single sign-on identities and the audit log.

None of these tables holds task or message content. Secrets (access tokens, recovery codes,
invitation links) are stored only as hashes; the TOTP secret lives on the user, encrypted at rest.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, fk, json_field, utcnow, uuid_pk


class TokenScope(StrEnum):
    """What a personal access token may do: ``read`` changes nothing, ``write`` what the person can,
    ``admin`` also the admin API (for admins only)."""

    read = "read"
    write = "write"
    admin = "admin"


class AccessToken(SQLModel, table=True):
    """A personal access token for scripts and MCP clients: shown once, stored as a SHA-256 hash."""

    __tablename__ = "access_tokens"

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = fk("users.id", index=True)
    name: str = Field(max_length=100)
    scope: str = Field(max_length=8)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    prefix: str = Field(max_length=16)
    """The token's first characters, shown in lists so a person can tell tokens apart."""
    created_at: datetime = created_at_field()
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)

    __table_args__ = (sa.CheckConstraint("scope IN ('read','write','admin')", name="ck_access_tokens_scope"),)

    def is_valid(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class RecoveryCode(SQLModel, table=True):
    """One single-use two-factor recovery code (ten per enrolment), stored hashed."""

    __tablename__ = "recovery_codes"

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = fk("users.id", index=True)
    code_hash: str = Field(max_length=255)
    created_at: datetime = created_at_field()
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class InstanceSetting(SQLModel, table=True):
    """One instance-wide setting an admin changed (``app.services.instance`` has the names, the
    defaults and the environment overrides); a setting never changed has no row."""

    __tablename__ = "instance_settings"

    key: str = Field(primary_key=True, max_length=64)
    value: Any = json_field(default_factory=lambda: None, nullable=True, none_as_null=True)
    updated_at: datetime = created_at_field()
    updated_by: uuid.UUID | None = fk("users.id", ondelete="SET NULL", nullable=True)


class SignupInvite(SQLModel, table=True):
    """A sign-up invitation link: single use, expiring; optionally for one email only."""

    __tablename__ = "signup_invites"

    id: uuid.UUID = uuid_pk()
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    email: str | None = Field(default=None, max_length=320, nullable=True)
    created_by: uuid.UUID | None = fk("users.id", ondelete="SET NULL", nullable=True)
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    used_by: uuid.UUID | None = fk("users.id", ondelete="SET NULL", nullable=True)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class UserIdentity(SQLModel, table=True):
    """A single sign-on identity (OpenID Connect issuer and subject) linked to an account."""

    __tablename__ = "user_identities"

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = fk("users.id", index=True)
    issuer: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    email: str | None = Field(default=None, max_length=320, nullable=True)
    created_at: datetime = created_at_field()
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)

    __table_args__ = (sa.UniqueConstraint("issuer", "subject", name="uq_user_identities_issuer_subject"),)


class AuditEvent(SQLModel, table=True):
    """One thing that happened to accounts or access: who, what, when, from where; never content.

    Tamper-evident: ``hash`` is SHA-256 over the previous row's hash and this row's fields
    (``app.services.audit``), so editing or deleting a row breaks every later link. Rows older than
    the retention are pruned from the start of the chain; the oldest kept row's ``prev_hash`` then
    anchors what remains.
    """

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = created_at_field()
    actor_id: uuid.UUID | None = Field(default=None, nullable=True, index=True)
    """Who acted (no foreign key: the log outlives deleted accounts); None for an anonymous attempt."""
    actor_email: str | None = Field(default=None, max_length=320, nullable=True)
    action: str = Field(max_length=64, index=True)
    target_type: str | None = Field(default=None, max_length=32, nullable=True)
    target_id: str | None = Field(default=None, max_length=64, nullable=True)
    target_label: str | None = Field(default=None, max_length=320, nullable=True)
    ip: str | None = Field(default=None, max_length=64, nullable=True)
    surface: str = Field(default="web", max_length=16)
    outcome: str = Field(default="ok", max_length=16)
    details: dict[str, Any] = json_field()
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})

    __table_args__ = (sa.Index("ix_audit_events_at", "at"),)
