"""The audit log as admins read it (issue 18): filters, pages, CSV export and the chain check.

Every function asks :func:`app.services.admin_guard.require_admin` first, so anyone else gets the
404 a missing thing gets, on the page, its events and the API alike. Filters come in as text (a
page form, a query string) and are checked here once: a bad date or email is a clear
:class:`InvalidInputError`, never an empty page that looks like "nothing happened". Dates are days
in the admin's own time zone (``until`` includes its whole day); times are shown in it too.

Exporting the log is itself an event (``audit.export``), recorded before the file is read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from app.models import AuditEvent
from app.models.user import EMAIL_RE
from app.services import audit
from app.services.admin_guard import require_admin
from app.services.clock import zone
from app.services.errors import InvalidInputError

PAGE_SIZE = 50
OUTCOMES = ("ok", "failed", "denied")
"""The outcomes the filter offers; any other recorded outcome can still be typed into the API."""

ACTION_WORDS = {
    "auth.sign_in": "Signed in",
    "auth.sign_out": "Signed out",
    "auth.sign_up": "Signed up",
    "account.export": "Exported their data",
    "account.delete": "Deleted their account",
    "account.delete_chats": "Deleted all their chats",
    "account.password_change": "Changed their password",
    "audit.export": "Exported the audit log",
    "audit.prune": "Pruned old audit events",
    "calendar_feed.create": "Turned on the calendar feed",
    "calendar_feed.regenerate": "Made a new calendar feed address",
    "calendar_feed.revoke": "Turned off the calendar feed",
    "import": "Imported tasks",
    "project.share": "Shared a project",
    "project.invite": "Invited someone to a project",
    "project.invite_cancel": "Withdrew a project invitation",
    "project.role_change": "Changed a member's role",
    "project.transfer": "Handed a project to a new owner",
    "project.unshare": "Removed a project member",
    "project.leave": "Left a project",
    "project.join": "Joined a project by invitation",
}
"""Actions in words; others (new ones) read as their dotted name, made readable by :func:`action_words`."""


def action_words(action: str) -> str:
    """``token.create`` -> "Token create" when no words are known for it."""
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    text = action.replace(".", " ").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class AuditFilters:
    """The filters as typed (the page's form, the API's query); :func:`parse_filters` checks them."""

    action: str = ""
    email: str = ""
    outcome: str = ""
    since: str = ""
    until: str = ""

    def as_params(self) -> dict[str, str]:
        """The non-empty filters, as query parameters of the API (the page's "Export CSV" link)."""
        return {k: v for k, v in vars(self).items() if v}


def _day(text: str, what: str) -> date | None:
    value = (text or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10]) if len(value) >= 10 else date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(f"{what}: enter a date like 2026-12-31.") from None


def parse_filters(
    filters: AuditFilters, *, time_zone: str = "UTC", before: int | None = None, limit: int = PAGE_SIZE
) -> audit.AuditQuery:
    """The query for ``filters``; dates are whole days in ``time_zone``. Refuses what can't be meant."""
    action = filters.action.strip()[:64]
    email = filters.email.strip().lower()[:320]
    if email and not EMAIL_RE.match(email):
        raise InvalidInputError("Person: enter a whole email address, like ann@example.com.")
    outcome = filters.outcome.strip()[:16]
    tz = zone(time_zone)
    start, end = _day(filters.since, "From"), _day(filters.until, "To")
    if start and end and end < start:
        raise InvalidInputError("The “To” date is before the “From” date.")
    if before is not None and before < 1:
        raise InvalidInputError("before: not a cursor from this list (pass back next_before).")
    if not 1 <= limit <= 500:
        raise InvalidInputError("limit: between 1 and 500.")
    return audit.AuditQuery(
        action=action or None,
        actor_email=email or None,
        outcome=outcome or None,
        since=datetime.combine(start, time.min, tz) if start else None,
        until=datetime.combine(end + timedelta(days=1), time.min, tz) if end else None,
        before_id=before,
        limit=limit,
    )


@dataclass
class AuditPage:
    """One page of events, newest first, and the cursor of the next (older) one."""

    events: list[AuditEvent]
    next_before: int | None
    actions: list[str] = field(default_factory=list)


def page(
    session: Session, *, user_id: uuid.UUID | None, filters: AuditFilters, before: int | None = None,
    limit: int = PAGE_SIZE,
) -> AuditPage:  # fmt: skip
    """One page of the log for the admin ``user_id`` (a 404 for anyone else)."""
    admin = require_admin(session, user_id=user_id)
    query = parse_filters(filters, time_zone=admin.time_zone, before=before, limit=limit + 1)
    rows = audit.list_events(session, query)
    more = len(rows) > limit
    rows = rows[:limit]
    next_before = int(rows[-1].id or 0) if more and rows else None
    return AuditPage(events=rows, next_before=next_before, actions=audit.actions_seen(session))


def export(
    session: Session, *, user_id: uuid.UUID | None, filters: AuditFilters, actor: audit.Actor | None = None
) -> audit.AuditQuery:
    """Check the admin, validate the filters and record ``audit.export``; the query to stream.

    The caller streams :func:`app.services.audit.export_csv` of it (in a transaction of its own,
    after this one commits), so the export is on record even if the download is cut short.
    """
    admin = require_admin(session, user_id=user_id)
    query = parse_filters(filters, time_zone=admin.time_zone)
    audit.record(
        session,
        actor=audit.actor_for(session, user_id=admin.id, actor=actor),
        action="audit.export",
        target_type="audit_log",
        details={"filters": filters.as_params(), "format": "csv"},
    )
    return query


def verify(session: Session, *, user_id: uuid.UUID | None) -> audit.Verification:
    """Walk the whole chain (reads every row: on demand only)."""
    require_admin(session, user_id=user_id)
    return audit.verify(session)


def _summary(details: dict[str, Any]) -> str:
    parts = []
    for key, value in details.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "none"
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return " · ".join(parts)


def rows(events: list[AuditEvent], *, time_zone: str) -> list[dict[str, str]]:
    """Events as the page's table rows: plain strings, the time in the admin's zone."""
    tz = zone(time_zone)
    out = []
    for e in events:
        target = e.target_label or (f"{e.target_type} {e.target_id}" if e.target_id else e.target_type or "")
        if not e.target_label and e.target_type == "user" and e.actor_id and e.target_id == str(e.actor_id):
            target = "their own account"
        out.append(
            {
                "id": str(e.id),
                "at": e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                "person": e.actor_email or ("unknown" if e.actor_id else "anonymous"),
                "action": action_words(e.action),
                "code": e.action,
                "target": target,
                "ip": e.ip or "",
                "surface": e.surface,
                "outcome": e.outcome,
                "details": _summary(e.details or {}),
            }
        )
    return out
