"""``/api/me/settings`` and ``/api/me/notifications``: the daily loop's settings and the bell over
REST, each person's own only; SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from app.core.db import session_scope
from app.services import notifications
from tests.api.conftest import ApiUser, assert_error, create_task
from tests.utils.test_client import TestClient


def test_settings_read_change_and_refuse_clearly(api: TestClient, alice: ApiUser, bob: ApiUser) -> None:
    resp = api.get("/api/me/settings", headers=alice.headers)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "time_zone": "UTC",
        "default_reminder": None,
        "email_reminders": True,
        "digest_at": None,
    }
    resp = api.patch(
        "/api/me/settings",
        json={"time_zone": "Pacific/Honolulu", "default_reminder": 30, "digest_at": "07:30"},
        headers=alice.headers,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["digest_at"] == "07:30"
    resp = api.patch("/api/me/settings", json={"email_reminders": False}, headers=alice.headers)
    assert resp.json() == {
        "time_zone": "Pacific/Honolulu",
        "default_reminder": 30,
        "email_reminders": False,
        "digest_at": "07:30",
    }
    # the new default reminder reaches a task given a due time; Bob's settings are untouched
    task = create_task(api, alice, title="dentist", due_date="2030-01-10", due_time="15:00")
    assert task["reminders"] == [{"before": 30}]
    assert api.get("/api/me/settings", headers=bob.headers).json()["time_zone"] == "UTC"

    for body, words in (
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone"),
        ({"default_reminder": 7}, "default reminder must be one of"),
        ({"digest_at": "7pm"}, "24-hour clock"),
        ({"colour": "red"}, "colour"),
        ({"email_reminders": "yes"}, "email_reminders"),
        ({"default_reminder": "30"}, "default_reminder"),
    ):
        message = assert_error(api.patch("/api/me/settings", json=body, headers=alice.headers), 422)
        assert words in message
    assert api.get("/api/me/settings", headers=alice.headers).json()["default_reminder"] == 30
    assert api.get("/api/me/settings").status_code == 401


def test_the_bell_lists_and_marks_read_only_ones_own(api: TestClient, alice: ApiUser, bob: ApiUser) -> None:
    task = create_task(api, alice, title="Call mom")
    with session_scope() as session:
        first = notifications.notify(
            session, user_id=alice.id, kind="reminder", title="Call mom", task_id=uuid.UUID(task["id"])
        ).id
        notifications.notify(session, user_id=alice.id, kind="missed", title="Water plants")
        theirs = notifications.notify(session, user_id=bob.id, kind="reminder", title="Bob's own").id

    resp = api.get("/api/me/notifications", headers=alice.headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["unread"] == 2
    assert {(n["title"], n["kind"], n["kind_label"]) for n in body["data"]} == {
        ("Call mom", "reminder", "Reminder"),
        ("Water plants", "missed", "Missed reminder"),
    }
    by_title = {n["title"]: n for n in body["data"]}
    assert by_title["Call mom"]["task_id"] == task["id"]
    assert by_title["Water plants"]["task_id"] is None
    assert by_title["Call mom"]["when"] == "just now"
    assert "Bob's own" not in resp.text

    # Marking Bob's notification does nothing; one of one's own, then all
    resp = api.post("/api/me/notifications/read", json={"ids": [str(theirs)]}, headers=alice.headers)
    assert resp.json() == {"ok": True, "marked": 0, "unread": 2}
    resp = api.post("/api/me/notifications/read", json={"ids": [str(first)]}, headers=alice.headers)
    assert resp.json() == {"ok": True, "marked": 1, "unread": 1}
    assert api.get("/api/me/notifications", headers=bob.headers).json()["unread"] == 1
    resp = api.post("/api/me/notifications/read", headers=alice.headers)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"ok": True, "marked": 1, "unread": 0}
    assert all(
        not n["unread"] for n in api.get("/api/me/notifications", headers=alice.headers).json()["data"]
    )
    assert api.get("/api/me/notifications", headers=bob.headers).json()["unread"] == 1
    assert_error(api.post("/api/me/notifications/read", json={"ids": ["nope"]}, headers=alice.headers), 422)
