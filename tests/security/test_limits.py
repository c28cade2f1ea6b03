"""Limits, through every door: messages 10,000 characters, task and thread titles 200, at most 20 tags of
at most 32 characters (descriptions 5,000), API bodies 256 KB.

For each limit and each interface (services, API, MCP, CLI, chat) the value at the limit is
accepted and one past it is refused with a message that names the limit, and the refusal leaves
every table as it was (a refused tool call leaves only its own failed journal row). SQLite and
PostgreSQL. The pages' side (task page, chat box, rename) is in ``test_limits_web.py``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa

from app.api.main import MAX_BODY_BYTES
from app.core.db import session_scope
from app.mcp_server import call_tool
from app.models.message import MESSAGE_MAX
from app.models.task import DESCRIPTION_MAX, TAG_MAX, TAGS_MAX, TITLE_MAX
from app.models.thread import THREAD_TITLE_MAX
from app.orchestration import runner
from app.services import messages as message_service
from app.services import tasks as task_service
from app.services import threads as thread_service
from app.services.errors import InvalidInputError
from tests.api.conftest import assert_error
from tests.security.world import COUNTS, assert_untouched, snapshot
from tests.utils.api_app import shared_api
from tests.utils.cli import run_cli
from tests.utils.test_client import TestClient

TAGS_AT = [f"t{i}" for i in range(TAGS_MAX - 1)] + ["y" * TAG_MAX]
OVER: dict[str, tuple[dict[str, Any], str]] = {
    "title": ({"title": "x" * (TITLE_MAX + 1)}, f"at most {TITLE_MAX}"),
    "tag count": ({"title": "t", "tags": [f"t{i}" for i in range(TAGS_MAX + 1)]}, f"at most {TAGS_MAX} tags"),
    "tag length": ({"title": "t", "tags": ["y" * (TAG_MAX + 1)]}, f"at most {TAG_MAX} characters"),
    "description": ({"title": "t", "description": "d" * (DESCRIPTION_MAX + 1)}, f"at most {DESCRIPTION_MAX}"),
}
AT = {"title": "x" * TITLE_MAX, "tags": TAGS_AT, "description": "d" * DESCRIPTION_MAX}


def test_limits_are_the_issues() -> None:
    assert (MESSAGE_MAX, TITLE_MAX, THREAD_TITLE_MAX, TAGS_MAX, TAG_MAX) == (10_000, 200, 200, 20, 32)
    assert MAX_BODY_BYTES == 256 * 1024


def _refused(engine: sa.Engine, user_id: uuid.UUID, what: str, attempt: Any, needle: str) -> str:
    """Run ``attempt()``; it must report a refusal naming ``needle`` and change nothing."""
    before = snapshot(engine)
    message = attempt()
    assert needle in message, f"{what}: {message!r} does not say {needle!r}"
    assert "Traceback" not in message
    assert_untouched(engine, before, user_id, what)
    COUNTS.add(f"limits ({engine.dialect.name})", what, 1)
    return message


def _service(call: Any) -> str:
    try:
        with session_scope() as session:
            call(session)
    except InvalidInputError as exc:
        return exc.message
    return "accepted"


def test_limits_services(app_db: sa.Engine, api_user) -> None:
    user_id, _, _ = api_user
    with session_scope() as session:
        task = task_service.create_task(session, user_id=user_id, data=AT)
        task_id = task.id
        thread = thread_service.create_thread(session, user_id=user_id, title="q" * THREAD_TITLE_MAX)
        thread_id = thread.id
        message_service.add_user_message(
            session, user_id=user_id, thread_id=thread.id, content="m" * MESSAGE_MAX
        )
    for name, (data, needle) in OVER.items():
        _refused(
            app_db,
            user_id,
            f"services create_task {name}",
            lambda data=data: _service(lambda s: task_service.create_task(s, user_id=user_id, data=data)),
            needle,
        )
        change = {k: v for k, v in data.items() if k != "title"} or data
        _refused(
            app_db,
            user_id,
            f"services update_task {name}",
            lambda change=change: _service(
                lambda s: task_service.update_task(s, user_id=user_id, task_id=task_id, data=change)
            ),
            needle,
        )
    long_title = "q" * (THREAD_TITLE_MAX + 1)
    _refused(
        app_db,
        user_id,
        "services rename_thread",
        lambda: _service(
            lambda s: thread_service.rename_thread(s, user_id=user_id, thread_id=thread_id, title=long_title)
        ),
        f"at most {THREAD_TITLE_MAX}",
    )
    _refused(
        app_db,
        user_id,
        "services create_thread",
        lambda: _service(lambda s: thread_service.create_thread(s, user_id=user_id, title=long_title)),
        f"at most {THREAD_TITLE_MAX}",
    )
    _refused(
        app_db,
        user_id,
        "services add_user_message",
        lambda: _service(
            lambda s: message_service.add_user_message(
                s, user_id=user_id, thread_id=thread_id, content="m" * (MESSAGE_MAX + 1)
            )
        ),
        "at most 10,000",
    )

    def turn() -> str:
        try:
            runner.begin_turn(user_id=user_id, text="m" * (MESSAGE_MAX + 1))
        except InvalidInputError as exc:
            return exc.message
        return "accepted"

    assert _refused(app_db, user_id, "services begin_turn (new thread)", turn, "at most 10,000").startswith(
        "That message is too long (10,001 characters"
    )


def test_limits_api(app_db: sa.Engine, api_user) -> None:
    user_id, _, token = api_user
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(shared_api()) as api:
        created = api.post("/api/tasks", json=AT, headers=auth)
        assert created.status_code == 201, created.text
        task_id = created.json()["id"]
        turn = api.post("/api/chat", json={"message": "m" * MESSAGE_MAX}, headers=auth)
        assert turn.status_code == 200, turn.text
        thread_id = turn.json()["sessionId"]
        renamed = api.patch(f"/api/threads/{thread_id}", json={"title": "q" * THREAD_TITLE_MAX}, headers=auth)
        assert renamed.status_code == 200, renamed.text

        def call(method: str, path: str, body: Any, status: int = 422) -> Any:
            def attempt() -> str:
                return assert_error(api.request(method, path, json=body, headers=auth), status)

            return attempt

        for name, (data, needle) in OVER.items():
            _refused(app_db, user_id, f"POST /api/tasks {name}", call("POST", "/api/tasks", data), needle)
            change = {k: v for k, v in data.items() if k != "title"} or data
            _refused(
                app_db,
                user_id,
                f"PATCH /api/tasks {name}",
                call("PATCH", f"/api/tasks/{task_id}", change),
                needle,
            )
        # A good field next to a bad one: neither is applied.
        mixed = {"title": "renamed", "tags": [f"t{i}" for i in range(TAGS_MAX + 1)]}
        _refused(
            app_db,
            user_id,
            "PATCH /api/tasks mixed",
            call("PATCH", f"/api/tasks/{task_id}", mixed),
            "at most 20",
        )
        title = {"title": "q" * (THREAD_TITLE_MAX + 1), "archived": True}
        _refused(
            app_db,
            user_id,
            "PATCH /api/threads title",
            call("PATCH", f"/api/threads/{thread_id}", title),
            "200",
        )
        long = "m" * (MESSAGE_MAX + 1)
        for path, body in (
            ("/api/chat", {"message": long}),
            ("/api/chat", {"message": long, "sessionId": thread_id}),
            ("/api/chat/stream", {"message": long}),
            (f"/api/{user_id}/chat", {"message": long}),
        ):
            _refused(
                app_db,
                user_id,
                f"POST {path.replace(str(user_id), '{user_id}')} message",
                call("POST", path, body),
                "10000",
            )
        big = {"title": "pay rent", "description": "x" * MAX_BODY_BYTES}
        _refused(app_db, user_id, "API body cap", call("POST", "/api/tasks", big, 413), "256 KB")


def _mcp(name: str, args: dict[str, Any], user_id: uuid.UUID) -> Any:
    def attempt() -> str:
        result = call_tool(name, args, user_id=user_id)
        assert result.is_error, result.content
        return result.content[0].text

    return attempt


def test_limits_mcp(app_db: sa.Engine, api_user) -> None:
    user_id, _, _ = api_user
    ok = call_tool("add_task", AT, user_id=user_id)
    assert not ok.is_error, ok.content
    task_id = ok.structured_content["task_id"]
    for name, (data, needle) in OVER.items():
        needle = needle if name != "title" else str(TITLE_MAX)
        _refused(app_db, user_id, f"MCP add_task {name}", _mcp("add_task", data, user_id), needle)
        change = {k: v for k, v in data.items() if k != "title"} or data
        _refused(
            app_db,
            user_id,
            f"MCP update_task {name}",
            _mcp("update_task", {"task_id": task_id, **change}, user_id),
            needle,
        )


def test_limits_cli(app_db: sa.Engine, api_user, capsys) -> None:
    user_id, email, _ = api_user
    add = ["tasks", "add", "--user", email]
    code, out, err = run_cli([*add, "--title", "x" * TITLE_MAX, "--tags", ",".join(TAGS_AT)], capsys)
    assert (code, err) == (0, ""), err
    assert json.loads(out)["tags"] == TAGS_AT

    def cli_error(argv: list[str]) -> Any:
        def attempt() -> str:
            code, out, err = run_cli(argv, capsys)
            assert (code, out) == (1, ""), (code, out)
            assert err.startswith("error: "), err
            assert err.count("\n") == 1, err
            return err

        return attempt

    for name, argv in {
        "title": [*add, "--title", "x" * (TITLE_MAX + 1)],
        "tag count": [*add, "--title", "t", "--tags", ",".join(f"t{i}" for i in range(TAGS_MAX + 1))],
        "tag length": [*add, "--title", "t", "--tags", "y" * (TAG_MAX + 1)],
        "description": [*add, "--title", "t", "--description", "d" * (DESCRIPTION_MAX + 1)],
    }.items():
        _refused(app_db, user_id, f"CLI tasks add {name}", cli_error(argv), OVER[name][1])

    def chat() -> str:
        code, out, _err = run_cli(
            ["chat", "--user", email, "--json"], capsys, stdin="m" * (MESSAGE_MAX + 1) + "\n"
        )
        assert code == 0
        line = json.loads(out)
        assert line["error"] == "invalid"
        return line["reply"]

    _refused(app_db, user_id, "CLI chat message", chat, "at most 10,000")


def test_limits_chat(app_db: sa.Engine, api_user) -> None:
    """Through the assistant: the turn is answered with the limit, and no task is stored."""
    user_id, _, _ = api_user
    asks = {
        "title": ("add " + "x" * (TITLE_MAX + 1), str(TITLE_MAX)),
        "tag count": (
            "add buy milk " + " ".join(f"#t{i}" for i in range(TAGS_MAX + 1)),
            f"at most {TAGS_MAX} tags",
        ),
        "tag length": ("add buy milk #" + "y" * (TAG_MAX + 1), f"at most {TAG_MAX} characters"),
    }
    for name, (text, needle) in asks.items():
        before = snapshot(app_db)
        result = runner.run_turn(user_id=user_id, text=text)
        assert result.status == "completed"
        assert needle in result.reply, result.reply
        assert result.reply.startswith("I couldn't add that.")
        after = snapshot(app_db)
        assert after["tasks"] == before["tasks"], f"chat {name} stored a task"
        COUNTS.add(f"limits ({app_db.dialect.name})", f"chat {name}", 1)
    ok = runner.run_turn(user_id=user_id, text="add " + "w" * TITLE_MAX)
    assert ok.tool_calls[0]["result"]["status"] == "created"
