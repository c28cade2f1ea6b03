"""Your data, from the outside: the CLI export and the /api/me routes, with the sessions they end.

Runs on SQLite and PostgreSQL through the real API (``create_api()``), real tokens and the
real agent; nothing of ours is mocked.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from app.cli import main as cli_main
from app.core.db import session_scope
from app.models import User
from app.services import account
from app.services.throttle import sign_in_throttle
from tests.api.conftest import (
    PASSWORD,
    ApiUser,
    assert_error,
    chat,
    create_task,
    point_app_at,
    register,
    release_app,
    sign_in,
)
from tests.utils.api_app import shared_api
from tests.utils.test_client import TestClient

NEW_PASSWORD = "battery-staple-77"


@pytest.fixture
def api(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    point_app_at(engine.url.render_as_string(hide_password=False), monkeypatch)
    sign_in_throttle.reset()
    account.password_throttle.reset()
    try:
        with TestClient(shared_api()) as client:
            yield client
    finally:
        account.password_throttle.reset()
        sign_in_throttle.reset()
        release_app()


def new_user(api: TestClient) -> ApiUser:
    user_id, email = register()
    return ApiUser(id=user_id, email=email, token=sign_in(api, email))


def other_session(api: TestClient, user: ApiUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {sign_in(api, user.email)}"}


def delete(api: TestClient, path: str, user: ApiUser | dict[str, str], body: dict[str, Any]):
    headers = user.headers if isinstance(user, ApiUser) else user
    return api.request("DELETE", path, json=body, headers=headers)


def test_cli_export_prints_json_or_writes_a_private_file(api, tmp_path, capsys):
    ann = new_user(api)
    chat(api, ann, "add pay rent tomorrow, high priority")
    assert cli_main(["export", "--user", ann.email]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["profile"]["email"] == ann.email
    assert [t["title"] for t in data["tasks"]] == ["pay rent"]
    assert data["messages"][0]["content"] == "add pay rent tomorrow, high priority"
    assert "hashed_password" not in json.dumps(data)

    out = tmp_path / "mine.json"
    assert cli_main(["export", "--user", ann.email, "--output", str(out)]) == 0
    assert json.loads(out.read_text())["profile"]["id"] == str(ann.id)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600

    assert cli_main(["export", "--user", "nobody@example.com"]) == 1
    assert "No user with email nobody@example.com" in capsys.readouterr().err


def test_api_export_is_the_callers_data_only(api):
    ann, bob = new_user(api), new_user(api)
    chat(api, ann, "add pay rent tomorrow")
    chat(api, bob, "add walk the dog")
    resp = api.get("/api/me/export", headers=ann.headers)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-disposition"].startswith('attachment; filename="ticked-data-')
    data = resp.json()
    assert data["profile"]["email"] == ann.email
    assert [t["title"] for t in data["tasks"]] == ["pay rent"]
    assert "walk the dog" not in resp.text
    assert_error(api.get("/api/me/export"), 401)


def test_api_password_change_ends_other_sessions_only(api):
    ann = new_user(api)
    laptop = other_session(api, ann)
    msg = assert_error(
        api.post(
            "/api/me/password",
            json={"current_password": "wrong-password", "new_password": NEW_PASSWORD},
            headers=ann.headers,
        ),
        403,
    )
    assert "current password" in msg
    assert api.get("/api/tasks", headers=laptop).status_code == 200
    assert_error(
        api.post(
            "/api/me/password",
            json={"current_password": PASSWORD, "new_password": "short"},
            headers=ann.headers,
        ),
        422,
    )

    resp = api.post(
        "/api/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=ann.headers,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"ok": True, "signed_out_sessions": 1}
    assert api.get("/api/tasks", headers=ann.headers).status_code == 200  # this session goes on
    assert_error(api.get("/api/tasks", headers=laptop), 401)  # the other one is refused
    assert_error(api.post("/api/auth/token", json={"email": ann.email, "password": PASSWORD}), 401)
    assert sign_in(api, ann.email, NEW_PASSWORD)


def test_api_delete_all_chats_keeps_tasks(api):
    ann, bob = new_user(api), new_user(api)
    reply = chat(api, ann, "add pay rent tomorrow")
    chat(api, bob, "add walk the dog")
    create_task(api, ann, title="renew passport")

    msg = assert_error(delete(api, "/api/me/chats", ann, {"password": "nope-nope"}), 403)
    assert "Nothing was deleted" in msg
    assert len(api.get("/api/threads", headers=ann.headers).json()["data"]) == 1

    resp = delete(api, "/api/me/chats", ann, {"password": PASSWORD})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"ok": True, "threads": 1, "messages": 2}
    assert api.get("/api/threads", headers=ann.headers).json()["data"] == []
    assert_error(api.get(f"/api/threads/{reply['sessionId']}/messages", headers=ann.headers), 404)
    titles = sorted(t["title"] for t in api.get("/api/tasks", headers=ann.headers).json()["data"])
    assert titles == ["pay rent", "renew passport"]
    assert len(api.get("/api/threads", headers=bob.headers).json()["data"]) == 1
    assert api.get("/api/tasks", headers=ann.headers).status_code == 200  # still signed in


def test_api_delete_account_ends_every_session(api):
    ann, bob = new_user(api), new_user(api)
    chat(api, ann, "add pay rent tomorrow")
    laptop = other_session(api, ann)

    assert_error(delete(api, "/api/me", ann, {"password": "nope-nope"}), 403)
    assert_error(delete(api, "/api/me", ann, {}), 422)
    assert api.get("/api/tasks", headers=ann.headers).status_code == 200

    resp = delete(api, "/api/me", ann, {"password": PASSWORD})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"ok": True}
    for headers in (ann.headers, laptop):
        assert_error(api.get("/api/tasks", headers=headers), 401)
        assert_error(api.get("/api/me/export", headers=headers), 401)
    assert_error(api.post("/api/auth/token", json={"email": ann.email, "password": PASSWORD}), 401)
    with session_scope() as session:
        assert session.get(User, ann.id) is None
    assert api.get("/api/tasks", headers=bob.headers).status_code == 200


def test_api_password_guesses_are_throttled(api):
    ann = new_user(api)
    for _ in range(5):
        assert_error(delete(api, "/api/me/chats", ann, {"password": "guess-guess"}), 403)
    msg = assert_error(delete(api, "/api/me", ann, {"password": PASSWORD}), 429)
    assert "Too many wrong passwords" in msg
    with session_scope() as session:
        assert session.get(User, ann.id) is not None
