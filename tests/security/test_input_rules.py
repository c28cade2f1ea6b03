"""The input rules of :mod:`app.core.inputs`, through every door (API, MCP, CLI, services, chat).

* Free-form JSON (chat ``context``, widget action payloads and forms, tool arguments, the CLI's
  ``act --action``) deeper than 32 levels, bigger than 64 KB, or holding NaN is a 422 (a refusal)
  with a clear message, and nothing at all is stored: before, a 300-level ``context`` answered
  500 after the turn (and its task) had been stored, so a retry added the task twice.
* Text that is not valid Unicode (a lone surrogate, ``"\\ud800"``) is refused in every text field,
  never met as a ``UnicodeEncodeError`` (500) at the insert.
* API bodies are strictly typed: ``tags: [null, true, 1.5]`` is not stored as ``["none", "true",
  "1.5"]``, ``completed: "yes"`` is not true.

SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from app.core.db import session_scope
from app.core.inputs import MAX_JSON_BYTES, MAX_JSON_DEPTH
from app.mcp_server import call_tool
from app.orchestration import runner
from app.services import account as account_service
from app.services import auth as auth_service
from app.services import messages as message_service
from app.services import tasks as task_service
from app.services import threads as thread_service
from app.services.errors import InvalidInputError, ServiceError
from tests.api.conftest import assert_error, find_action
from tests.security.world import changes, snapshot
from tests.utils.api_app import shared_api
from tests.utils.cli import run_cli
from tests.utils.test_client import TestClient

SURROGATE = "\ud800"


def deep(levels: int, leaf: Any = 1) -> Any:
    """A JSON object nested ``levels`` deep: ``deep(2) == {"a": {"a": 1}}``."""
    value = leaf
    for _ in range(levels):
        value = {"a": value}
    return value


def raw_json(value: Any) -> bytes:
    """``value`` as JSON bytes, lone surrogates and NaN included (what a hostile client can send)."""
    return json.dumps(value, allow_nan=True).encode("ascii")


@pytest.fixture
def api(api_user) -> Iterator[TestClient]:
    with TestClient(shared_api()) as client:
        yield client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "content-type": "application/json"}


def nothing_stored(engine: sa.Engine, attempt: Callable[[], Any], what: str) -> Any:
    """Run ``attempt()``; not one row of any table may change."""
    before = snapshot(engine)
    result = attempt()
    found = changes(before, snapshot(engine))
    assert not found, f"{what} stored:\n" + "\n".join(str(c)[:300] for c in found[:10])
    return result


def _list_widget(api: TestClient, headers: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """(thread id, ListView widget) of a turn that lists the user's one task."""
    assert api.post("/api/tasks", json={"title": "pay rent"}, headers=headers).status_code == 201
    turn = api.post("/api/chat", json={"message": "show my tasks"}, headers=headers)
    assert turn.status_code == 200, turn.text
    [widget] = [w for w in turn.json()["widgets"] if w["type"] == "ListView"]
    return turn.json()["sessionId"], widget


# ----- free-form JSON: depth and size -----------------------------------------------------------

HOSTILE_JSON: dict[str, tuple[Any, str]] = {
    "300 levels": (deep(300), f"at most {MAX_JSON_DEPTH} levels"),
    "one level too deep": (deep(MAX_JSON_DEPTH + 1), f"at most {MAX_JSON_DEPTH} levels"),
    "too big": ({"notes": "x" * MAX_JSON_BYTES}, f"at most {MAX_JSON_BYTES:,}"),
    "NaN": ({"n": float("nan")}, "not finite"),
    "Infinity": ({"n": [1, float("inf")]}, "not finite"),
}
"""Free-form values past a limit (a value's depth counts its own outermost object)."""


