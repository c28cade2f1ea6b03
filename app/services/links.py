"""Signed action links: "Complete" and "Snooze" from an email, without signing in (issue 17).

A link is an HS256 JWT in the URL (``/api/links/<token>``) holding the person (``uid``), the task,
the action, a ``jti`` and an expiry (a week). It is signed with a key derived from the app's JWT
secret for this purpose only, and carries an audience of its own, so a link is never a sign-in
token and a sign-in token is never a link (``decode_token`` refuses one, and this module the other).

Single use: issuing records the ``jti`` in ``auth_tokens`` (``source="link"``); performing the
action consumes it with one conditional UPDATE (``revoked_at`` set where it was null), in the same
transaction as the change, so of two clicks (or two instances) exactly one acts and the other is
told "This link was already used". The three links of one email share their ``jti``: once one
was used, the others say so too. Changing the password revokes every token of the account, these
included. Reading a link (:func:`read`, :func:`status`) changes nothing: mail scanners fetch links.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt
import sqlalchemy as sa
from sqlmodel import Session, col

from app.core.config import get_settings
from app.models import AuthToken, Task, User
from app.models.base import utcnow
from app.services import tasks
from app.services.clock import zone
from app.services.errors import NotFoundError
from app.services.operations import Origin

Action = Literal["complete", "snooze_hour", "snooze_tomorrow"]
ACTIONS: tuple[Action, ...] = ("complete", "snooze_hour", "snooze_tomorrow")
LABELS: dict[str, str] = {
    "complete": "Complete",
    "snooze_hour": "Snooze 1 hour",
    "snooze_tomorrow": "Snooze until tomorrow",
}
LINK_LIFETIME = timedelta(days=7)
AUDIENCE = "ticked:link"
SOURCE = "link"
LINK = Origin(source=SOURCE)
"""The journal's surface for changes made from a link."""
ALGORITHM = "HS256"
MAX_REMINDERS = 10

EXPIRED = "This link has expired. Open Ticked to change the task."
INVALID = "This link is not valid. Open Ticked to change the task."
USED = "This link was already used."


class LinkError(Exception):
    """The link can't be used; the text says why, for the person who clicked it."""

    def __init__(self, message: str, kind: Literal["expired", "invalid", "used", "gone"]) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class LinkClaims:
    """What a valid link says."""

    user_id: uuid.UUID
    task_id: uuid.UUID
    action: Action
    jti: uuid.UUID
    expires_at: datetime
    local_at: str | None
    """The reminder's wall-clock time (``YYYY-MM-DDTHH:MM``): "tomorrow" snoozes to this time of day."""


def _key() -> bytes:
    secret = get_settings().effective_jwt_secret.encode()
    return hmac.new(secret, b"ticked action links v1", hashlib.sha256).digest()


def _fingerprint(jti: uuid.UUID) -> str:
    return hashlib.sha256(f"link:{jti}".encode()).hexdigest()


def issue(
    session: Session,
    *,
    user_id: uuid.UUID,
    task_id: uuid.UUID,
    local_at: str | None = None,
    now: datetime | None = None,
    actions: tuple[Action, ...] = ACTIONS,
) -> dict[Action, str]:
    """One signed token per action for ``user_id`` on ``task_id``, sharing one single-use ``jti``."""
    now = (now or utcnow()).replace(microsecond=0)
    expires = now + LINK_LIFETIME
    jti = uuid.uuid4()
    session.add(
        AuthToken(
            id=jti,
            user_id=user_id,
            fingerprint=_fingerprint(jti),
            source=SOURCE,
            created_at=now,
            expires_at=expires,
        )
    )
    key = _key()
    out: dict[Action, str] = {}
    for action in actions:
        payload: dict[str, Any] = {
            "uid": str(user_id),
            "tid": str(task_id),
            "act": action,
            "jti": str(jti),
            "aud": AUDIENCE,
            "exp": int(expires.timestamp()),
        }
        if local_at:
            payload["at"] = local_at
        out[action] = jwt.encode(payload, key, algorithm=ALGORITHM)
    return out


def url_for(base_url: str, token: str) -> str:
    """The link's address under the app's public URL."""
    return f"{base_url.rstrip('/')}/api/links/{token}"


