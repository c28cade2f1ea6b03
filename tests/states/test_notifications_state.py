"""The bell's state and the daily-loop settings on a real database (no browser): what a tab shows,
its live refresh when a notification arrives, marking read, the click through to the task, and the
browser's time zone at sign-up."""

from __future__ import annotations

import json

import reflex as rx
from sqlmodel import Session

from app import routes
from app.models import User
from app.services import notifications, tasks
from app.states.auth import AuthState
from app.states.notifications import NotificationsState
from app.states.settings import SettingsState
from tests.states.tab import in_tab, redirect_path, sign_up


def test_the_bell_loads_refreshes_live_and_leads_to_the_task(app_db):
    token, user_id = sign_up(app_db)
    with Session(app_db) as s:
        task_id = tasks.create_task(s, user_id=user_id, data={"title": "Call mom"}).id
        notifications.notify(s, user_id=user_id, kind="missed", title="Water plants")
        s.commit()

    async def work(root: rx.State) -> None:
        bell = await root.get_state(NotificationsState)
        await bell.load()
        assert (bell.unread, bell.bell_label, bell.badge) == (1, "Notifications, 1 unread", "1")
        assert json.loads(bell.desktop_json) == []  # what was there before the tab opened stays quiet

        with Session(app_db) as s:  # the scheduler sends a reminder while the tab is open
            notifications.notify(s, user_id=user_id, kind="reminder", title="Call mom", task_id=task_id)
            s.commit()
        await bell.live_refresh()
        assert bell.unread == 2
        assert [i.title for i in bell.items] == ["Call mom", "Water plants"]
        [fresh] = json.loads(bell.desktop_json)
        assert (fresh["title"], fresh["href"]) == ("Call mom", f"{routes.TASKS}?task={task_id}")

        spec = await bell.open_item(bell.items[0].id)
        assert redirect_path(spec) == f"{routes.TASKS}?task={task_id}"
        assert bell.unread == 1
        assert json.loads(bell.desktop_json) == []
        await bell.mark_all_read()
        assert (bell.unread, bell.bell_label) == (0, "Notifications, none unread")
        assert not any(i.unread for i in bell.items)

    in_tab(token, work)


def test_the_poll_rereads_only_when_the_count_moved(app_db):
    token, user_id = sign_up(app_db)

    async def work(root: rx.State) -> None:
        bell = await root.get_state(NotificationsState)
        await bell.load()
        assert bell.items == []
        with Session(app_db) as s:
            notifications.notify(s, user_id=user_id, kind="reminder", title="Stand-up")
            s.commit()
        await bell.poll()
        assert (bell.unread, [i.title for i in bell.items]) == (1, ["Stand-up"])
        bell.set_permission("granted")
        assert bell.permission == "granted"
        bell.set_permission("<script>")
        assert bell.permission == "unsupported"

    in_tab(token, work)


def test_sign_up_keeps_the_browsers_zone_and_ignores_a_strange_one(app_db, monkeypatch):
    async def work(root: rx.State) -> None:
        auth = await root.get_state(AuthState)
        auth.set_browser_zone("Not/AZone")
        assert auth.browser_zone == ""
        auth.set_browser_zone("Pacific/Kiritimati")
        await auth.sign_up({"email": "kiri@example.com", "password": "correct-horse-42", "name": ""})
        assert auth.signed_in, auth.auth_error

    in_tab("", work)
    with Session(app_db) as s:
        from sqlmodel import select

        user = s.exec(select(User).where(User.email == "kiri@example.com")).one()
        assert user.time_zone == "Pacific/Kiritimati"


def test_settings_save_the_reminders_and_refuse_an_unknown_zone(app_db):
    token, user_id = sign_up(app_db)

    async def work(root: rx.State) -> None:
        settings = await root.get_state(SettingsState)
        await settings.on_load()
        assert (settings.time_zone, settings.default_reminder, settings.digest_on) == ("UTC", "none", False)
        await settings.save_time_zone({"time_zone": "Mars/Olympus"})
        assert "Unknown time zone" in settings.zone_error
        await settings.save_time_zone({"time_zone": "Europe/Paris"})
        assert settings.zone_status == "Saved. Your time zone is Europe/Paris."
        await settings.set_default_reminder("60")
        assert settings.reminders_status == "Saved. A task given a due time gets a reminder 1 hour before."
        await settings.set_default_reminder("7")
        assert (settings.reminders_error, settings.default_reminder) == (
            "Choose one of the listed reminders.",
            "60",
        )
        await settings.set_digest_on(True)
        await settings.set_digest_at("6:45")
        assert settings.reminders_status == "Saved. Your digest comes at 06:45."
        await settings.set_digest_at("7pm")
        assert "not a time" in settings.reminders_error
        assert settings.digest_at == "06:45"

    in_tab(token, work)
    with Session(app_db) as s:
        user = s.get(User, user_id)
        assert (user.time_zone, user.default_reminder, str(user.digest_at)) == (
            "Europe/Paris",
            60,
            "06:45:00",
        )


def test_a_notification_of_someone_else_is_neither_read_nor_opened(app_db):
    alice_token, alice_id = sign_up(app_db)
    _, bob_id = sign_up(app_db)
    with Session(app_db) as s:
        bobs_task = tasks.create_task(s, user_id=bob_id, data={"title": "Bob's secret"}).id
        theirs = notifications.notify(s, user_id=bob_id, kind="reminder", title="Bob's", task_id=bobs_task).id
        s.commit()

    async def work(root: rx.State) -> None:
        bell = await root.get_state(NotificationsState)
        await bell.load()
        for value in (str(theirs), "", "not-a-uuid", "' OR 1=1 --"):
            assert await bell.open_item(value) is None
        assert (bell.unread, bell.items) == (0, [])

    in_tab(alice_token, work)
    with Session(app_db) as s:
        assert notifications.unread_count(s, user_id=bob_id) == 1
        assert notifications.unread_count(s, user_id=alice_id) == 0


def test_sign_in_takes_the_browsers_zone_for_an_account_still_on_utc(app_db):
    async def sign_up_without_zone(root: rx.State) -> None:
        auth = await root.get_state(AuthState)
        await auth.sign_up({"email": "utc@example.com", "password": "correct-horse-42", "name": ""})
        assert auth.signed_in, auth.auth_error

    def sign_in_from(zone: str) -> list:
        async def work(root: rx.State) -> list:
            auth = await root.get_state(AuthState)
            auth.set_browser_zone(zone)
            events = await auth.sign_in({"email": "utc@example.com", "password": "correct-horse-42"})
            assert auth.signed_in, auth.auth_error
            return events

        return in_tab("", work)

    def zone_now() -> str:
        with Session(app_db) as s:
            from sqlmodel import select

            return s.exec(select(User.time_zone).where(User.email == "utc@example.com")).one()

    in_tab("", sign_up_without_zone)
    assert zone_now() == "UTC"
    events = sign_in_from("Pacific/Honolulu")
    assert zone_now() == "Pacific/Honolulu"
    assert "Pacific/Honolulu" in str(events[-1])  # the toast says so
    events = sign_in_from("Asia/Tokyo")  # travelling: the zone stays, nothing is said
    assert zone_now() == "Pacific/Honolulu"
    assert "Asia/Tokyo" not in str(events)
