"""Personal access tokens (issue 18): how scripts and MCP clients act as a person without a password.

A token is ``tk_`` and 43 URL-safe characters (32 random bytes). It is shown once, when it is made;
the database keeps only its SHA-256 (:func:`hash_secret`: the secret is random, so an unsalted hash
is as strong as the secret) and its first characters (``prefix``), which lists show so a person
can tell tokens apart. A token is named, scoped and may expire:

- ``read`` changes nothing: the API refuses every request but GET/HEAD/OPTIONS with it and the
  MCP server every tool that is not a read (``app.api.deps``, ``app.mcp_server``);
- ``write`` does whatever its person can;
- ``admin`` also reaches the admin API, and only an admin can make one.

An admin may set a longest lifetime (``instance.token_max_days``): a new token must then expire
within it, and an older token stops working once it is older than it, whatever it was made with.

Every function acts for the person named by ``user_id`` and sees only their tokens: another
person's token id is answered exactly like a missing one. Making and revoking a token are audit
events (``token.create``, ``token.revoke``); using one is not (it would drown the log), but it sets
``last_used_at`` (at most one write a minute).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from app.models import AccessToken, TokenScope, User
from app.models.base import utcnow
from app.services import admin_guard, audit, instance, presence
from app.services.errors import (
    AuthError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    require_text,
)

PREFIX = "tk_"
"""Every access token starts with this, so a bearer token is told apart from a sign-in JWT at once."""
SECRET_BYTES = 32
SHOWN_CHARS = 10
"""How much of a token lists show (``tk_`` and 7 characters): enough to tell tokens apart."""
MAX_NAME = 100
MAX_ACTIVE = 50
"""Live tokens per person: plenty for scripts, few enough that a list stays readable."""
MAX_DAYS = 3650
EXPIRY_CHOICES = (30, 90, 365)
"""The lifetimes the settings page offers (days), besides "never" when the server allows it."""

NOT_FOUND = "Access token not found."
INVALID = "Invalid access token."
READ_ONLY = "This access token is read-only (scope read)."
SCOPES: tuple[str, ...] = tuple(s.value for s in TokenScope)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def looks_like_token(value: str | None) -> bool:
    """Whether a bearer credential is meant as an access token (anything else is a sign-in JWT)."""
    return bool(value) and str(value).startswith(PREFIX)


@dataclass(frozen=True)
class TokenInfo:
    """What a list shows of a token: never the secret, nor its hash."""

    id: uuid.UUID
    name: str
    scope: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    """When it stops working: its own expiry, or sooner when the server's longest lifetime says so."""
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def status(self) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= utcnow():
            return "expired"
        return "active"

    def to_json(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": str(self.id),
            "name": self.name,
            "scope": self.scope,
            "prefix": self.prefix,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "last_used_at": iso(self.last_used_at),
            "revoked_at": iso(self.revoked_at),
            "status": self.status,
        }


@dataclass(frozen=True)
class Grant:
    """What a valid token lets its bearer do: act as ``user`` within ``scope``."""

    user: User
    scope: TokenScope
    token_id: uuid.UUID

    @property
    def read_only(self) -> bool:
        return self.scope == TokenScope.read


def _effective_expiry(row: AccessToken, max_days: int | None) -> datetime | None:
    if max_days is None:
        return row.expires_at
    cap = row.created_at + timedelta(days=max_days)
    return cap if row.expires_at is None or row.expires_at > cap else row.expires_at


def _info(row: AccessToken, max_days: int | None) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        name=row.name,
        scope=row.scope,
        prefix=row.prefix,
        created_at=row.created_at,
        expires_at=_effective_expiry(row, max_days),
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _actor(user: User, surface: str, ip: str | None) -> audit.Actor:
    return audit.Actor(user_id=user.id, email=user.email, ip=ip, surface=surface)


def _active_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFoundError("No such account.")
    return user


def _check_name(name: Any) -> str:
    require_text(name, "The token's name")
    text = " ".join(str(name or "").split())
    if not text:
        raise InvalidInputError("Give the token a name, like 'laptop MCP client' or 'backup script'.")
    if len(text) > MAX_NAME:
        raise InvalidInputError(f"Use at most {MAX_NAME} characters for the token's name.")
    return text


