"""Ticked as README's "Self-hosting" deploys it: two instances, one PostgreSQL, one Redis, nginx in front.

The browser test stops instance 1, so it runs last (tests that need both start it again if not).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import socketio
from playwright.sync_api import Page, expect
from sqlmodel import Session, func, select

from app.models import Action, TaskOperation
from app.orchestration.widget_actions import declared_actions
from tests.deploy.conftest import Deployment
from tests.utils.browser import (
    PASSWORD,
    add_by_chat_and_find_on_tasks_page,
    last_reply,
    send,
    sign_up,
    thread_button,
    unique_email,
)
from tests.utils.reflex_events import (
    NAMESPACE,
    ON_LOAD,
    ROOT_STATE,
    TASKS_STATE,
    TOKEN_VAR,
    UPDATE_VARS,
    make_event,
    open_socket,
)

pytestmark = pytest.mark.deploy


def bearer(client: httpx.Client, email: str) -> dict[str, str]:
    resp = client.post("/api/auth/token", json={"email": email, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def find_action(node: Any, action_type: str) -> dict[str, Any] | None:
    """The first action config of ``action_type`` a widget tree declares."""
    return next((a for a in declared_actions(node) if a.get("type") == action_type), None)


def test_widget_action_sent_to_both_instances_at_once_applies_once(deployment: Deployment) -> None:
    deployment.ensure_running()
    email = unique_email("deploy-action")
    deployment.cli("user", "create", "--email", email, "--password", PASSWORD)
    with httpx.Client(base_url=deployment.proxy_url, timeout=60) as proxy:
        headers = bearer(proxy, email)
        created = proxy.post("/api/tasks", json={"title": "pay rent"}, headers=headers)
        assert created.status_code == 201, created.text
        task_id = created.json()["id"]
        turn = proxy.post("/api/chat", json={"message": "show my tasks"}, headers=headers)
        assert turn.status_code == 200, turn.text
    thread_id = turn.json()["sessionId"]
    [widget] = [w for w in turn.json()["widgets"] if w["type"] == "ListView"]
    action = find_action(widget["payload"], "task.complete")
    assert action is not None, widget
    assert action["payload"]["task_id"] == task_id
    body = {"widget_id": widget["id"], "action": {"type": action["type"], "payload": action["payload"]}}
    key = f"deploy-{uuid.uuid4().hex}"
    together = threading.Barrier(2)

    def post(base_url: str) -> httpx.Response:
        """One click, as a client following the API: a 409 "still processing" (the other instance's
        click holds the key) is asked again after its Retry-After."""
        with httpx.Client(base_url=base_url, timeout=60) as client:
            client.get("/ping")  # connect first, so both requests leave at the same moment
            together.wait(timeout=30)
            url, click = f"/api/threads/{thread_id}/actions", {**headers, "Idempotency-Key": key}
            for _ in range(20):
                resp = client.post(url, json=body, headers=click)
                if resp.status_code != 409 or resp.json()["error"]["code"] != "still_processing":
                    return resp
                time.sleep(min(float(resp.headers["Retry-After"]), 2.0))
            return resp

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(post, deployment.instance_urls)

    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text
    results = [first.json(), second.json()]
    assert results[0]["action_id"] == results[1]["action_id"]
    assert sorted(r["replayed"] for r in results) == [False, True]
    assert [r["status"] for r in results] == ["completed", "completed"]
    assert [r["result"]["task_id"] for r in results] == [task_id, task_id]

    with httpx.Client(base_url=deployment.instance_urls[1], timeout=30) as client:
        task = client.get(f"/api/tasks/{task_id}", headers=headers)
    assert task.status_code == 200, task.text
    assert task.json()["completed"] is True
    with Session(deployment.engine) as session:
        completes = session.exec(
            select(func.count())
            .select_from(TaskOperation)
            .where(TaskOperation.task_id == uuid.UUID(task_id), TaskOperation.operation_type == "complete")
        ).one()
        actions = session.exec(
            select(func.count()).select_from(Action).where(Action.idempotency_key == key)
        ).one()
    assert completes == 1
    assert actions == 1


def test_token_revoked_through_one_instance_is_refused_by_the_other(deployment: Deployment) -> None:
    deployment.ensure_running()
    email = unique_email("deploy-revoke")
    deployment.cli("user", "create", "--email", email, "--password", PASSWORD)
    one, two = (httpx.Client(base_url=url, timeout=30) for url in deployment.instance_urls)
    with one, two:
        for revoke_on, check_on in ((one, two), (two, one)):
            headers = bearer(revoke_on, email)
            assert check_on.get("/api/tasks", headers=headers).status_code == 200
            logout = revoke_on.post("/api/auth/logout", headers=headers)
            assert logout.status_code == 200, logout.text
            refused = check_on.get("/api/tasks", headers=headers)
            assert refused.status_code == 401, refused.text
            assert revoke_on.get("/api/tasks", headers=headers).status_code == 401


class LiveTab:
    """A task page open over Reflex's websocket on one instance (no browser): the task list as the
    server last sent it."""

    def __init__(self, url: str, origin: str, token: str, path: str) -> None:
        self.url, self.origin, self.token, self.path = url, origin, token, path
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("event", self._on_update, namespace=NAMESPACE)
        self.rows: list[dict[str, Any]] | None = None
        self.hydrated = asyncio.Event()
        self.changed = asyncio.Event()

    async def _on_update(self, update: dict[str, Any]) -> None:
        delta = update.get("delta") or {}
        if delta.get(ROOT_STATE, {}).get("is_hydrated_rx_state_"):
            self.hydrated.set()
        rows = (delta.get(TASKS_STATE) or {}).get("tasks_rx_state_")
        if rows is not None:
            self.rows = rows
            self.changed.set()

    def titles(self) -> set[str]:
        return {r["title"] for r in self.rows or [] if not r.get("completed")}

    async def open(self) -> None:
        await open_socket(
            self.sio, self.url, str(uuid.uuid4()), path=self.path, headers={"Origin": self.origin}
        )
        await asyncio.wait_for(self.hydrated.wait(), 60)
        self.hydrated.clear()
        await self.sio.emit(
            "event",
            make_event(UPDATE_VARS, {"vars": {TOKEN_VAR: self.token}}, self.path),
            namespace=NAMESPACE,
        )
        await self.sio.emit("event", make_event(ON_LOAD, None, self.path), namespace=NAMESPACE)
        await asyncio.wait_for(self.hydrated.wait(), 60)

    async def until(self, check: Any, timeout: float = 15) -> None:
        """Wait for the server to send a task list that passes ``check`` (pushed: nothing asks)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not check(self.titles()):
            self.changed.clear()
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"the open page still shows {sorted(self.titles())}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)


