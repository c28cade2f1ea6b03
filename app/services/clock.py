"""Each person's own clock: "today" in their time zone (issue 17).

Every user has an IANA time zone (``User.time_zone``, "UTC" by default; ``user create --tz``).
"Today", "tomorrow" and "overdue" are dates in that zone, not on the server's clock: at 23:30 in
Honolulu it is already tomorrow in UTC, and at 01:00 in Kiritimati it is still yesterday there.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlmodel import Session, select

from app.core.db import in_session, transaction_cache
from app.models import User
from app.services.errors import InvalidInputError, require_text

DEFAULT_ZONE = "UTC"


def check_zone(name: str | None) -> str:
    """The zone's canonical IANA name, or a clear refusal ("Europe/Paris", not "CET+1")."""
    require_text(name, "The time zone")
    value = str(name or "").strip()
    if not value:
        return DEFAULT_ZONE
    if value.upper() == "UTC":
        return DEFAULT_ZONE
    if value not in available_timezones():
        raise InvalidInputError(
            f"Unknown time zone '{value[:64]}': use a name like Europe/Paris or America/New_York."
        )
    return value


def zone(name: str | None) -> ZoneInfo:
    """The zone for ``name`` (UTC when it is missing or no longer known)."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def today_in(name: str | None, now: datetime | None = None) -> date:
    """The date it is now (or at ``now``) in the zone ``name``."""
    return (now or datetime.now(UTC)).astimezone(zone(name)).date()


def now_in(name: str | None) -> datetime:
    """The time it is now in the zone ``name`` (an aware datetime; None: UTC)."""
    return datetime.now(UTC).astimezone(zone(name))


def user_today(session: Session, *, user_id: uuid.UUID, now: datetime | None = None) -> date:
    """Today in ``user_id``'s time zone."""
    return today_in(user_zone(session, user_id), now)


def user_zone(session: Session, user_id: uuid.UUID) -> str | None:
    """``user_id``'s time zone name (None: no such user; :func:`zone` reads that as UTC).

    Read once per transaction (a tool call asks several times). The user's row, when the session
    holds it, is asked first, so a zone changed in this transaction (``daily_settings``) is the
    one returned.
    """
    user = in_session(session, User, user_id)
    if user is not None and "time_zone" in user.__dict__:
        return user.time_zone
    known: dict[uuid.UUID, str] = transaction_cache(session, "user_zones")
    if user_id in known:
        return known[user_id]
    checked = _CHECKED_ZONE.get()
    if checked is not None and checked[0] == user_id:
        remember_zone(session, user_id, checked[1])
        return checked[1]
    name = session.exec(select(User.time_zone).where(User.id == user_id)).first()
    remember_zone(session, user_id, name)
    return name


_CHECKED_ZONE: ContextVar[tuple[uuid.UUID, str] | None] = ContextVar("ticked_checked_zone", default=None)
"""The acting person's zone as their sign-in check read it a moment ago (:func:`zone_checked`)."""


@contextmanager
def zone_checked(user_id: uuid.UUID, name: str | None) -> Iterator[None]:
    """While in this block, :func:`user_zone` takes ``name`` as ``user_id``'s zone instead of reading
    it: a page event's token check has just read the person's row (issue 19: one statement less per
    event). A zone this block's transaction changes is still the one returned (the row comes first)."""
    reset = _CHECKED_ZONE.set((user_id, name)) if name is not None else None
    try:
        yield
    finally:
        if reset is not None:
            _CHECKED_ZONE.reset(reset)


def remember_zone(session: Session, user_id: uuid.UUID, name: str | None) -> None:
    """``user_id``'s zone as read a moment ago (by the transaction that stored a turn, for the one
    that answers it), so this transaction's :func:`user_zone` need not read it again."""
    if name is not None:
        transaction_cache(session, "user_zones")[user_id] = name
