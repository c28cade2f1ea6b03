"""Per-user chat preferences, kept in ``users.chat_preferences`` (seed 000).

Seed 000 gives the user a free-form ``chat_preferences`` JSON; we give it a schema so every
interface reads the same choices with the same defaults:

- ``retention_days``: how long chats are kept (``None`` = forever, or 30, 90, 365 days); the
  server's maximum caps it (the admin console's chat retention, ``CHAT_RETENTION_DAYS`` until an
  admin sets it; see :func:`effective_retention_days`).
- ``redact_sensitive``: before context leaves the machine (the OpenAI backend), replace emails,
  phone numbers, card numbers, IBANs and secret-looking keys by placeholders. On by default.

Unknown keys already stored are kept untouched, so older or newer versions can share a database.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlmodel import Session

from app.core.config import get_settings
from app.models import User
from app.models.base import utcnow
from app.services import instance
from app.services.errors import NotFoundError, invalid

RetentionDays = Literal[30, 90, 365] | None
RETENTION_CHOICES: tuple[int | None, ...] = (None, 30, 90, 365)


class ChatPreferences(BaseModel):
    """The chat preferences a person can set; defaults apply to keys never set."""

    model_config = ConfigDict(extra="ignore")

    retention_days: RetentionDays = None
    redact_sensitive: bool = True


class ChatPreferencesUpdate(BaseModel):
    """A partial change; only the fields given are changed."""

    model_config = ConfigDict(extra="forbid")

    retention_days: RetentionDays = None
    redact_sensitive: bool | None = None


def _user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("User not found.")
    return user


def read_preferences(user: User) -> ChatPreferences:
    """The preferences stored on ``user``; a malformed value falls back to the defaults."""
    try:
        return ChatPreferences.model_validate(user.chat_preferences or {})
    except ValidationError:
        return ChatPreferences()


def get_preferences(session: Session, *, user_id: uuid.UUID) -> ChatPreferences:
    return read_preferences(_user(session, user_id))


def update_preferences(session: Session, *, user_id: uuid.UUID, **changes: Any) -> ChatPreferences:
    """Set the given preferences; a value outside the choices gets a clear message."""
    try:
        update = ChatPreferencesUpdate.model_validate(changes)
    except ValidationError as exc:
        raise invalid(exc) from exc
    user = _user(session, user_id)
    merged: dict[str, Any] = dict(user.chat_preferences or {})
    merged.update(update.model_dump(exclude_unset=True))
    current = ChatPreferences.model_validate(merged)
    user.chat_preferences = {**merged, **current.model_dump()}
    user.updated_at = utcnow()
    session.add(user)
    session.flush()
    return current


def server_retention_days(session: Session | None = None) -> int | None:
    """The server's maximum age of chats in days, or None when there is none.

    With a ``session``, the instance setting an admin controls (``default_chat_retention_days``,
    read fresh: the retention job and the settings page must agree on every instance); it is
    ``CHAT_RETENTION_DAYS`` until an admin changes it, so without a session, that.
    """
    if session is not None:
        return instance.get(session, fresh=True).default_chat_retention_days or None
    return get_settings().chat_retention_days or None


def effective_retention_days(preferences: ChatPreferences, *, session: Session | None = None) -> int | None:
    """Days after which a user's chats are deleted: the user's choice capped by the server's maximum."""
    server = server_retention_days(session)
    choices = [d for d in (preferences.retention_days, server) if d]
    return min(choices) if choices else None
