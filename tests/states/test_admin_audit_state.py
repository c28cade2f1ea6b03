"""The audit log page's state on a real database (no browser): an admin pages, filters, verifies and
exports; anyone else gets the missing page from every event and nothing of the log."""

from __future__ import annotations

import uuid

import reflex as rx
from sqlmodel import Session

from app.models import User
from app.services import audit
from app.states.admin_audit import AdminAuditState
from tests.states.tab import in_tab, sign_up


async def _events(handler) -> list:
    out = []
    async for item in handler:
        out += [i for i in (item if isinstance(item, list) else [item]) if i is not None]
    return out


def seed(engine, n: int, action: str = "test.thing") -> None:
    with Session(engine) as s:
        for i in range(n):
            actor = audit.Actor(user_id=uuid.uuid4(), email=f"p{i}@example.com", ip="10.0.0.1")
            audit.record(s, actor=actor, action=action)
        s.commit()


def make_admin(engine, user_id: uuid.UUID) -> None:
    with Session(engine) as s:
        user = s.get(User, user_id)
        user.is_admin = True
        s.add(user)
        s.commit()


def test_admin_audit_state_pages_filters_verifies_and_exports(app_db):
    token, user_id = sign_up(app_db)
    make_admin(app_db, user_id)
    seed(app_db, 55)
    seed(app_db, 2, action="test.other")

    async def work(root: rx.State) -> None:
        state = await root.get_state(AdminAuditState)
        await state.on_load()
        assert state.status == "ok"
        assert len(state.rows) == 50
        assert state.rows[0].action == "Test other"  # no words known: the name made readable
        assert "test.thing" in state.actions
        first = [r.id for r in state.rows]
        await state.older()
        assert len(state.rows) == 7
        assert state.next_before == 0
        assert {r.id for r in state.rows}.isdisjoint(first)
        await state.newer()
        assert [r.id for r in state.rows] == first

        state.set_action("test.other")
        await state.apply_filters({"email": "", "since": "", "until": ""})
        assert [r.code for r in state.rows] == ["test.other"] * 2
        await state.apply_filters({"email": "nobody", "since": "", "until": ""})
        assert "whole email address" in state.error

        await _events(state.verify_chain())
        assert (state.chain_ok, state.chain) == (True, "Chain verified: 57 events intact.")

        await state.clear_filters()
        assert (state.action, state.error, len(state.rows)) == ("any", "", 50)
        out = await _events(state.export_csv())
        assert len(out) == 1  # the download
        assert state.rows[0].code == "audit.export"  # the export is shown, on record

    in_tab(token, work)


def test_admin_audit_state_is_the_missing_page_for_anyone_else(app_db):
    token, _ = sign_up(app_db)
    seed(app_db, 3)

    async def work(root: rx.State) -> None:
        state = await root.get_state(AdminAuditState)
        await state.on_load()
        assert (state.status, state.rows, state.actions) == ("missing", [], [])
        await _events(state.verify_chain())
        assert (state.status, state.chain) == ("missing", "")
        assert await _events(state.export_csv()) == []
        await state.older()
        assert state.rows == []

    in_tab(token, work)
    in_tab("", work)  # signed out too
    with Session(app_db) as s:
        assert audit.list_events(s, audit.AuditQuery(action="audit.export")) == []
