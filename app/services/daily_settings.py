"""The daily loop's settings (issue 17): time zone, default reminder, reminder emails, daily digest.

One place every surface (the settings page, ``/api/me/settings``) reads and changes them, with the
same choices and the same messages:

- ``time_zone``: an IANA name (:func:`app.services.clock.check_zone`); "today", due times and
  reminders are read on that clock. Changing it moves the pending reminders of the person's tasks
  to the same wall-clock times in the new zone (a reminder "at 17:00" stays at 17:00).
- ``default_reminder``: minutes before the due time given to a task that gets a due time without
  a reminder (:data:`REMINDER_CHOICES`), or None.
- ``email_reminders``: reminders also go by email when the server can send mail.
- ``digest_at``: the local time ("HH:MM") of the opt-in daily digest email, or None (off).

The browser says which zone it is in at sign-up and sign-in. Sign-up takes it
(:func:`app.services.auth.register`); sign-in takes it only for an account still on the default
UTC whose owner never chose a zone (:func:`adopt_browser_zone`): someone who travels keeps the zone
they chose, and the settings page offers "Your browser says X: use it?" instead.
"""

from __future__ import annotations

import re
import uuid
from datetime import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session, col, select

from app.models import Task, User
from app.models.base import utcnow
from app.services import clock, reminders
from app.services.errors import InvalidInputError, NotFoundError, invalid

REMINDER_CHOICES: tuple[tuple[int | None, str], ...] = (
    (None, "No reminder"),
    (0, "At the due time"),
    (5, "5 minutes before"),
    (10, "10 minutes before"),
    (15, "15 minutes before"),
    (30, "30 minutes before"),
    (60, "1 hour before"),
    (1440, "1 day before"),
)
"""The default reminders one can choose (minutes before the due time), with their words."""
DIGEST_TIME = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)
CHOSEN_KEY = "time_zone_chosen"
"""Kept in ``users.chat_preferences`` once the person picked a zone themselves (no migration
needed: that JSON keeps keys it does not know)."""


class DailySettings(BaseModel):
    """What the person chose; the defaults are those of a new account."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "time_zone": "Europe/Paris",
                    "default_reminder": 30,
                    "email_reminders": True,
                    "digest_at": "07:30",
                }
            ]
        }
    )
    time_zone: str = Field(description="IANA time zone name; 'today' and reminders use its clock.")
    default_reminder: int | None = Field(
        description="Minutes before the due time (0, 5, 10, 15, 30, 60 or 1440), or null for none."
    )
    email_reminders: bool = Field(description="Reminders also go by email (when the server sends mail).")
    digest_at: str | None = Field(description="Local time 'HH:MM' of the daily digest email, or null: off.")


class DailySettingsUpdate(BaseModel):
    """A partial change: only the fields given change (null turns the reminder or digest off)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,  # "yes" is not true and "30" is not 30: a typed body, as everywhere in the API
        json_schema_extra={"examples": [{"default_reminder": 15, "digest_at": "08:00"}]},
    )
    time_zone: str | None = Field(default=None, max_length=64)
    default_reminder: int | None = None
    email_reminders: bool | None = None
    digest_at: str | None = Field(default=None, max_length=8)


def _user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("User not found.")
    return user


def reminder_label(minutes: int | None) -> str:
    """The words for a default reminder ("30 minutes before")."""
    return dict(REMINDER_CHOICES).get(minutes, f"{minutes} minutes before")


def parse_digest_time(value: Any) -> time | None:
    """``"HH:MM"`` (24-hour clock) as a time; empty or None turns the digest off."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    text = str(value).strip()
    try:
        match = DIGEST_TIME.fullmatch(text)
        if match is None:
            raise ValueError(text)
        return time(int(match[1]), int(match[2]))
    except ValueError:
        raise InvalidInputError(
            f"The digest time '{text[:16]}' is not a time: use the 24-hour clock, like 07:30."
        ) from None


def check_default_reminder(value: Any) -> int | None:
    """One of :data:`REMINDER_CHOICES`, or a clear refusal."""
    allowed = [m for m, _ in REMINDER_CHOICES]
    if isinstance(value, bool) or (value is not None and not isinstance(value, int)) or value not in allowed:
        words = ", ".join(str(m) for m in allowed if m is not None)
        raise InvalidInputError(f"The default reminder must be one of {words} minutes before, or none.")
    return value


def read_settings(user: User) -> DailySettings:
    return DailySettings(
        time_zone=user.time_zone or clock.DEFAULT_ZONE,
        default_reminder=user.default_reminder,
        email_reminders=bool(user.email_reminders),
        digest_at=user.digest_at.strftime("%H:%M") if user.digest_at else None,
    )


def get_settings(session: Session, *, user_id: uuid.UUID) -> DailySettings:
    return read_settings(_user(session, user_id))


def zone_chosen(user: User) -> bool:
    """Whether the person picked their zone themselves (in settings), as opposed to the default."""
    return bool((user.chat_preferences or {}).get(CHOSEN_KEY))


def update_settings(session: Session, *, user_id: uuid.UUID, **changes: Any) -> DailySettings:
    """Change the given settings; a value outside the choices gets a clear message and changes nothing."""
    try:
        update = DailySettingsUpdate.model_validate(changes)
    except ValidationError as exc:
        raise invalid(exc) from exc
    given = update.model_fields_set
    if "time_zone" in given and update.time_zone is None:
        raise InvalidInputError("The time zone can't be empty: use a name like Europe/Paris.")
    default_reminder = (
        check_default_reminder(update.default_reminder) if "default_reminder" in given else None
    )
    digest_at = parse_digest_time(update.digest_at) if "digest_at" in given else None
    zone_name = clock.check_zone(update.time_zone) if "time_zone" in given else None
    if "email_reminders" in given and update.email_reminders is None:
        raise InvalidInputError("Email reminders must be on (true) or off (false).")

    user = _user(session, user_id)
    if "default_reminder" in given:
        user.default_reminder = default_reminder
    if "email_reminders" in given:
        user.email_reminders = bool(update.email_reminders)
    if "digest_at" in given:
        user.digest_at = digest_at
    if zone_name is not None:
        user.chat_preferences = {**(user.chat_preferences or {}), CHOSEN_KEY: True}
        _set_zone(session, user, zone_name)
    user.updated_at = utcnow()
    session.add(user)
    session.flush()
    return read_settings(user)


def _set_zone(session: Session, user: User, zone_name: str) -> None:
    """Move to ``zone_name`` and reschedule the pending reminders of the person's open tasks (their
    wall-clock times stay; the instants move with the zone)."""
    if user.time_zone == zone_name:
        return
    user.time_zone = zone_name
    session.add(user)
    session.flush()
    stmt = select(Task).where(col(Task.user_id) == user.id, col(Task.completed).is_(False))
    for task in session.exec(stmt):
        if task.reminders:
            reminders.sync(session, task)


def adopt_browser_zone(session: Session, *, user_id: uuid.UUID, browser_zone: str | None) -> str | None:
    """At sign-in: take the browser's zone when the account is still on the default UTC and its
    owner never chose one. Returns the zone taken, or None (kept as it was; an unknown browser zone
    is ignored)."""
    user = _user(session, user_id)
    try:
        name = clock.check_zone(browser_zone) if browser_zone else None
    except InvalidInputError:
        name = None
    if name and user.time_zone == clock.DEFAULT_ZONE and name != user.time_zone and not zone_chosen(user):
        _set_zone(session, user, name)
        user.updated_at = utcnow()
        session.add(user)
        session.flush()
        return name
    return None