def _check_scope(session: Session, user: User, scope: Any) -> TokenScope:
    value = str(scope or "").strip().lower()
    if value not in SCOPES:
        raise InvalidInputError("The scope must be read, write or admin.")
    if value == TokenScope.admin and not admin_guard.is_admin(session, user_id=user.id):
        raise ForbiddenError("Only an admin can make a token with the admin scope.")
    return TokenScope(value)


def _check_days(expires_days: Any, max_days: int | None) -> int | None:
    never = isinstance(expires_days, str) and expires_days.strip().lower() in ("", "never")
    if expires_days is None or never:
        if max_days is not None:
            raise InvalidInputError(
                f"This server's tokens must expire within {max_days} days: choose how long this one lasts."
            )
        return None
    try:
        days = int(str(expires_days).strip())
    except ValueError:
        raise InvalidInputError("The expiry must be a whole number of days (or never).") from None
    if days < 1 or days > MAX_DAYS:
        raise InvalidInputError(f"The expiry must be between 1 and {MAX_DAYS} days.")
    if max_days is not None and days > max_days:
        raise InvalidInputError(
            f"This server's tokens last at most {max_days} days: choose {max_days} or fewer."
        )
    return days


def _live(user_id: uuid.UUID, now: datetime) -> Any:
    return select(AccessToken).where(
        AccessToken.user_id == user_id,
        col(AccessToken.revoked_at).is_(None),
        sa.or_(col(AccessToken.expires_at).is_(None), col(AccessToken.expires_at) > now),
    )


def create(
    session: Session,
    *,
    user_id: uuid.UUID,
    name: str,
    scope: str,
    expires_days: int | str | None,
    surface: str = "web",
    ip: str | None = None,
) -> tuple[TokenInfo, str]:
    """Make a token for ``user_id``; returns what lists show of it and the secret (shown once only).

    ``expires_days`` None (or "never") makes a token that does not expire, which a server with a
    longest lifetime refuses. Names are unique among a person's live tokens.
    """
    user = _active_user(session, user_id)
    clean_name = _check_name(name)
    clean_scope = _check_scope(session, user, scope)
    max_days = instance.get(session).token_max_days
    days = _check_days(expires_days, max_days)
    now = utcnow()
    live = session.exec(_live(user.id, now)).all()
    if any(row.name.lower() == clean_name.lower() for row in live):
        raise ConflictError(f"You already have a token named '{clean_name}': choose another name.")
    if len(live) >= MAX_ACTIVE:
        raise ConflictError(f"You have {MAX_ACTIVE} tokens already: revoke one you no longer use first.")
    secret = PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    row = AccessToken(
        user_id=user.id,
        name=clean_name,
        scope=clean_scope.value,
        token_hash=hash_secret(secret),
        prefix=secret[:SHOWN_CHARS],
        created_at=now,
        expires_at=now + timedelta(days=days) if days is not None else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=_actor(user, surface, ip),
        action="token.create",
        target_type="access_token",
        target_id=row.id,
        target_label=clean_name,
        details={
            "name": clean_name,
            "scope": row.scope,
            "expires": _iso(row.expires_at),
            "expires_days": days,
        },
    )
    return _info(row, max_days), secret


def list_tokens(session: Session, *, user_id: uuid.UUID, include_revoked: bool = False) -> list[TokenInfo]:
    """The person's tokens, newest first (live ones only unless ``include_revoked``; expired ones
    are listed, marked so, until revoked)."""
    stmt = select(AccessToken).where(AccessToken.user_id == user_id)
    if not include_revoked:
        stmt = stmt.where(col(AccessToken.revoked_at).is_(None))
    rows = session.exec(stmt.order_by(col(AccessToken.created_at).desc(), col(AccessToken.id))).all()
    max_days = instance.get(session).token_max_days
    return [_info(row, max_days) for row in rows]


def _own(session: Session, user_id: uuid.UUID, token_id: Any) -> AccessToken:
    try:
        wanted = token_id if isinstance(token_id, uuid.UUID) else uuid.UUID(str(token_id).strip())
    except (ValueError, AttributeError, TypeError):
        raise NotFoundError(NOT_FOUND) from None
    row = session.get(AccessToken, wanted)
    if row is None or row.user_id != user_id:
        raise NotFoundError(NOT_FOUND)
    return row


