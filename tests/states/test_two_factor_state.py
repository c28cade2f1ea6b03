"""The two-factor and sessions settings states, and the require-2FA guard, on a real database."""

from __future__ import annotations

import time

import pyotp
import reflex as rx
from sqlmodel import Session

from app import routes
from app.services import instance
from app.states.auth import AuthState
from app.states.sessions import SessionsState
from app.states.two_factor import TwoFactorState
from tests.states.tab import in_tab, redirect_path, sign_up


async def _events(handler) -> list:
    out = []
    async for item in handler:
        out += item if isinstance(item, list) else [item]
    return out


def test_enrol_from_the_settings_state(app_db):
    token, _ = sign_up(app_db)

    async def work(root: rx.State) -> None:
        state = await root.get_state(TwoFactorState)
        await state.load()
        assert state.loaded
        assert not state.enabled
        await state.start()
        assert state.enrolling
        assert state.qr.startswith("data:image/svg+xml")
        secret = state.secret.replace(" ", "")
        assert all(len(group) == 4 for group in state.secret.split()[:-1])
        await _events(state.confirm({"code": "12"}))
        assert "not right" in state.error
        assert not state.enabled
        await _events(state.confirm({"code": pyotp.TOTP(secret).at(time.time() - 30)}))
        assert state.enabled
        assert len(state.codes) == 10
        state.saved_codes()
        assert state.codes == []
        await _events(state.turn_off({"password": "wrong-password"}))  # quick_user has no real hash
        assert "not right" in state.dialog_error
        assert state.enabled

    in_tab(token, work)


def test_required_two_factor_sends_every_page_to_settings(app_db):
    token, user_id = sign_up(app_db)
    with Session(app_db) as s:
        instance.update(s, admin_id=user_id, changes={"require_2fa": True})
        s.commit()

    async def work(root: rx.State) -> None:
        auth = await root.get_state(AuthState)
        spec = await auth.require_auth()
        assert auth.two_factor_setup
        assert redirect_path(spec) == routes.TWO_FACTOR_SETUP
        state = await root.get_state(TwoFactorState)
        await state.load()
        assert state.required

    try:
        in_tab(token, work)
    finally:
        instance.clear_cache()


def test_sessions_state_lists_and_refuses_missing(app_db):
    token, _ = sign_up(app_db)

    async def work(root: rx.State) -> None:
        state = await root.get_state(SessionsState)
        await state.load()
        assert len(state.sessions) == 1
        assert state.sessions[0]["current"] is True
        await state.sign_out_session("00000000-0000-0000-0000-000000000001")
        assert "Session not found" in state.error
        await state.sign_out_others()
        assert state.status == "No other sessions to sign out."

    in_tab(token, work)