def test_chat_context_depth_and_size_422_nothing_stored(app_db: sa.Engine, api_user, api: TestClient) -> None:
    _, _, token = api_user
    for name, (context, needle) in HOSTILE_JSON.items():
        for path in ("/api/chat", "/api/chat/stream"):
            body = raw_json({"message": "add pay rent", "context": context})

            def attempt(path: str = path, body: bytes = body) -> str:
                return assert_error(api.post(path, content=body, headers=auth(token)), 422, "invalid")

            message = nothing_stored(app_db, attempt, f"POST {path} context {name}")
            assert message.startswith("context: "), message
            assert needle in message, (name, message)
    # A body nested deeper than the JSON parser goes is refused too (not 500), storing nothing.
    very_deep = b'{"message": "add pay rent", "context": {"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    resp = nothing_stored(
        app_db, lambda: api.post("/api/chat", content=very_deep, headers=auth(token)), "100,000 levels"
    )
    assert resp.status_code in (400, 422), resp.text
    assert_error(resp, resp.status_code)
    # At the limit it is accepted, answered and echoed.
    at_limit = deep(MAX_JSON_DEPTH)
    resp = api.post("/api/chat", json={"message": "add pay rent", "context": at_limit}, headers=auth(token))
    assert resp.status_code == 200, resp.text
    assert resp.json()["context"] == at_limit
    assert api.get("/api/tasks", headers=auth(token)).json()["count"] == 1


def test_widget_action_payload_and_form_depth_422_nothing_stored(
    app_db: sa.Engine, api_user, api: TestClient, capsys
) -> None:
    _, email, token = api_user
    thread_id, widget = _list_widget(api, auth(token))
    declared = find_action(widget["payload"], "task.complete")
    assert declared is not None
    url = f"/api/threads/{thread_id}/actions"
    for name, (value, needle) in HOSTILE_JSON.items():
        for field, body in (
            (
                "action.payload",
                {"widget_id": widget["id"], "action": {"type": "task.complete", "payload": value}},
            ),
            ("form", {"widget_id": widget["id"], "action": declared, "form": value}),
        ):
            headers = {**auth(token), "Idempotency-Key": f"k-{uuid.uuid4().hex}"}

            def attempt(body: dict[str, Any] = body, headers: dict[str, str] = headers) -> str:
                return assert_error(api.post(url, content=raw_json(body), headers=headers), 422, "invalid")

            message = nothing_stored(app_db, attempt, f"POST actions {field} {name}")
            assert message.startswith(f"{field}: "), message
            assert needle in message, (name, message)

        # The same action through the CLI's `act --action` (the widget action service behind it).
        action = json.dumps({"type": "task.complete", "payload": value}, allow_nan=True)

        def cli(action: str = action) -> str:
            code, out, err = run_cli(
                ["act", "--user", email, "--widget", widget["id"], "--action", action], capsys
            )
            assert (code, out) == (1, ""), (code, out, err)
            assert err.startswith("error: "), err
            assert err.count("\n") == 1, err
            return err

        assert needle in nothing_stored(app_db, cli, f"CLI act --action {name}"), name
    very_deep = (
        json.dumps({"type": "task.complete"})[:-1] + ', "payload": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    code, out, err = nothing_stored(
        app_db,
        lambda: run_cli(["act", "--user", email, "--widget", widget["id"], "--action", very_deep], capsys),
        "CLI act --action 100,000 levels",
    )
    assert (code, out) == (1, ""), (code, out, err)
    assert "too deep" in err, err


def test_tool_arguments_depth_and_size_refused_nothing_stored(app_db: sa.Engine, api_user) -> None:
    """MCP (and every other caller of the tool registry): not even a failed journal row is stored."""
    user_id, _, _ = api_user
    for name, (value, needle) in HOSTILE_JSON.items():
        for args in ({"title": "pay rent", "extra": value}, {"title": "pay rent", "tags": [value]}):

            def attempt(args: dict[str, Any] = args) -> str:
                result = call_tool("add_task", args, user_id=user_id)
                assert result.is_error, result.content
                return result.content[0].text

            message = nothing_stored(app_db, attempt, f"MCP add_task {name}")
            assert message.startswith("Invalid arguments for add_task: arguments: "), message
            assert needle in message, (name, message)
    # Nested up to the limit, arguments still reach validation (and are refused there as usual).
    refused = call_tool("add_task", {"title": "pay rent", "extra": deep(MAX_JSON_DEPTH - 1)}, user_id=user_id)
    assert refused.is_error, refused.content
    assert "extra: is not a known field" in refused.content[0].text, refused.content
    assert not call_tool("add_task", {"title": "pay rent"}, user_id=user_id).is_error


