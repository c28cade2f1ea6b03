"""The audit log (issue 18): who did what to accounts and access, when, from where; never content.

Every sign-in (success and failure), token and two-factor change, admin action, sharing change,
export and account deletion is one :class:`~app.models.AuditEvent`, written in the same transaction
as the change it records (a change that rolls back leaves no row). :func:`record` is the one way in.

Tamper-evident: each row's ``hash`` is SHA-256 over the previous row's hash and this row's fields
(:func:`row_hash`), so changing, inserting or deleting a row breaks the chain from there on;
:func:`verify` walks it (``python -m app.cli audit verify``). Writers are serialised while they
link a row (an advisory lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so the chain never
forks. Retention (:func:`prune`) deletes from the start of the chain; the oldest kept row's
``prev_hash`` is then the anchor the rest still verifies against.

``details`` carries only metadata (a token's name and scope, a setting's new value, a count);
callers never put task titles, message text or passwords in it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.core.db import begin_write
from app.models import AuditEvent, User
from app.models.base import utcnow

GENESIS = "0" * 64
"""The ``prev_hash`` of the first row ever written."""
PG_LOCK_KEY = 0x7469636B  # "tick": the advisory lock that serialises chain writers on PostgreSQL

SURFACES = ("web", "api", "mcp", "cli", "sso", "system")


@dataclass(frozen=True)
class Actor:
    """Who acted and from where: the person (None: an anonymous attempt), their IP and surface."""

    user_id: uuid.UUID | None = None
    email: str | None = None
    ip: str | None = None
    surface: str = "web"

    @classmethod
    def system(cls) -> Actor:
        return cls(surface="system")


SOURCE_SURFACES = {"api": "api", "mcp": "mcp", "cli": "cli"}
"""An :class:`~app.services.operations.Origin` source's surface; every other source is the web app."""


def surface_of(source: str | None) -> str:
    """The surface a change came from, given its origin's ``source`` (``page``, ``chat``, ``api``...)."""
    return SOURCE_SURFACES.get(source or "", "web")


def actor_for(
    session: Session, *, user_id: uuid.UUID, actor: Actor | None = None, surface: str = "web"
) -> Actor:
    """The person ``user_id`` acting, as ``actor`` says where from (IP, surface) when the caller knows,
    else on ``surface``; with their email, read in the caller's transaction (before any deletion)."""
    base = actor or Actor(surface=surface)
    who = base.user_id or user_id
    if base.email is None or base.user_id is None:
        user = session.get(User, who)
        base = replace(base, user_id=who, email=base.email or (user.email if user else None))
    return base


def row_hash(prev_hash: str, event: AuditEvent) -> str:
    """SHA-256 over the previous hash and every field of ``event`` but its id and hash."""
    fields = {
        "at": event.at.isoformat(timespec="microseconds"),
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "actor_email": event.actor_email,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "ip": event.ip,
        "surface": event.surface,
        "outcome": event.outcome,
        "details": event.details or {},
    }
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _lock_chain(session: Session) -> None:
    if session.connection().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
    else:
        begin_write(session)