def test_a_change_through_one_instance_reaches_a_members_open_page_on_the_other(
    deployment: Deployment,
) -> None:
    """Issue 16: Bob's task page is open on instance 2; Alice completes a task and then removes Bob
    through instance 1. Both reach Bob's open page (the signal goes through Redis), with no reload."""
    deployment.ensure_running()
    alice, bob = unique_email("deploy-live-a"), unique_email("deploy-live-b")
    for email in (alice, bob):
        deployment.cli("user", "create", "--email", email, "--password", PASSWORD)
    deployment.cli("project", "create", "--user", alice, "--name", "Groceries")
    deployment.cli("project", "share", "--user", alice, "--name", "Groceries", "--with", bob)
    add = ("tasks", "add", "--user", alice, "--project", "Groceries", "--title")
    milk = json.loads(deployment.cli(*add, "Buy milk"))
    deployment.cli(*add, "Bread")
    [groceries] = [p for p in json.loads(deployment.cli("project", "list", "--user", alice, "--json"))
                   if p["name"] == "Groceries"]  # fmt: skip
    bob_id = next(m["user_id"] for m in groceries["members"] if m["email"] == bob)
    one_url, two_url = deployment.instance_urls
    with httpx.Client(base_url=one_url, timeout=30) as one, httpx.Client(base_url=two_url, timeout=30) as two:
        alice_headers = bearer(one, alice)
        bob_token = bearer(two, bob)["Authorization"].removeprefix("Bearer ")

        async def scenario() -> None:
            tab = LiveTab(two_url, deployment.proxy_url, bob_token, f"/tasks?project={groceries['id']}")
            await tab.open()
            try:
                await tab.until(lambda titles: titles == {"Buy milk", "Bread"})
                done = await asyncio.to_thread(
                    one.patch, f"/api/tasks/{milk['id']}", json={"completed": True}, headers=alice_headers
                )
                assert done.status_code == 200, done.text
                await tab.until(lambda titles: "Buy milk" not in titles)
                removed = await asyncio.to_thread(
                    one.delete, f"/api/projects/{groceries['id']}/members/{bob_id}", headers=alice_headers
                )
                assert removed.status_code in (200, 204), removed.text
                await tab.until(lambda titles: "Bread" not in titles)
            finally:
                await tab.sio.disconnect()

        with ThreadPoolExecutor(1) as pool:  # a loop of its own: Playwright's may be running here
            pool.submit(asyncio.run, scenario()).result()


