"""User accounts.

Seeds 000-004 agree on a user owning tasks and threads; seed 000 adds ``chat_preferences``
and ``last_chat_thread_id``. ``last_chat_thread_id`` is a plain UUID, not a foreign key:
the thread table already points at users, and a cycle of foreign keys would make deletes
and SQLite migrations fragile; the thread service clears it when that thread goes.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from app.core.inputs import Text
from app.core.security import MIN_PASSWORD_LENGTH
from app.models.base import (
    EncryptedText,
    UTCDateTime,
    created_at_field,
    json_field,
    updated_at_field,
    uuid_pk,
)


class User(SQLModel, table=True):
    """A person who signs in. Emails are stored lower-cased and unique."""

    __tablename__ = "users"

    id: uuid.UUID = uuid_pk()
    email: str = Field(max_length=320, sa_column_kwargs={"unique": True}, index=True)
    name: str | None = Field(default=None, max_length=100)
    hashed_password: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    chat_preferences: dict[str, Any] = json_field()
    last_chat_thread_id: uuid.UUID | None = Field(default=None, nullable=True)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    time_zone: str = Field(default="UTC", max_length=64, sa_column_kwargs={"server_default": "UTC"})
    """IANA name; "today" on every surface is the date there (app/services/clock.py)."""
    default_reminder: int | None = Field(default=None, nullable=True)
    """Minutes before the due time for a task given a due time without a reminder (None: none)."""
    email_reminders: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    """Reminders also go by email when the server has ``SMTP_URL``."""
    digest_at: time | None = Field(default=None, nullable=True)
    """The local time of the opt-in daily digest email (None: no digest)."""
    digest_sent_on: date | None = Field(default=None, nullable=True)
    """The local date of the last digest sent (one a day, across instances)."""
    calendar_token: str | None = Field(default=None, max_length=64, nullable=True, unique=True)
    """SHA-256 of the secret in the person's calendar feed URL (None: no feed)."""
    is_admin: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    """Runs the instance: the admin console, sign-up policy, the audit log (issue 18)."""
    last_active_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    """When the person last used Ticked (a signed-in request; updated at most once a minute)."""
    totp_secret: str | None = Field(default=None, sa_type=EncryptedText("users.totp_secret"), nullable=True)
    """The two-factor (TOTP) secret, encrypted at rest; set at enrolment, confirmed by ``totp_enabled_at``."""
    totp_enabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    """When two-factor sign-in was turned on (None: off, or enrolment not yet confirmed with a code)."""
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()

    __table_args__ = (sa.CheckConstraint("length(email) >= 3", name="ck_users_email_len"),)


# Deliberately permissive on the domain: self-hosted teams sign in with internal names
# (``ann@intranet``, ``bob@corp.test``) that strict validators refuse.
EMAIL_RE = re.compile(
    r"^[^@\s<>()\[\],;:\"]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)


class UserCreate(BaseModel):
    """What sign-up takes; validation messages are shown to the person as they are."""

    model_config = ConfigDict(str_strip_whitespace=True)

    email: Text = PField(max_length=320)
    password: Text = PField(min_length=MIN_PASSWORD_LENGTH, max_length=128)
    name: Text | None = PField(default=None, max_length=100)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip().lower()
        if not EMAIL_RE.match(value):
            raise ValueError("Enter a valid email address, like name@example.com.")
        return value

    @field_validator("name")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class UserPublic(BaseModel):
    """A user as other layers may show it (no password hash)."""

    id: uuid.UUID
    email: str
    name: str | None
    created_at: datetime
