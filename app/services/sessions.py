"""A person's signed-in sessions (issue 18): which devices hold a live token, and signing them out.

A session is a row of ``auth_tokens`` that is neither revoked nor expired (browser sign-ins and
API tokens from ``POST /api/auth/token`` alike). Everything here is scoped to the acting user: an
id of someone else's session answers exactly like a missing one.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.core.security import TokenError, decode_token
from app.models import AuthToken, User
from app.models.base import utcnow
from app.services import audit
from app.services.errors import NotFoundError

NOT_FOUND = "Session not found. It may have ended already."


@dataclass(frozen=True)
class SessionInfo:
    """One live session as the settings page lists it."""

    id: uuid.UUID
    device: str
    ip: str
    source: str
    signed_in_at: datetime
    last_seen_at: datetime | None
    current: bool


_BROWSERS = (
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|HeadlessChrome/|Chromium/"),
    ("Safari", r"Safari/"),
)
_SYSTEMS = (
    ("iOS", r"iPhone|iPad|iPod"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux|X11"),
)


def describe_device(user_agent: str | None, source: str = "web") -> str:
    """A person's words for a User-Agent: "Chrome on Linux", "Safari on iOS", "API client (curl)"."""
    text = user_agent or ""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, text)), None)
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, text)), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or f"A browser on {system}"
    tool = re.match(r"([A-Za-z][\w.-]{0,30})/", text)
    if source == "api":
        return f"API client ({tool.group(1)})" if tool else "API client"
    return tool.group(1) if tool else "Unknown device"


def _current_jti(token: str | None) -> uuid.UUID | None:
    if not token:
        return None
    try:
        return decode_token(token).jti
    except TokenError:
        return None


def _live(user_id: uuid.UUID) -> Any:
    now = utcnow()
    return select(AuthToken).where(
        AuthToken.user_id == user_id,
        col(AuthToken.revoked_at).is_(None),
        col(AuthToken.expires_at) > now,
    )


def list_sessions(
    session: Session, *, user_id: uuid.UUID, current_token: str | None = None
) -> list[SessionInfo]:
    """The person's live sessions, the most recently used first; ``current_token`` marks "this device"."""
    here = _current_jti(current_token)
    rows = session.exec(_live(user_id)).all()
    infos = [
        SessionInfo(
            id=row.id,
            device=describe_device(row.user_agent, row.source),
            ip=row.ip or "",
            source=row.source,
            signed_in_at=row.created_at,
            last_seen_at=row.last_seen_at,
            current=row.id == here,
        )
        for row in rows
    ]
    infos.sort(key=lambda s: (not s.current, -(s.last_seen_at or s.signed_in_at).timestamp()))
    return infos


def _parse(session_id: uuid.UUID | str) -> uuid.UUID | None:
    if isinstance(session_id, uuid.UUID):
        return session_id
    try:
        return uuid.UUID(str(session_id).strip())
    except (ValueError, AttributeError, TypeError):
        return None


def _actor(session: Session, user_id: uuid.UUID, ip: str | None, surface: str) -> audit.Actor:
    user = session.get(User, user_id)
    return audit.Actor(user_id=user_id, email=user.email if user else None, ip=ip, surface=surface)


def sign_out_session(
    session: Session,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID | str,
    ip: str | None = None,
    surface: str = "web",
) -> None:
    """End one of the person's own live sessions (its token stops working at once, everywhere)."""
    wanted = _parse(session_id)
    row = session.exec(_live(user_id).where(AuthToken.id == wanted)).first() if wanted else None
    if row is None:
        raise NotFoundError(NOT_FOUND)
    row.revoked_at = utcnow()
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=_actor(session, user_id, ip, surface),
        action="auth.sign_out",
        target_type="session",
        target_id=row.id,
        target_label=describe_device(row.user_agent, row.source),
    )


def sign_out_everywhere_else(
    session: Session,
    *,
    user_id: uuid.UUID,
    current_token: str | None,
    ip: str | None = None,
    surface: str = "web",
) -> int:
    """End every live session of the person but the one making the request; returns how many."""
    here = _current_jti(current_token)
    stmt = update(AuthToken).where(
        col(AuthToken.user_id) == user_id,
        col(AuthToken.revoked_at).is_(None),
        col(AuthToken.expires_at) > utcnow(),
    )
    if here is not None:
        stmt = stmt.where(col(AuthToken.id) != here)
    result: Any = session.execute(stmt.values(revoked_at=utcnow()))
    count = int(result.rowcount or 0)
    audit.record(
        session,
        actor=_actor(session, user_id, ip, surface),
        action="auth.sign_out_everywhere",
        target_type="user",
        target_id=user_id,
        details={"sessions": count},
    )
    return count