def test_turn_refused_by_context_is_not_stored_then_retry_adds_once(
    app_db: sa.Engine, api_user, api: TestClient
) -> None:
    """The issue's scenario: the 500 came after the turn was stored, so a retry added the task twice."""
    _, _, token = api_user
    body = {"message": "add pay rent tomorrow", "context": deep(300)}
    assert_error(api.post("/api/chat", content=raw_json(body), headers=auth(token)), 422, "invalid")
    retry = api.post("/api/chat", json={"message": "add pay rent tomorrow"}, headers=auth(token))
    assert retry.status_code == 200, retry.text
    tasks = api.get("/api/tasks", headers=auth(token)).json()["data"]
    assert [t["title"] for t in tasks] == ["pay rent"]
    assert len(api.get("/api/threads", headers=auth(token)).json()["data"]) == 1


# ----- text that is not valid Unicode ----------------------------------------------------------


def _bad_text_requests(
    api: TestClient, headers: dict[str, str], user_id: uuid.UUID
) -> list[tuple[str, str, Any]]:
    """(method, path, body) for every text field of every API body, each holding a lone surrogate."""
    task_id = api.post("/api/tasks", json={"title": "call mom"}, headers=headers).json()["id"]
    thread_id, widget = _list_widget(api, headers)
    declared = find_action(widget["payload"], "task.complete")
    action = f"/api/threads/{thread_id}/actions"
    bad = f"a{SURROGATE}b"
    return [
        ("POST", "/api/tasks", {"title": bad}),
        ("POST", "/api/tasks", {"title": "ok", "description": bad}),
        ("POST", "/api/tasks", {"title": "ok", "tags": ["home", bad]}),
        ("POST", "/api/tasks", {"title": "ok", bad: "a field name"}),
        ("PATCH", f"/api/tasks/{task_id}", {"title": bad}),
        ("PATCH", f"/api/tasks/{task_id}", {"description": bad}),
        ("PATCH", f"/api/tasks/{task_id}", {"tags": [bad]}),
        ("PATCH", f"/api/threads/{thread_id}", {"title": bad}),
        ("POST", "/api/chat", {"message": f"add {bad}"}),
        ("POST", "/api/chat", {"message": "add pay rent", "sessionId": bad}),
        ("POST", "/api/chat", {"message": "add pay rent", "context": {"page": bad}}),
        ("POST", "/api/chat", {"message": "add pay rent", "context": {bad: 1}}),
        ("POST", "/api/chat/stream", {"message": f"add {bad}"}),
        ("POST", f"/api/{user_id}/chat", {"message": f"add {bad}"}),
        ("POST", f"/api/{user_id}/chat", {"message": "add pay rent", "conversation_id": bad}),
        ("POST", "/api/auth/token", {"email": f"{bad}@example.com", "password": "correct-horse-42"}),
        ("POST", "/api/auth/token", {"email": "ann@example.com", "password": f"correct-{bad}"}),
        ("POST", "/api/me/password", {"current_password": bad, "new_password": "battery-staple-77"}),
        ("POST", "/api/me/password", {"current_password": "correct-horse-42", "new_password": bad * 5}),
        ("DELETE", "/api/me/chats", {"password": bad}),
        ("DELETE", "/api/me", {"password": bad}),
        (
            "POST",
            action,
            {"widget_id": widget["id"], "action": {"type": "task.complete", "payload": {"x": bad}}},
        ),
        ("POST", action, {"widget_id": widget["id"], "action": {"type": bad, "payload": {}}}),
        ("POST", action, {"widget_id": widget["id"], "action": declared, "form": {"title": bad}}),
        ("POST", action, {"widget_id": bad, "action": declared}),
    ]


