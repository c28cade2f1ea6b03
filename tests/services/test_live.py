"""Live changes: a committed change to a shared project is published with the people concerned.

Real databases (SQLite and PostgreSQL) and, for several instances, the real Redis on
127.0.0.1:6379: a subscriber sees what another connection commits.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from app.core.config import get_settings
from app.services import live, projects, tasks
from tests.utils.factories import quick_user


def _commit(engine: sa.Engine, change: Callable[[Session], Any], *, rollback: bool = False) -> None:
    with Session(engine, expire_on_commit=False) as session:
        change(session)
        if rollback:
            session.rollback()
        else:
            session.commit()


def _next_message(
    engine: sa.Engine, *changes: tuple[Callable[[Session], Any], bool], tab: str = ""
) -> dict[str, Any]:
    """The first message a subscriber gets while ``changes`` run (each committed or rolled back;
    ``tab``: as that tab's event, :func:`live.from_tab`)."""

    async def scenario() -> dict[str, Any]:
        stream = live.subscribe()
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.05)  # subscribed (locally at once; Redis needs a round trip)
        for change, rollback in changes:
            await asyncio.to_thread(live.from_tab, tab, _commit, engine, change, rollback=rollback)
        try:
            return await asyncio.wait_for(first, 5)
        finally:
            await stream.aclose()

    return asyncio.run(scenario())


@pytest.fixture
def team(session: Session) -> dict[str, Any]:
    alice, bob = quick_user(session), quick_user(session)
    project = projects.create_project(session, user_id=alice.id, name="Groceries")
    projects.share_project(session, user_id=alice.id, project_id=project.id, email=bob.email)
    task = tasks.create_task(session, user_id=alice.id, data={"title": "milk", "project_id": project.id})
    session.commit()
    return {"alice": alice.id, "bob": bob.id, "project": project.id, "task": task.id}


def test_a_change_to_a_shared_project_is_published_to_every_member_after_commit(engine, team):
    message = _next_message(
        engine, (lambda s: tasks.complete_task(s, user_id=team["bob"], task_id=team["task"]), False)
    )
    assert set(message["users"]) == {str(team["alice"]), str(team["bob"])}
    assert message["projects"] == [str(team["project"])]


def test_a_change_made_as_a_tabs_event_names_that_tab(engine, team):
    """The chat page shows what its own turn or click changed; the message names its tab, so the
    listeners refresh every other tab concerned but not that one."""

    def complete(s: Session) -> Any:
        return tasks.complete_task(s, user_id=team["bob"], task_id=team["task"])

    message = _next_message(engine, (complete, False), tab="tab-of-bob")
    assert message["origin"] == "tab-of-bob"
    assert message["users"] == sorted([str(team["alice"]), str(team["bob"])])
    reopen = _next_message(
        engine, (lambda s: tasks.reopen_task(s, user_id=team["bob"], task_id=team["task"]), False)
    )
    assert "origin" not in reopen
    assert live.ORIGIN.get() is None


def test_changes_in_savepoints_are_all_told_at_the_commit(engine, team):
    """Each tool call of a turn runs in a savepoint (the registry); the one message after the
    commit names the people of every change, not only of the last savepoint's, and a savepoint
    rolled back drops none of them (both were so: the savepoint's release and rollback ran the
    commit's and the rollback's hooks)."""
    carol = uuid.uuid4()

    def two_tools(s: Session) -> None:
        with s.begin_nested():
            tasks.complete_task(s, user_id=team["bob"], task_id=team["task"])
        with s.begin_nested():
            live.touch(s, users=[carol])
        refused = s.begin_nested()  # a third call, refused: its savepoint rolls back, the rest stands
        refused.rollback()

    message = _next_message(engine, (two_tools, False))
    assert set(message["users"]) == {str(team["alice"]), str(team["bob"]), str(carol)}
    assert message["projects"] == [str(team["project"])]


def test_a_rolled_back_change_publishes_nothing(engine, team):
    message = _next_message(
        engine,
        (
            lambda s: tasks.update_task(s, user_id=team["alice"], task_id=team["task"], data={"title": "x"}),
            True,
        ),
        (lambda s: tasks.complete_task(s, user_id=team["alice"], task_id=team["task"]), False),
    )
    assert message["projects"] == [str(team["project"])]
    with Session(engine) as session:  # the message is the commit's: the title stayed, the task is done
        task = tasks.get_task(session, user_id=team["alice"], task_id=team["task"])
        assert (task.title, task.completed) == ("milk", True)


def test_a_removed_member_is_told_although_no_longer_a_member(engine, team):
    message = _next_message(
        engine,
        (
            lambda s: projects.remove_member(
                s, user_id=team["alice"], project_id=team["project"], member_id=team["bob"]
            ),
            False,
        ),
    )
    assert str(team["bob"]) in message["users"]


def test_a_personal_change_tells_only_its_owner(engine, session):
    carol = quick_user(session)
    message = _next_message(
        engine, (lambda s: tasks.create_task(s, user_id=carol.id, data={"title": "mine"}), False)
    )
    assert message["users"] == [str(carol.id)]


@pytest.fixture
def redis_url(monkeypatch: pytest.MonkeyPatch):
    import redis

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:  # the machine's Redis is part of the test setup
        pytest.fail(f"Redis at {url} is not reachable: {exc}")
    monkeypatch.setenv("REDIS_URL", url)
    get_settings.cache_clear()
    yield url
    monkeypatch.undo()
    get_settings.cache_clear()


def test_with_redis_every_subscriber_gets_each_message(redis_url):
    """Two subscribers (two instances) both get a message published through Redis."""
    marker = {"users": [str(uuid.uuid4())], "projects": []}

    async def first_marker(stream: Any) -> dict[str, Any]:
        async for message in stream:  # other instances on this Redis may be talking too
            if message == marker:
                return message
        raise AssertionError("the stream ended")

    async def scenario() -> list[dict[str, Any]]:
        streams = [live.subscribe(), live.subscribe()]
        waits = [asyncio.ensure_future(first_marker(s)) for s in streams]
        await asyncio.sleep(0.3)  # both subscriptions are in place
        await asyncio.to_thread(live.publish, marker)
        try:
            return list(await asyncio.wait_for(asyncio.gather(*waits), 5))
        finally:
            for stream in streams:
                await stream.aclose()

    assert asyncio.run(scenario()) == [marker, marker]