def get_token(session: Session, *, user_id: uuid.UUID, token_id: uuid.UUID | str) -> TokenInfo:
    """One of the person's tokens; someone else's is :class:`NotFoundError`, like a missing one."""
    return _info(_own(session, user_id, token_id), instance.get(session).token_max_days)


def revoke(
    session: Session,
    *,
    user_id: uuid.UUID,
    token_id: uuid.UUID | str,
    surface: str = "web",
    ip: str | None = None,
) -> TokenInfo:
    """Revoke one of the person's tokens (it stops working at once, on every instance).

    Revoking a revoked token changes nothing; someone else's token is answered like a missing one.
    """
    row = _own(session, user_id, token_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.flush()
        user = session.get(User, user_id)
        assert user is not None
        audit.record(
            session,
            actor=_actor(user, surface, ip),
            action="token.revoke",
            target_type="access_token",
            target_id=row.id,
            target_label=row.name,
            details={"name": row.name, "scope": row.scope, "expires": _iso(row.expires_at)},
        )
    return _info(row, instance.get(session).token_max_days)


def revoke_by_name(
    session: Session, *, user_id: uuid.UUID, name: str, surface: str = "web", ip: str | None = None
) -> TokenInfo:
    """Revoke the person's live token with this name (the CLI's ``token revoke --name``)."""
    wanted = _check_name(name).lower()
    rows = session.exec(
        select(AccessToken).where(AccessToken.user_id == user_id, col(AccessToken.revoked_at).is_(None))
    ).all()
    found = [row for row in rows if row.name.lower() == wanted]
    if not found:
        raise NotFoundError(NOT_FOUND)
    return revoke(session, user_id=user_id, token_id=found[0].id, surface=surface, ip=ip)


def revoke_all(session: Session, *, user_id: uuid.UUID) -> int:
    """Revoke every live token of a person (an admin disabling the account); returns how many.

    The caller records the audit event of what it does (one event, not one per token).
    """
    result: Any = session.execute(
        sa.update(AccessToken)
        .where(col(AccessToken.user_id) == user_id, col(AccessToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount or 0)


def resolve(session: Session, *, secret: str) -> Grant:
    """Who a bearer access token acts for, and within which scope; :class:`AuthError` when it is
    unknown, revoked, expired (or older than the server allows) or its account is disabled."""
    if not looks_like_token(secret) or len(secret) > 200:
        raise AuthError(INVALID)
    digest = hash_secret(secret)
    # The token and its user in one query (a request's first and most frequent one).
    found = session.exec(_token_and_user(), params={"digest": digest}).first()
    if found is None:
        raise AuthError(INVALID)
    row, joined = found
    user: User | None = joined  # None: an outer join with no account (deleted meanwhile)
    if row.revoked_at is not None:
        raise AuthError("This access token was revoked. Make a new one in Settings.")
    now = utcnow()
    expiry = _effective_expiry(row, instance.get(session).token_max_days)
    if expiry is not None and expiry <= now:
        raise AuthError("This access token has expired. Make a new one in Settings.")
    if user is None or not user.is_active:
        raise AuthError(INVALID)
    presence.seen(session, row, user, now)
    return Grant(user=user, scope=TokenScope(row.scope), token_id=row.id)


@cache
def _token_and_user() -> Select[AccessToken, User]:
    """An access token and its user, by the secret's hash (built once: building the statement cost
    about as much as running it, issue 19)."""
    return (
        select(AccessToken, User)
        .outerjoin(User, col(User.id) == col(AccessToken.user_id))
        .where(col(AccessToken.token_hash) == sa.bindparam("digest"))
    )


def check_read_only(grant: Grant | None, *, writes: bool) -> None:
    """Refuse a change made with a read-only token (``writes``: whether the request changes anything).

    The one rule the API dependency and the MCP server both apply; a browser session (no grant) and
    a ``write`` or ``admin`` token pass.
    """
    if grant is not None and grant.read_only and writes:
        raise ForbiddenError(READ_ONLY)
