"""Password-reset links an admin hands out (issue 18): signed, single use, valid for one hour.

A link is an HS256 JWT in the URL (``/reset?token=<token>``) holding the person (``uid``), a
``jti`` and an expiry. It is signed with a key derived from the app's JWT secret for this purpose
only and carries an audience of its own, so it is never a sign-in token nor an email action link
(:mod:`app.services.links`), and neither of those is one of these.

Single use, as the action links: issuing records the ``jti`` in ``auth_tokens`` (``source="reset"``),
and setting the new password consumes it with one conditional UPDATE in the same transaction, so of
two submissions exactly one sets a password. Setting it revokes every token of the account (its
sessions, other reset links); so does any other password change or disabling the account.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import sqlalchemy as sa
from sqlmodel import Session, col

from app.core.config import get_settings
from app.core.security import MIN_PASSWORD_LENGTH, hash_password
from app.models import AuthToken, User
from app.models.base import utcnow
from app.services import audit
from app.services import auth as auth_service
from app.services.errors import InvalidInputError, require_text

LIFETIME = timedelta(hours=1)
AUDIENCE = "ticked:password-reset"
SOURCE = "reset"
ALGORITHM = "HS256"
PASSWORD_MAX = 128

INVALID = "This reset link is not valid. Ask your admin for a new one."
EXPIRED = "This reset link has expired (links last one hour). Ask your admin for a new one."
USED = "This reset link was already used. Ask your admin for a new one."


class ResetLinkError(InvalidInputError):
    """The link can't be used; the text says why, for the person who opened it."""


@dataclass(frozen=True)
class ResetClaims:
    user_id: uuid.UUID
    jti: uuid.UUID
    expires_at: datetime


def _key() -> bytes:
    secret = get_settings().effective_jwt_secret.encode()
    return hmac.new(secret, b"ticked password reset v1", hashlib.sha256).digest()


def issue(session: Session, *, user: User, now: datetime | None = None) -> str:
    """A new signed reset token for ``user`` (recorded so it can be used once, and revoked)."""
    now = (now or utcnow()).replace(microsecond=0)
    expires = now + LIFETIME
    jti = uuid.uuid4()
    session.add(
        AuthToken(
            id=jti,
            user_id=user.id,
            fingerprint=hashlib.sha256(f"reset:{jti}".encode()).hexdigest(),
            source=SOURCE,
            created_at=now,
            expires_at=expires,
        )
    )
    session.flush()
    payload = {"uid": str(user.id), "jti": str(jti), "aud": AUDIENCE, "exp": int(expires.timestamp())}
    return jwt.encode(payload, _key(), algorithm=ALGORITHM)


def read(token: str, *, now: datetime | None = None) -> ResetClaims:
    """Check the signature and expiry (nothing in the database), or :class:`ResetLinkError`."""
    if not token or len(token) > 2000:
        raise ResetLinkError(INVALID)
    try:
        payload = jwt.decode(
            token,
            _key(),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["uid", "jti", "exp", "aud"], "verify_exp": False},
        )
        claims = ResetClaims(
            user_id=uuid.UUID(payload["uid"]),
            jti=uuid.UUID(payload["jti"]),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
        )
    except (jwt.InvalidTokenError, ValueError, TypeError, KeyError) as exc:
        raise ResetLinkError(INVALID) from exc
    if claims.expires_at <= (now or utcnow()):
        raise ResetLinkError(EXPIRED)
    return claims


def check(session: Session, *, token: str, now: datetime | None = None) -> str:
    """The email of the account a usable link resets (reads only), or :class:`ResetLinkError`."""
    claims = read(token, now=now)
    row = session.get(AuthToken, claims.jti)
    user = session.get(User, claims.user_id)
    if row is None or row.source != SOURCE or row.user_id != claims.user_id or user is None:
        raise ResetLinkError(INVALID)
    if row.revoked_at is not None:
        raise ResetLinkError(USED)
    if not user.is_active:
        raise ResetLinkError(INVALID)
    return user.email


def reset_password(
    session: Session, *, token: str, new_password: str, ip: str | None = None, now: datetime | None = None
) -> str:
    """Set the password a link resets, once; every session of the account ends. Returns the email.

    A bad password is refused before the link is used, so the person can try again with it.
    """
    require_text(new_password, "The new password")
    now = now or utcnow()
    email = check(session, token=token, now=now)
    if len(new_password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(f"The new password must be at least {MIN_PASSWORD_LENGTH} characters.")
    if len(new_password) > PASSWORD_MAX:
        raise InvalidInputError(f"The new password can be at most {PASSWORD_MAX} characters.")
    claims = read(token, now=now)
    used: Any = session.execute(
        sa.update(AuthToken)
        .where(
            col(AuthToken.id) == claims.jti,
            col(AuthToken.source) == SOURCE,
            col(AuthToken.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    if int(used.rowcount or 0) != 1:
        raise ResetLinkError(USED)
    user = session.get(User, claims.user_id)
    assert user is not None  # checked above, in this transaction
    user.hashed_password = hash_password(new_password)
    user.updated_at = now
    session.add(user)
    auth_service.revoke_all_tokens(session, user_id=user.id)
    actor = audit.Actor(user_id=user.id, email=user.email, ip=ip, surface="web")
    audit.record(
        session,
        actor=actor,
        action="auth.password_reset",
        target_type="user",
        target_id=user.id,
        target_label=email,
    )
    session.flush()
    return email
