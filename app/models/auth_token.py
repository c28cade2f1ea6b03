"""Issued JWTs (seed 001's AuthenticationToken), kept so a token can be revoked.

We store the token's ``jti`` and a SHA-256 fingerprint, never the token itself: a leaked
database must not hand out working sessions. Seed 001's ``isValid`` is derived from
``revoked_at`` and ``expires_at``.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, fk, utcnow


class AuthToken(SQLModel, table=True):
    """One issued token; ``id`` is the JWT's ``jti``."""

    __tablename__ = "auth_tokens"

    id: uuid.UUID = Field(primary_key=True, nullable=False)
    user_id: uuid.UUID = fk("users.id", index=True)
    fingerprint: str = Field(max_length=64)
    source: str = Field(default="web", max_length=16)
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    user_agent: str | None = Field(default=None, max_length=300, nullable=True)
    """The browser or client that signed in (shown as the device in the sessions list)."""
    ip: str | None = Field(default=None, max_length=64, nullable=True)
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    """Last use (updated at most once a minute)."""

    def is_valid(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or utcnow())