def test_lone_surrogate_api_422_nothing_stored(app_db: sa.Engine, api_user, api: TestClient) -> None:
    """Before: a task title or description with ``\\ud800`` answered 500 (UnicodeEncodeError at insert)."""
    user_id, _, token = api_user
    for method, path, body in _bad_text_requests(api, auth(token), user_id):
        headers = {**auth(token), "Idempotency-Key": uuid.uuid4().hex}
        what = f"{method} {path.replace(str(user_id), '{user_id}')} {sorted(body)}"

        def attempt(method: str = method, path: str = path, body: Any = body, headers=headers) -> str:
            return assert_error(api.request(method, path, content=raw_json(body), headers=headers), 422)

        message = nothing_stored(app_db, attempt, what)
        assert "not valid Unicode" in message, (what, message)


def _refusal(call: Callable[[], Any]) -> str:
    """The message of the 422 refusal ``call()`` must raise."""
    with pytest.raises(ServiceError) as caught:
        call()
    assert isinstance(caught.value, InvalidInputError), (type(caught.value), caught.value.message)
    return caught.value.message


def test_lone_surrogate_services_refused_nothing_stored(app_db: sa.Engine, api_user) -> None:
    """The services behind the pages, the chat and the CLI: the same rule, the same refusal."""
    user_id, email, _ = api_user
    with session_scope() as session:
        task_id = task_service.create_task(session, user_id=user_id, data={"title": "call mom"}).id
        thread_id = thread_service.create_thread(session, user_id=user_id, title="Rent").id
    bad = f"a{SURROGATE}b"

    def in_session(call: Callable[[Any], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with session_scope() as session:
                return call(session)

        return run

    calls: dict[str, Callable[[], Any]] = {
        "create_task title": in_session(
            lambda s: task_service.create_task(s, user_id=user_id, data={"title": bad})
        ),
        "create_task description": in_session(
            lambda s: task_service.create_task(s, user_id=user_id, data={"title": "ok", "description": bad})
        ),
        "create_task tags (list)": in_session(
            lambda s: task_service.create_task(s, user_id=user_id, data={"title": "ok", "tags": [bad]})
        ),
        "create_task tags (page text)": in_session(
            lambda s: task_service.create_task(
                s, user_id=user_id, data={"title": "ok", "tags": f"home, {bad}"}
            )
        ),
        "update_task title": in_session(
            lambda s: task_service.update_task(s, user_id=user_id, task_id=task_id, data={"title": bad})
        ),
        "update_task description": in_session(
            lambda s: task_service.update_task(s, user_id=user_id, task_id=task_id, data={"description": bad})
        ),
        "update_task tags": in_session(
            lambda s: task_service.update_task(s, user_id=user_id, task_id=task_id, data={"tags": [bad]})
        ),
        "list_tasks search": in_session(
            lambda s: task_service.list_tasks(s, user_id=user_id, query=task_service.TaskQuery(search=bad))
        ),
        "list_tasks tag": in_session(
            lambda s: task_service.list_tasks(s, user_id=user_id, query=task_service.TaskQuery(tag=bad))
        ),
        "create_thread": in_session(lambda s: thread_service.create_thread(s, user_id=user_id, title=bad)),
        "rename_thread": in_session(
            lambda s: thread_service.rename_thread(s, user_id=user_id, thread_id=thread_id, title=bad)
        ),
        "add_user_message": in_session(
            lambda s: message_service.add_user_message(s, user_id=user_id, thread_id=thread_id, content=bad)
        ),
        "begin_turn (chat page, CLI chat)": lambda: runner.begin_turn(user_id=user_id, text=f"add {bad}"),
        "register email": in_session(
            lambda s: auth_service.register(s, email=f"{bad}@example.com", password="correct-horse-42")
        ),
        "register password": in_session(
            lambda s: auth_service.register(s, email="new@example.com", password=f"correct-{bad}")
        ),
        "register name": in_session(
            lambda s: auth_service.register(s, email="new@example.com", password="correct-horse-42", name=bad)
        ),
        "sign_in email": in_session(
            lambda s: auth_service.sign_in(s, email=f"{bad}@example.com", password="pw")
        ),
        "sign_in password": in_session(lambda s: auth_service.sign_in(s, email=email, password=bad)),
        "change_password current": in_session(
            lambda s: account_service.change_password(
                s, user_id=user_id, current_password=bad, new_password="battery-staple-77"
            )
        ),
        "change_password new": in_session(
            lambda s: account_service.change_password(
                s, user_id=user_id, current_password="correct-horse-42", new_password=bad * 5
            )
        ),
        "delete_all_chats": in_session(
            lambda s: account_service.delete_all_chats(s, user_id=user_id, password=bad)
        ),
        "delete_account": in_session(
            lambda s: account_service.delete_account(s, user_id=user_id, password=bad)
        ),
    }
    for what, call in calls.items():
        message = nothing_stored(app_db, lambda call=call: _refusal(call), f"services {what}")
        assert "not valid Unicode" in message, (what, message)


def test_lone_surrogate_mcp_and_cli_refused_nothing_stored(app_db: sa.Engine, api_user, capsys) -> None:
    user_id, email, _ = api_user
    task_id = call_tool("add_task", {"title": "call mom"}, user_id=user_id).structured_content["task_id"]
    bad = f"a{SURROGATE}b"
    for name, args in (
        ("add_task", {"title": bad}),
        ("add_task", {"title": "ok", "description": bad}),
        ("add_task", {"title": "ok", "tags": [bad]}),
        ("update_task", {"task_id": task_id, "title": bad}),
        ("update_task", {"task_id": task_id, "description": bad}),
        ("update_task", {"task_id": task_id, "tags": [bad]}),
        ("list_tasks", {"search": bad}),
        ("list_tasks", {"tag": bad}),
        ("search_tasks", {"query": bad}),
        ("complete_task", {"task_id": bad}),
    ):

        def attempt(name: str = name, args: dict[str, Any] = args) -> str:
            result = call_tool(name, args, user_id=user_id)
            assert result.is_error, result.content
            return result.content[0].text

        message = nothing_stored(app_db, attempt, f"MCP {name} {sorted(args)}")
        assert "not valid Unicode" in message, (name, args, message)

    # Bytes that are not UTF-8 on the command line reach Python as lone surrogates (surrogateescape).
    undecodable = b"caf\xe9".decode("utf-8", "surrogateescape")
    add = ["tasks", "add", "--user", email]
    for argv in (
        [*add, "--title", undecodable],
        [*add, "--title", "ok", "--description", undecodable],
        [*add, "--title", "ok", "--tags", f"home,{undecodable}"],
        ["tasks", "list", "--user", email, "--search", undecodable],
        ["tasks", "list", "--user", undecodable],
        ["user", "create", "--email", f"{undecodable}@example.com", "--password", "correct-horse-42"],
        [
            "user",
            "create",
            "--email",
            "new@example.com",
            "--password",
            "correct-horse-42",
            "--name",
            undecodable,
        ],
        ["act", "--user", email, "--widget", "wdg_x", "--action", json.dumps({"type": undecodable})],
    ):

        def cli(argv: list[str] = argv) -> str:
            code, out, err = run_cli(argv, capsys)
            assert (code, out) == (1, ""), (code, out, err)
            assert err.startswith("error: "), err
            assert err.count("\n") == 1, err
            return err

        err = nothing_stored(app_db, cli, f"CLI {argv[:2]}")
        assert "not valid Unicode" in err, (argv, err)