def _last_hash(session: Session) -> str:
    last = session.exec(select(AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1)).first()
    return last or GENESIS


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    target_type: str | None = None,
    target_id: str | uuid.UUID | None = None,
    target_label: str | None = None,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction.

    ``action`` is a dotted name (``auth.sign_in``, ``token.create``, ``admin.user.disable``);
    ``outcome`` is ``ok`` or why it failed (``denied``, ``bad_password``...).
    """
    _lock_chain(session)
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.user_id,
        actor_email=(actor.email or None) and actor.email[:320],
        action=action[:64],
        target_type=target_type,
        target_id=str(target_id)[:64] if target_id is not None else None,
        target_label=target_label[:320] if target_label else None,
        ip=(actor.ip or None) and str(actor.ip)[:64],
        surface=actor.surface if actor.surface in SURFACES else "web",
        outcome=outcome[:16],
        details=details or {},
        prev_hash="",
        hash="",
    )
    event.prev_hash = _last_hash(session)
    event.hash = row_hash(event.prev_hash, event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` found: rows checked, and the first broken row (None: intact)."""

    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(session: Session, *, batch: int = 1000) -> Verification:
    """Walk the whole chain in id order; report the first row whose link or hash does not hold."""
    checked = 0
    prev: str | None = None
    after = 0
    while True:
        rows = session.exec(
            select(AuditEvent).where(col(AuditEvent.id) > after).order_by(col(AuditEvent.id)).limit(batch)
        ).all()
        if not rows:
            return Verification(checked)
        for row in rows:
            assert row.id is not None
            if prev is not None and row.prev_hash != prev:
                return Verification(checked, row.id, "its link to the row before does not match")
            if row_hash(row.prev_hash, row) != row.hash:
                return Verification(checked, row.id, "its contents do not match its hash")
            prev, after, checked = row.hash, row.id, checked + 1


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the admin view (all optional) and its page."""

    action: str | None = None
    """An exact action, or a prefix ending in a dot (``token.``)."""
    actor_id: uuid.UUID | None = None
    actor_email: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    outcome: str | None = None
    before_id: int | None = None
    """Paging: events older than this id (newest first)."""
    limit: int = 50


def _filtered(query: AuditQuery) -> Any:
    stmt = select(AuditEvent)
    if query.action:
        if query.action.endswith("."):
            stmt = stmt.where(col(AuditEvent.action).startswith(query.action))
        else:
            stmt = stmt.where(AuditEvent.action == query.action)
    if query.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == query.actor_id)
    if query.actor_email:
        stmt = stmt.where(AuditEvent.actor_email == query.actor_email.strip().lower())
    if query.since is not None:
        stmt = stmt.where(col(AuditEvent.at) >= query.since)
    if query.until is not None:
        stmt = stmt.where(col(AuditEvent.at) < query.until)
    if query.outcome:
        stmt = stmt.where(AuditEvent.outcome == query.outcome)
    return stmt


def list_events(session: Session, query: AuditQuery) -> list[AuditEvent]:
    """One page of events, newest first. Callers check that the reader is an admin."""
    stmt = _filtered(query)
    if query.before_id is not None:
        stmt = stmt.where(col(AuditEvent.id) < query.before_id)
    limit = max(1, min(query.limit, 500))
    return list(session.exec(stmt.order_by(col(AuditEvent.id).desc()).limit(limit)).all())


CSV_COLUMNS = (
    "id", "at", "actor_id", "actor_email", "action", "target_type", "target_id", "target_label",
    "ip", "surface", "outcome", "details", "prev_hash", "hash",
)  # fmt: skip


def _csv_safe(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # no spreadsheet formulas


def export_csv(session: Session, query: AuditQuery, *, batch: int = 1000) -> Iterator[str]:
    """The filtered events as CSV (oldest first, with their hashes), yielded in chunks."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    after = 0
    while True:
        rows = session.exec(
            _filtered(query).where(col(AuditEvent.id) > after).order_by(col(AuditEvent.id)).limit(batch)
        ).all()
        for row in rows:
            values = row.model_dump()
            values["at"] = row.at.isoformat()
            values["details"] = json.dumps(row.details or {}, sort_keys=True)
            writer.writerow([_csv_safe(values.get(c)) for c in CSV_COLUMNS])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
        if len(rows) < batch:
            return
        after = int(rows[-1].id or 0)


def prune(session: Session, *, older_than_days: int, now: datetime | None = None) -> int:
    """Delete events older than the retention (from the start of the chain); returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    result: Any = session.execute(sa.delete(AuditEvent).where(col(AuditEvent.at) < cutoff))
    return int(result.rowcount or 0)


def actions_seen(session: Session) -> list[str]:
    """The distinct actions in the log (the admin view's filter choices)."""
    return sorted(session.exec(select(AuditEvent.action).distinct()).all())


def summarise(events: Iterable[AuditEvent]) -> list[dict[str, Any]]:
    """Events as plain dicts (API and page)."""
    return [
        {
            "id": e.id,
            "at": e.at.isoformat(),
            "actor_id": str(e.actor_id) if e.actor_id else None,
            "actor_email": e.actor_email,
            "action": e.action,
            "target_type": e.target_type,
            "target_id": e.target_id,
            "target_label": e.target_label,
            "ip": e.ip,
            "surface": e.surface,
            "outcome": e.outcome,
            "details": e.details or {},
        }
        for e in events
    ]
