"""The settings page's state on a real database (no browser): the acting user from the sign-in
state, its work in the pages' worker pools, and a signed-out tab sent to sign-in and back."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from app import routes
from app.models import User
from app.services import preferences as preference_service
from app.states.auth import AuthState
from app.states.settings import SettingsState
from tests.states.tab import in_tab, redirect_path, sign_up


async def _events(handler) -> list:
    """Everything a generator handler yields, flattened (it yields once to show "busy")."""
    out = []
    async for item in handler:
        out += item if isinstance(item, list) else [item]
    return out


def test_settings_load_and_save_for_the_signed_in_user(app_db):
    token, user_id = sign_up(app_db)

    async def work(root: rx.State) -> None:
        settings = await root.get_state(SettingsState)
        await settings.on_load()
        assert settings.loaded
        assert settings.retention == "forever"
        await settings.set_retention("30")
        assert (settings.prefs_status, settings.prefs_error) == ("Saved.", "")
        await settings.set_redact_sensitive(False)
        assert settings.redact_sensitive is False

    in_tab(token, work)
    with Session(app_db) as s:
        prefs = preference_service.read_preferences(s.get(User, user_id))
        assert (prefs.retention_days, prefs.redact_sensitive) == (30, False)


def test_settings_password_checks_answer_on_the_page(app_db):
    token, _ = sign_up(app_db)  # its stored hash is not a real one: every password is wrong

    async def work(root: rx.State) -> None:
        settings = await root.get_state(SettingsState)
        form = {
            "current_password": "wrong-one-1",
            "new_password": "new-pass-12",
            "confirm_password": "new-pass-12",
        }
        await _events(settings.change_password(form))
        assert settings.password_error
        assert (settings.password_status, settings.password_busy) == ("", False)
        await _events(settings.delete_chats({"password": "wrong-one-1"}))
        assert settings.dialog_error
        assert settings.dialog_busy is False

    in_tab(token, work)


def test_a_signed_out_tab_goes_to_sign_in_and_back_to_settings(app_db):
    token, user_id = sign_up(app_db)

    async def work(root: rx.State) -> None:
        (await root.get_state(AuthState)).token = "revoked-or-expired"
        settings = await root.get_state(SettingsState)
        assert redirect_path(await settings.set_retention("30")) == routes.sign_in_url(routes.SETTINGS)
        [redirect] = await _events(settings.download_data())
        assert redirect_path(redirect) == "/login?next=%2Fsettings"

    in_tab(token, work)
    with Session(app_db) as s:
        assert preference_service.read_preferences(s.get(User, user_id)).retention_days is None


def test_the_account_deletion_confirmation_says_what_becomes_of_each_owned_project(app_db):
    """Before anything is deleted: a shared project passes to its editor, a lone one goes with its tasks."""
    from app.services import projects, tasks

    token, alice = sign_up(app_db)
    _, sam = sign_up(app_db)
    with Session(app_db, expire_on_commit=False) as s:
        sam_email = s.get(User, sam).email
        groceries = projects.create_project(s, user_id=alice, name="Groceries")
        projects.share_project(s, user_id=alice, project_id=groceries.id, email=sam_email, role="editor")
        garden = projects.create_project(s, user_id=alice, name="Garden")
        for title in ("rake", "sow"):
            tasks.create_task(s, user_id=alice, data={"title": title, "project_id": garden.id})
        s.commit()

    async def work(root: rx.State) -> None:
        settings = await root.get_state(SettingsState)
        await settings.on_load()
        await settings.open_dialog("chats")
        assert settings.project_fates == []
        await settings.open_dialog("account")
        assert settings.dialog == "account"
        assert settings.project_fates == [
            "Garden is deleted with its 2 tasks.",
            f"Groceries passes to {sam_email}.",
        ]

    in_tab(token, work)
    with Session(app_db) as s:  # only a preview: nothing changed
        assert projects.get_project(s, user_id=alice, project_id=groceries.id).owner_id == alice
