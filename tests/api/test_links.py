"""The pages behind the email links (``/api/links/{token}``) on SQLite and PostgreSQL: GET shows a
confirmation and changes nothing (mail scanners prefetch), POST acts once without signing in, and
used, expired and forged links get a clear page; the pages allow no script and no framing."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlmodel import select

from app.core.db import session_scope
from app.models import Reminder, Task, TaskOperation
from app.models.base import utcnow
from app.services import links
from tests.api.conftest import ApiUser, create_task
from tests.utils.test_client import TestClient


def tokens_for(user: ApiUser, task_id: str, **kwargs) -> dict[str, str]:
    with session_scope() as s:
        return links.issue(s, user_id=user.id, task_id=task_id, **kwargs)


def task_row(task_id: str) -> Task:
    with session_scope() as s:
        task = s.get(Task, uuid.UUID(task_id))
        assert task is not None
        return task


def test_get_confirms_without_changing_anything_and_post_completes_once(api: TestClient, alice: ApiUser):
    task = create_task(api, alice, title="Renew <passport>")
    token = tokens_for(alice, task["id"])["complete"]
    for _ in range(3):  # a scanner, a preview, the person
        page = api.get(f"/api/links/{token}")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "Complete this task?" in page.text
        assert "Renew &lt;passport&gt;" in page.text
        assert re.search(rf'<form method="post" action="/api/links/{re.escape(token)}">', page.text)
        assert '<button type="submit">Complete</button>' in page.text
    assert task_row(task["id"]).completed is False
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "form-action 'self'" in csp
    assert "script-src" not in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"  # the token never leaves in a Referer
    assert page.headers["cache-control"] == "no-store"

    done = api.post(f"/api/links/{token}")  # no Authorization header: the link is the credential
    assert done.status_code == 200
    assert "Completed “Renew &lt;passport&gt;”." in done.text
    assert 'role="status"' in done.text
    assert task_row(task["id"]).completed is True
    with session_scope() as s:
        sources = s.exec(select(TaskOperation.source).where(TaskOperation.operation_type == "complete")).all()
    assert sources == ["link"]

    again = api.post(f"/api/links/{token}")
    assert again.status_code == 409
    assert "This link was already used." in again.text
    assert 'role="alert"' in again.text
    shown = api.get(f"/api/links/{token}")
    assert (shown.status_code, "This link was already used." in shown.text) == (409, True)
    assert "<form" not in shown.text


def test_expired_and_forged_links_get_a_clear_page(api: TestClient, alice: ApiUser):
    task = create_task(api, alice, title="x")
    old = tokens_for(alice, task["id"], now=utcnow() - timedelta(days=8))["complete"]
    for method in (api.get, api.post):
        resp = method(f"/api/links/{old}")
        assert resp.status_code == 410
        assert "This link has expired." in resp.text
        forged = method(f"/api/links/{old[:-4]}abcd")
        assert forged.status_code == 400
        assert "This link is not valid." in forged.text
    # a sign-in token is not a link
    assert api.post(f"/api/links/{alice.token}").status_code == 400
    assert task_row(task["id"]).completed is False


def test_a_link_is_no_bearer_token(api: TestClient, alice: ApiUser):
    task = create_task(api, alice, title="x")
    token = tokens_for(alice, task["id"])["complete"]
    assert api.get("/api/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_snooze_link_adds_a_reminder_an_hour_from_now(api: TestClient, alice: ApiUser):
    task = create_task(api, alice, title="stretch")
    token = tokens_for(alice, task["id"])["snooze_hour"]
    page = api.get(f"/api/links/{token}")
    assert "Remind you again in an hour?" in page.text
    assert task_row(task["id"]).reminders == []
    done = api.post(f"/api/links/{token}")
    assert done.status_code == 200
    assert "Snoozed “stretch”" in done.text
    [spec] = task_row(task["id"]).reminders
    with session_scope() as s:
        [row] = s.exec(select(Reminder)).all()
    assert row.local_at == spec["at"]
    assert timedelta(minutes=58) < row.fire_at - utcnow() <= timedelta(hours=1)


def test_a_link_from_another_site_page_is_refused_but_the_apps_own_page_may_post(api: TestClient, alice):
    task = create_task(api, alice, title="x")
    token = tokens_for(alice, task["id"])["complete"]
    evil = api.post(f"/api/links/{token}", headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    assert task_row(task["id"]).completed is False


def test_isolation_a_link_acts_only_for_the_person_it_names(api: TestClient, alice: ApiUser, bob: ApiUser):
    """The token is the credential: a link made out to Bob for Alice's task (which he can't see) shows
    and does nothing, exactly like a missing task; Alice's own link still works afterwards."""
    task = create_task(api, alice, title="alice's secret")
    theirs = tokens_for(bob, task["id"])
    for action in ("complete", "snooze_hour", "snooze_tomorrow"):
        shown = api.get(f"/api/links/{theirs[action]}")
        assert shown.status_code == 404
        assert "alice's secret" not in shown.text
        assert "This task no longer exists." in shown.text
    done = api.post(f"/api/links/{theirs['complete']}")
    assert done.status_code == 404
    assert "alice's secret" not in done.text
    row = task_row(task["id"])
    assert (row.completed, row.reminders) == (False, [])
    mine = tokens_for(alice, task["id"])["complete"]
    assert api.post(f"/api/links/{mine}").status_code == 200
    assert task_row(task["id"]).completed is True
