"""State of the settings section "Sessions" (issue 18): where this account is signed in, and
signing a session (or every other one) out."""

from __future__ import annotations

import uuid
from datetime import datetime

import reflex as rx

from app.core.db import session_scope
from app.models import User
from app.services import sessions as session_service
from app.services.errors import ServiceError
from app.states.actor import tab_ip
from app.states.auth import AuthState
from app.states.workers import run_db
from app.views.notifications import when_words


def _list(user_id: uuid.UUID, token: str) -> list[dict[str, str | bool]]:
    """The sessions, their times in words on the person's own clock ("just now", "Today 09:12")."""
    with session_scope() as session:
        found = session_service.list_sessions(session, user_id=user_id, current_token=token)
        person = session.get(User, user_id)
        zone_name = person.time_zone if person else None

    def _when(moment: datetime | None) -> str:
        return when_words(moment, zone_name) if moment else "—"

    return [
        {
            "id": str(s.id),
            "device": s.device,
            "ip": s.ip or "unknown address",
            "signed_in": _when(s.signed_in_at),
            "last_seen": _when(s.last_seen_at),
            "current": s.current,
        }
        for s in found
    ]


def _sign_out(user_id: uuid.UUID, session_id: str, ip: str) -> None:
    with session_scope() as session:
        session_service.sign_out_session(session, user_id=user_id, session_id=session_id, ip=ip)


def _sign_out_others(user_id: uuid.UUID, token: str, ip: str) -> int:
    with session_scope() as session:
        return session_service.sign_out_everywhere_else(session, user_id=user_id, current_token=token, ip=ip)


class SessionsState(rx.State):
    sessions: list[dict[str, str | bool]] = []
    error: str = ""
    status: str = ""

    async def _context(self) -> tuple[uuid.UUID | None, str, str]:
        auth = await self.get_state(AuthState)
        return await auth.acting_user_id(), auth.token, tab_ip(self)

    @rx.event
    async def load(self):
        self.error = self.status = ""
        user_id, token, _ip = await self._context()
        if user_id is None:
            return
        try:
            self.sessions = await run_db(_list, user_id, token)
        except ServiceError as exc:
            self.error = exc.message

    @rx.event
    async def sign_out_session(self, session_id: str):
        self.error = self.status = ""
        user_id, token, ip = await self._context()
        if user_id is None:
            return
        try:
            await run_db(_sign_out, user_id, str(session_id)[:64], ip)
            self.status = "That session is signed out."
        except ServiceError as exc:
            self.error = exc.message
        self.sessions = await run_db(_list, user_id, token)

    @rx.event
    async def sign_out_others(self):
        self.error = self.status = ""
        user_id, token, ip = await self._context()
        if user_id is None:
            return
        count = await run_db(_sign_out_others, user_id, token, ip)
        self.status = (
            "No other sessions to sign out."
            if not count
            else (f"Signed out {count} other session{'s' if count != 1 else ''}.")
        )
        self.sessions = await run_db(_list, user_id, token)
