"""The admin audit log page (issue 18): filters, pages of 50, CSV export and the chain check.

Every event asks the service layer (:mod:`app.services.audit_view`), which answers anyone but an
active admin with the 404 of a missing thing; the page then shows the missing page, nothing else.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import reflex as rx

from app.core.db import session_scope
from app.models import User
from app.services import audit, audit_view
from app.services.errors import NotFoundError, ServiceError
from app.states.actor import web_actor
from app.states.auth import AuthState, current_user_id
from app.states.workers import run_db

ANY = "any"
"""The select's value for "no filter" (a Radix select item cannot have an empty value)."""
OUTCOME_CHOICES = [ANY, *audit_view.OUTCOMES]


@dataclasses.dataclass
class AuditRow:
    id: str = ""
    at: str = ""
    person: str = ""
    action: str = ""
    code: str = ""
    target: str = ""
    ip: str = ""
    surface: str = ""
    outcome: str = ""
    details: str = ""


def _page(
    user_id: uuid.UUID, filters: audit_view.AuditFilters, before: int | None
) -> tuple[list[dict[str, str]], int | None, list[str]]:
    with session_scope() as session:
        found = audit_view.page(session, user_id=user_id, filters=filters, before=before)
        admin = session.get(User, user_id)
        zone_name = admin.time_zone if admin else "UTC"
        return audit_view.rows(found.events, time_zone=zone_name), found.next_before, found.actions


def _verify(user_id: uuid.UUID) -> audit.Verification:
    with session_scope() as session:
        return audit_view.verify(session, user_id=user_id)


def _export(user_id: uuid.UUID, filters: audit_view.AuditFilters, actor: audit.Actor) -> str:
    with session_scope() as session:
        query = audit_view.export(session, user_id=user_id, filters=filters, actor=actor)
    with session_scope() as session:
        return "".join(audit.export_csv(session, query))


class AdminAuditState(rx.State):
    """One admin's view of the log: the filters as typed, the page shown, the chain's status."""

    status: str = "loading"
    """``loading``, ``ok`` (an admin) or ``missing`` (anyone else: the page is not found)."""
    rows: list[AuditRow] = []
    actions: list[str] = []
    action: str = ANY
    email: str = ""
    outcome: str = ANY
    since: str = ""
    until: str = ""
    error: str = ""
    starts: list[int] = []
    """The ``before`` of each page shown before this one (Newer pops it; 0 is the newest page)."""
    before: int = 0
    next_before: int = 0
    chain: str = ""
    chain_ok: bool = True
    verifying: bool = False
    exporting: bool = False

    def _filters(self) -> audit_view.AuditFilters:
        return audit_view.AuditFilters(
            action="" if self.action == ANY else self.action,
            email=self.email,
            outcome="" if self.outcome == ANY else self.outcome,
            since=self.since,
            until=self.until,
        )

    async def _admin_id(self) -> uuid.UUID | None:
        user_id = await current_user_id(self)
        if user_id is None:
            self.status = "missing"
        return user_id

    async def _load(self) -> None:
        user_id = await self._admin_id()
        if user_id is None:
            return
        try:
            rows, next_before, actions = await run_db(_page, user_id, self._filters(), self.before or None)
        except NotFoundError:
            self.status, self.rows = "missing", []
            return
        except ServiceError as exc:
            self.error = exc.message
            return
        self.error = ""
        self.rows = [AuditRow(**r) for r in rows]
        self.next_before = next_before or 0
        self.actions = [ANY, *actions]
        if self.status != "ok":
            self.status = "ok"
            auth = await self.get_state(AuthState)
            auth.signed_in = True

    @rx.event
    async def on_load(self):
        self.status, self.rows, self.starts, self.before, self.chain, self.error = (
            "loading",
            [],
            [],
            0,
            "",
            "",
        )
        await self._load()

    @rx.event
    def set_action(self, value: str):
        self.action = value[:64] or ANY

    @rx.event
    def set_outcome(self, value: str):
        self.outcome = value if value in OUTCOME_CHOICES else ANY

    @rx.event
    async def apply_filters(self, form: dict):
        self.email = str(form.get("email", ""))[:320]
        self.since = str(form.get("since", ""))[:10]
        self.until = str(form.get("until", ""))[:10]
        self.starts, self.before = [], 0
        await self._load()

    @rx.event
    async def clear_filters(self):
        self.action, self.email, self.outcome, self.since, self.until = ANY, "", ANY, "", ""
        self.starts, self.before = [], 0
        await self._load()
        return [rx.set_value(f, "") for f in ("audit-email", "audit-since", "audit-until")]

    @rx.event
    async def older(self):
        if not self.next_before:
            return
        self.starts = [*self.starts, self.before]
        self.before = self.next_before
        await self._load()

    @rx.event
    async def newer(self):
        if not self.starts:
            return
        self.before = self.starts[-1]
        self.starts = self.starts[:-1]
        await self._load()

    @rx.event
    async def verify_chain(self):
        user_id = await self._admin_id()
        if user_id is None:
            return
        self.verifying, self.chain = True, ""
        yield
        try:
            found = await run_db(_verify, user_id)
        except NotFoundError:
            self.status = "missing"
            return
        finally:
            self.verifying = False
        self.chain_ok = found.ok
        self.chain = (
            f"Chain verified: {found.checked:,} events intact."
            if found.ok
            else f"Chain broken at event #{found.broken_at}: {found.reason}."
        )

    @rx.event
    async def export_csv(self):
        user_id = await self._admin_id()
        if user_id is None:
            return
        self.exporting = True
        yield
        try:
            text = await run_db(_export, user_id, self._filters(), web_actor(self, user_id))
        except NotFoundError:
            self.status = "missing"
            return
        except ServiceError as exc:
            self.error = exc.message
            return
        finally:
            self.exporting = False
        stamp = datetime.now(UTC).strftime("%Y-%m-%d")
        yield rx.download(data=text, filename=f"ticked-audit-{stamp}.csv", mime_type="text/csv")
        await self._load()  # the export is itself an event: show it
