"""Sign-up invitation links (issue 18): an admin makes one, the person it is for signs up with it.

A link is ``/signup?invite=<token>``: the token is shown once, when the admin makes the link, and
only its SHA-256 is stored, so a copy of the database lets nobody in. A link is single use and
expires (7 days unless the admin says otherwise, at most 30); it may name the one email address
it is for, and then it works for that address only (and lets that address in even when its
domain is not among the instance's allowed sign-up domains: the admin named it).

Redeeming is one conditional ``UPDATE ... WHERE used_at IS NULL AND revoked_at IS NULL AND
expires_at > now``: of two sign-ups racing with one link exactly one changes the row, and the
other is refused (its transaction, with the account it was creating, rolls back).

Every function an admin calls checks :func:`app.services.admin_guard.require_admin` first, so to
anyone else the invitations do not exist (the same "Not found." as any missing thing).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.core.db import begin_write
from app.models import SignupInvite, User
from app.models.base import utcnow
from app.models.user import EMAIL_RE
from app.services import audit
from app.services.admin_guard import require_admin
from app.services.errors import ConflictError, InvalidInputError, NotFoundError

DEFAULT_DAYS = 7
MAX_DAYS = 30
SIGNUP_PATH = "/signup"
"""The sign-up page (``app.routes.SIGNUP``; the services do not import the pages' routes)."""
LIST_LIMIT = 200
NOT_FOUND = "Invitation not found."

InviteStatus = Literal["open", "used", "expired", "revoked"]


@dataclass(frozen=True)
class InviteView:
    """An invitation as the console lists it (never the token: it was shown once)."""

    id: uuid.UUID
    email: str | None
    status: InviteStatus
    created_at: datetime
    expires_at: datetime
    created_by: str | None
    used_at: datetime | None
    used_by: str | None
    """The email of the account that signed up with it (None until used, or if since deleted)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "email": self.email,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "created_by": self.created_by,
            "used_at": self.used_at.isoformat() if self.used_at else None,
            "used_by": self.used_by,
        }


@dataclass(frozen=True)
class NewInvite:
    """A link just made: its token and path are shown this once."""

    invite: InviteView
    token: str

    @property
    def path(self) -> str:
        return invite_path(self.token)


def invite_path(token: str) -> str:
    return f"{SIGNUP_PATH}?invite={token}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def status_of(invite: SignupInvite, now: datetime | None = None) -> InviteStatus:
    now = now or utcnow()
    if invite.used_at is not None:
        return "used"
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at <= now:
        return "expired"
    return "open"


def _check_email(email: str | None) -> str | None:
    value = (email or "").strip().lower()
    if not value:
        return None
    if len(value) > 320 or not EMAIL_RE.match(value):
        raise InvalidInputError("Enter a valid email address for the invitation, like name@example.com.")
    return value


def _check_days(days: Any) -> int:
    try:
        value = int(str(days).strip()) if days not in (None, "") else DEFAULT_DAYS
    except (TypeError, ValueError):
        value = 0
    if isinstance(days, bool) or not 1 <= value <= MAX_DAYS:
        raise InvalidInputError(f"An invitation lasts from 1 to {MAX_DAYS} days.")
    return value


def _emails(session: Session, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.exec(select(User.id, User.email).where(col(User.id).in_(wanted))).all()
    return {row[0]: row[1] for row in rows}


def _views(session: Session, rows: list[SignupInvite]) -> list[InviteView]:
    now = utcnow()
    emails = _emails(session, {r.created_by for r in rows} | {r.used_by for r in rows})
    return [
        InviteView(
            id=r.id,
            email=r.email,
            status=status_of(r, now),
            created_at=r.created_at,
            expires_at=r.expires_at,
            created_by=emails.get(r.created_by) if r.created_by else None,
            used_at=r.used_at,
            used_by=emails.get(r.used_by) if r.used_by else None,
        )
        for r in rows
    ]


def create(
    session: Session,
    *,
    user_id: uuid.UUID,
    email: str | None = None,
    days: Any = DEFAULT_DAYS,
    ip: str | None = None,
    surface: str = "web",
) -> NewInvite:
    """Make an invitation link (admins only): optionally for one email, valid for ``days`` (1-30)."""
    admin = require_admin(session, user_id=user_id)
    bound, lifetime = _check_email(email), _check_days(days)
    token = secrets.token_urlsafe(32)
    row = SignupInvite(
        token_hash=hash_token(token),
        email=bound,
        created_by=admin.id,
        expires_at=utcnow() + timedelta(days=lifetime),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=audit.Actor(user_id=admin.id, email=admin.email, ip=ip, surface=surface),
        action="admin.invite.create",
        target_type="invite",
        target_id=row.id,
        target_label=bound,
        details={"days": lifetime, "for_email": bound is not None},
    )
    return NewInvite(invite=_views(session, [row])[0], token=token)


def list_invites(session: Session, *, user_id: uuid.UUID, limit: int = LIST_LIMIT) -> list[InviteView]:
    """The newest invitations first, each with its status and who used it (admins only)."""
    require_admin(session, user_id=user_id)
    stmt = select(SignupInvite).order_by(col(SignupInvite.created_at).desc(), col(SignupInvite.id))
    return _views(session, list(session.exec(stmt.limit(max(1, min(limit, LIST_LIMIT)))).all()))


def _parse_id(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value).strip())
    except (ValueError, AttributeError, TypeError) as exc:
        raise NotFoundError(NOT_FOUND) from exc


def revoke(
    session: Session,
    *,
    user_id: uuid.UUID,
    invite_id: Any,
    ip: str | None = None,
    surface: str = "web",
) -> InviteView:
    """Make an unused link stop working (admins only); a used one can't be revoked (its account exists)."""
    admin = require_admin(session, user_id=user_id)
    begin_write(session)
    row = session.get(SignupInvite, _parse_id(invite_id))
    if row is None:
        raise NotFoundError(NOT_FOUND)
    if row.used_at is not None:
        raise ConflictError("This invitation has already been used: remove the account instead, if you must.")
    if row.revoked_at is None:
        result: Any = session.execute(
            sa.update(SignupInvite)
            .where(col(SignupInvite.id) == row.id, col(SignupInvite.used_at).is_(None))
            .values(revoked_at=utcnow())
        )
        if not result.rowcount:  # used a moment ago
            raise ConflictError("This invitation has just been used.")
        session.refresh(row)
        audit.record(
            session,
            actor=audit.Actor(user_id=admin.id, email=admin.email, ip=ip, surface=surface),
            action="admin.invite.revoke",
            target_type="invite",
            target_id=row.id,
            target_label=row.email,
        )
    return _views(session, [row])[0]


def find_usable(session: Session, *, token: str | None) -> SignupInvite | None:
    """The open invitation this token belongs to, or None (unknown, used, revoked or expired)."""
    if not token or not token.strip() or len(token) > 200:
        return None
    row = session.exec(select(SignupInvite).where(SignupInvite.token_hash == hash_token(token))).first()
    return row if row is not None and status_of(row) == "open" else None


def redeem(session: Session, *, invite_id: uuid.UUID, new_user_id: uuid.UUID) -> bool:
    """Use the invitation for the account a sign-up has just made: True for exactly one caller.

    One conditional UPDATE: a second sign-up with the same link (at the same moment, on another
    instance) changes no row and gets False.
    """
    begin_write(session)
    now = utcnow()
    result: Any = session.execute(
        sa.update(SignupInvite)
        .where(
            col(SignupInvite.id) == invite_id,
            col(SignupInvite.used_at).is_(None),
            col(SignupInvite.revoked_at).is_(None),
            col(SignupInvite.expires_at) > now,
        )
        .values(used_at=now, used_by=new_user_id)
    )
    return bool(result.rowcount)
