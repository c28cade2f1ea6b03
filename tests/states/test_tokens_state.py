"""The settings page's "Access tokens" state on a real database (no browser): the secret is in the
page once, Revoke names a row of the person's own list (never an id from the browser), the choices
follow the server's maximum lifetime and the person's role."""

from __future__ import annotations

import pytest
import reflex as rx
from sqlmodel import Session, select

from app.models import AccessToken, User
from app.services import access_tokens, instance
from app.services.errors import AuthError
from app.states.fields import clear_if_still_script
from app.states.tokens import NEW_NAME_ID, TokensState, expiry_options
from tests.states.tab import in_tab, scripts, sign_up


async def _run(handler) -> list:
    out = []
    async for item in handler:
        out += item if isinstance(item, list) else [item]
    return out


def test_tokens_state_create_shows_the_secret_once_and_revokes(app_db):
    instance.clear_cache()
    token, user_id = sign_up(app_db)

    async def work(root: rx.State) -> None:
        state = await root.get_state(TokensState)
        await state.load()
        assert (state.loaded, state.tokens, state.can_admin) == (True, [], False)
        assert [v for v, _ in state.expiry_choices] == ["30", "90", "365", "never"]
        state.set_scope("admin")  # not an admin: stays read
        assert state.scope == "read"
        await _run(state.create({"name": ""}))
        assert "name" in state.error
        assert state.new_secret == ""
        state.set_scope("write")
        state.set_expiry("365")
        events = await _run(state.create({"name": "Backup"}))
        assert state.error == ""
        # The name field is emptied only if it still holds "Backup" (the next one may be typed).
        assert clear_if_still_script(NEW_NAME_ID, "Backup") in scripts(events)
        assert state.new_secret.startswith("tk_")
        assert state.new_name == "Backup"
        [row] = state.tokens
        assert (row["name"], row["scope"], row["prefix"]) == ("Backup", "write", state.new_secret[:10])
        assert row["last_used"] == "Never used"
        assert row["expires"].startswith("Expires ")
        assert state.new_secret not in str(state.tokens)
        secret = state.new_secret
        state.copy_secret()
        assert state.status == "Token copied."
        await state.load()  # leaving and coming back: gone for good
        assert state.new_secret == ""
        assert [t["name"] for t in state.tokens] == ["Backup"]

        for index in (5, -1, "x", None):
            state.ask_revoke(index)  # type: ignore[arg-type]
            assert state.revoke_name == ""
        state.ask_revoke(0)
        assert state.revoke_name == "Backup"
        state.cancel_revoke()
        assert state.revoke_name == ""
        state.ask_revoke(0)
        await _run(state.confirm_revoke())
        assert state.status == "Revoked Backup: it no longer works."
        assert (state.tokens, state.revoke_name) == ([], "")
        with Session(app_db) as s, pytest.raises(AuthError, match="revoked"):
            access_tokens.resolve(s, secret=secret)

    in_tab(token, work)
    with Session(app_db) as s:
        rows = s.exec(select(AccessToken).where(AccessToken.user_id == user_id)).all()
        assert [(r.name, r.revoked_at is not None) for r in rows] == [("Backup", True)]


def test_tokens_state_follows_the_server_maximum_and_admin_role(app_db):
    instance.clear_cache()
    token, user_id = sign_up(app_db)
    with Session(app_db) as s:
        user = s.get(User, user_id)
        assert user is not None
        user.is_admin = True
        s.add(user)
        instance.update(s, admin_id=user_id, changes={"token_max_days": 60})
        s.commit()

    async def work(root: rx.State) -> None:
        state = await root.get_state(TokensState)
        await state.load()
        assert state.can_admin
        assert state.max_days == 60
        assert [v for v, _ in state.expiry_choices] == ["30", "60"]
        assert state.expiry == "60"  # 90 is not allowed here: the longest allowed instead
        state.set_expiry("never")
        assert state.expiry == "60"
        state.set_scope("admin")
        assert state.scope == "admin"
        await _run(state.create({"name": "Ops"}))
        assert state.error == ""
        assert state.tokens[0]["scope"] == "admin"

    in_tab(token, work)
    instance.clear_cache()


def test_tokens_expiry_options() -> None:
    assert expiry_options(None)[-1] == ["never", "Never"]
    assert expiry_options(365) == [["30", "30 days"], ["90", "90 days"], ["365", "365 days"]]
    assert expiry_options(7) == [["7", "7 days"]]