# --- the browser test (last: it stops instance 1) ---


def expect_conversation(page: Page, email: str, first_message: str, replies: int) -> None:
    """Still signed in, on the chat page, with the conversation open and ready for the next message."""
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/login"))
    expect(thread_button(page, "Call the dentist")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("article", name="Your message").first).to_contain_text(first_message)
    expect(page.get_by_role("article", name="Assistant message")).to_have_count(replies)
    expect(page.get_by_role("button", name="Send")).to_be_enabled()


def websocket_instances(deployment: Deployment, since: int) -> set[int | None]:
    """Which instances held the page's websocket (/_event), per nginx's access log since ``since``."""
    return {
        deployment.instance_number(e.served_by)
        for e in deployment.log_entries(since)
        if e.uri.startswith("/_event") and e.status == 101
    }


def test_security_headers_and_origin_check_through_nginx(deployment: Deployment) -> None:
    """README's nginx passes the pages' headers through; the proxy's address (REFLEX_API_URL) is own."""
    deployment.ensure_running()
    email = unique_email("deploy-headers")
    deployment.cli("user", "create", "--email", email, "--password", PASSWORD)
    with httpx.Client(base_url=deployment.proxy_url, timeout=60) as proxy:
        for _ in range(2):  # each instance, by nginx's round robin
            page = proxy.get("/tasks/")
            assert page.status_code == 200
            assert page.headers["x-frame-options"] == "DENY"
            assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
            assert page.headers["x-content-type-options"] == "nosniff"
        headers = bearer(proxy, email)
        own = proxy.post(
            "/api/tasks", json={"title": "mine"}, headers={**headers, "Origin": deployment.proxy_url}
        )
        assert own.status_code == 201, own.text
        foreign = proxy.post(
            "/api/tasks", json={"title": "x"}, headers={**headers, "Origin": "http://evil.example"}
        )
        assert foreign.status_code == 403, foreign.text
        assert not [h for h in foreign.headers if h.lower().startswith("access-control-")]


def test_person_keeps_working_across_reloads_and_an_instance_stop(deployment: Deployment, page: Page) -> None:
    deployment.ensure_running()
    url = deployment.proxy_url
    mark = deployment.log_mark()
    email = sign_up(page, url, unique_email("deploy-browser"))
    first = "remind me to call the dentist"
    send(page, first)
    expect(last_reply(page)).to_contain_text("call the dentist")
    expect(thread_button(page, "Call the dentist")).to_be_visible()

    # Each reload is a new page load and websocket: nginx sends it to either instance.
    replies = 1
    for reload in range(1, 11):
        page.reload()
        expect_conversation(page, email, first, replies)
        if reload % 2 == 0:
            send(page, f"add reload check {reload}")
            replies += 1
            expect(last_reply(page)).to_contain_text(f"reload check {reload}")
        time.sleep(0.3)  # nginx logs a websocket when it closes
        seen = websocket_instances(deployment, mark)
        if reload >= 4 and seen == {1, 2}:
            break
        if len(seen) < 2:  # shift nginx's round robin so the next websocket lands on the other one
            page.request.get(f"{url}/ping")
    sockets = [
        deployment.instance_number(e.served_by) for e in deployment.log_entries(mark) if e.status == 101
    ]
    print(f"\nwebsockets through nginx, by instance: {sockets} ({reload} reloads)")
    served = {deployment.instance_number(e.served_by) for e in deployment.log_entries(mark)}
    assert served == {1, 2}, f"both instances should serve this person's requests: {served}"
    assert websocket_instances(deployment, mark) == {1, 2}, f"every websocket on one instance: {sockets}"

    # Instance 1 goes away (SIGTERM to its process group); the person carries on through instance 2.
    deployment.stop_instance(1)
    stopped, stopped_at = deployment.log_mark(), time.time()
    page.reload()
    expect_conversation(page, email, first, replies)
    row = add_by_chat_and_find_on_tasks_page(page, "buy milk")
    page.reload()
    expect(row).to_be_visible()
    after = [e for e in deployment.log_entries(stopped) if e.started >= stopped_at - 0.01]
    assert after, "nginx logged nothing after instance 1 stopped"
    print(f"after instance 1 stopped: {len(after)} requests, statuses {sorted({e.status for e in after})}")
    assert {deployment.instance_number(e.served_by) for e in after} == {2}
    assert all(e.status < 500 for e in after), [e for e in after if e.status >= 500]
