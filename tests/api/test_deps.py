"""The request's one transaction (``SessionDep``) and its user (``CurrentUser``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from app.core.db import get_engine
from app.models import Task
from tests.utils.test_client import TestClient


@pytest.fixture
def transactions() -> Iterator[list[str]]:
    """Every transaction the app's engine begins while the test runs."""
    begun: list[str] = []
    engine = get_engine()

    def on_begin(conn: sa.Connection) -> None:
        begun.append("begin")

    sa.event.listen(engine, "begin", on_begin)
    try:
        yield begun
    finally:
        sa.event.remove(engine, "begin", on_begin)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/tasks", None),
        ("post", "/api/tasks", {"title": "Pay rent"}),
        ("get", "/api/threads", None),
        ("get", "/api/me/export", None),
    ],
)
def test_a_request_reads_its_user_and_its_data_in_one_transaction(
    api: TestClient, make_user: Callable, transactions: list[str], method: str, path: str, body: dict | None
):
    user = make_user()
    transactions.clear()
    resp = api.request(method, path, json=body, headers=user.headers)
    assert resp.status_code in (200, 201), resp.text
    assert transactions == ["begin"]


def test_the_change_is_committed_when_the_response_arrives(api: TestClient, make_user: Callable):
    user = make_user()
    created = api.post("/api/tasks", json={"title": "Pay rent"}, headers=user.headers).json()
    with Session(get_engine()) as session:
        task = session.get(Task, uuid.UUID(created["id"]))
        assert task is not None
        assert task.title == "Pay rent"