def read(token: str, *, now: datetime | None = None) -> LinkClaims:
    """Check the signature and expiry (nothing in the database), or :class:`LinkError`."""
    if not token or len(token) > 2000:
        raise LinkError(INVALID, "invalid")
    try:
        payload = jwt.decode(
            token,
            _key(),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["uid", "tid", "act", "jti", "exp", "aud"], "verify_exp": False},
        )
        claims = LinkClaims(
            user_id=uuid.UUID(payload["uid"]),
            task_id=uuid.UUID(payload["tid"]),
            action=payload["act"],
            jti=uuid.UUID(payload["jti"]),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
            local_at=str(payload["at"]) if payload.get("at") else None,
        )
    except (jwt.InvalidTokenError, ValueError, TypeError, KeyError) as exc:
        raise LinkError(INVALID, "invalid") from exc
    if claims.action not in ACTIONS:
        raise LinkError(INVALID, "invalid")
    if claims.expires_at <= (now or utcnow()):
        raise LinkError(EXPIRED, "expired")
    return claims


def status(session: Session, claims: LinkClaims) -> None:
    """Whether the link may still be used (read only), or :class:`LinkError` saying why not."""
    row = session.get(AuthToken, claims.jti)
    if row is None or row.source != SOURCE or row.user_id != claims.user_id:
        raise LinkError(INVALID, "invalid")
    if row.revoked_at is not None:
        raise LinkError(USED, "used")


def _consume(session: Session, claims: LinkClaims, now: datetime) -> None:
    stmt = (
        sa.update(AuthToken)
        .where(
            col(AuthToken.id) == claims.jti,
            col(AuthToken.source) == SOURCE,
            col(AuthToken.user_id) == claims.user_id,
            col(AuthToken.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    result: Any = session.execute(stmt)
    if int(result.rowcount or 0) != 1:
        status(session, claims)  # says "already used" (or not valid)
        raise LinkError(USED, "used")


def describe(session: Session, claims: LinkClaims) -> Task:
    """The task the link acts on, as its person may see it, or :class:`LinkError` when it is gone."""
    try:
        return tasks.get_task(session, user_id=claims.user_id, task_id=claims.task_id)
    except NotFoundError as exc:
        raise LinkError("This task no longer exists.", "gone") from exc


def _local_now(session: Session, task: Task, now: datetime) -> datetime:
    """Now on the wall clock of the task's reminders: its creator's zone (see app.services.reminders)."""
    owner = session.get(User, task.user_id)
    local = now.astimezone(zone(owner.time_zone if owner else None))
    return local.replace(tzinfo=None, second=0, microsecond=0)


def snooze_time(claims: LinkClaims, local_now: datetime) -> datetime:
    """When a snooze reminds again, on the task's wall clock: in an hour, or tomorrow at the
    reminder's time of day (at this time of day when the link does not say)."""
    if claims.action == "snooze_hour":
        return local_now + timedelta(hours=1)
    clock = datetime.fromisoformat(claims.local_at).time() if claims.local_at else local_now.time()
    return datetime.combine(local_now.date() + timedelta(days=1), clock)


def perform(session: Session, claims: LinkClaims, *, now: datetime | None = None) -> str:
    """Do what the link says, once (consuming it in the caller's transaction); the result as a sentence.

    Raises :class:`LinkError` (used, gone) or the task service's errors (a task the person may
    no longer change); the caller rolls back, so the link stays unused when nothing was done.
    """
    now = now or utcnow()
    _consume(session, claims, now)
    task = describe(session, claims)
    if claims.action == "complete":
        if task.completed:
            return f"“{task.title}” was already completed."
        tasks.complete_task(session, user_id=claims.user_id, task_id=task.id, origin=LINK)
        return f"Completed “{task.title}”."
    if task.completed:
        return f"“{task.title}” is completed: there is nothing to snooze."
    local_now = _local_now(session, task, now)
    when = snooze_time(claims, local_now)
    keep = [
        dict(spec)
        for spec in task.reminders or []
        if "at" not in spec or datetime.fromisoformat(str(spec["at"])) > local_now
    ]
    at = when.strftime("%Y-%m-%dT%H:%M")
    if {"at": at} not in keep:
        keep.append({"at": at})
    while len(keep) > MAX_REMINDERS:  # make room: the soonest other "at" goes first, then any
        drop = next((i for i, s in enumerate(keep) if "at" in s and s["at"] != at), 0)
        keep.pop(drop)
    tasks.update_task(session, user_id=claims.user_id, task_id=task.id, data={"reminders": keep}, origin=LINK)
    return f"Snoozed “{task.title}”: you'll be reminded again {when:%a} {when.day} {when:%b} at {when:%H:%M}."
