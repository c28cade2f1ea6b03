"""Live changes: after a transaction that changed a shared project commits, tell every instance
whose people must see it (issue 16: a teammate's change shows on open pages within 2 s).

How it works, in one place:

- The journal (:func:`app.services.operations.record_change`) calls :func:`touch` with the
  project a change happened in, and with anyone it concerns beyond the members (a removed member).
- Before the commit, the members of each touched project are read in the same transaction
  (a removed member is named explicitly: they are no longer a member when the commit lands); an
  Inbox the session holds is personal, so its owner is its member without a read.
- After the commit (never after a rollback), one message ``{"users": [...], "projects": [...]}``
  is published: on Redis channel :data:`CHANNEL` when ``REDIS_URL`` is set, so every instance
  gets it; otherwise to this process's subscribers only (one instance).
- Each instance's listener (:mod:`app.states.live`) refreshes the open tabs of those users that
  are connected to it; their pages re-read the database through the services, so what a tab
  shows is decided by membership at that moment (a removed member's page loses the project).
- A page event that shows everything its change alters on its own tab (the chat page's turn and
  click: the cards, the nav's Today count) runs its database work :func:`from_tab`; the message
  then names that tab (``"origin"``, its Reflex client token) and the listeners leave it out: its
  other tabs and the teammates' are refreshed, the tab that already shows the change is not read
  again (issue 19: that re-read cost a click under a burst a third more).

The message holds ids only, never task content. A failure to publish is logged and never fails
the change that was already committed.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import col, select

from app.core.config import get_settings
from app.core.db import in_session
from app.models import Membership, Project

logger = logging.getLogger(__name__)

CHANNEL = "ticked:live"
_PROJECTS = "live_projects"
_USERS = "live_users"
_READY = "live_message"

T = TypeVar("T")

ORIGIN: contextvars.ContextVar[str | None] = contextvars.ContextVar("live_origin", default=None)
"""The tab (Reflex client token) whose event makes the changes committed in this context and shows
what they alter itself (:func:`from_tab`)."""


def from_tab(tab: str, work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``work(*args, **kwargs)`` as the event of the tab ``tab``, which shows what its changes alter
    on that tab itself: the live messages of its commits leave that tab out (see the module)."""
    reset = ORIGIN.set(tab or None)
    try:
        return work(*args, **kwargs)
    finally:
        ORIGIN.reset(reset)


def touch(
    session: OrmSession, *, project_id: uuid.UUID | None = None, users: Iterable[uuid.UUID] = ()
) -> None:
    """Note that this transaction changes ``project_id`` (its members are told after the commit),
    and that ``users`` must be told as well."""
    if project_id is not None:
        session.info.setdefault(_PROJECTS, set()).add(project_id)
    session.info.setdefault(_USERS, set()).update(users)


@event.listens_for(OrmSession, "before_commit")
def _gather(session: OrmSession) -> None:
    if session.in_nested_transaction():  # a savepoint's release (a tool call): the commit tells all
        return
    projects: set[uuid.UUID] = session.info.pop(_PROJECTS, set())
    users: set[uuid.UUID] = session.info.pop(_USERS, set())
    if not projects and not users:
        return
    if projects:
        session.flush()
        unknown = []
        for pid in projects:
            project = in_session(session, Project, pid)
            if project is not None and project.is_inbox:  # personal: its owner is its one member
                users.add(project.owner_id)
            else:
                unknown.append(pid)
        if unknown:
            users |= set(
                session.execute(
                    select(Membership.user_id).where(col(Membership.project_id).in_(unknown))
                ).scalars()
            )
    message: dict[str, Any] = {"users": sorted(map(str, users)), "projects": sorted(map(str, projects))}
    origin = ORIGIN.get()
    if origin:
        message["origin"] = origin
    session.info[_READY] = message


@event.listens_for(OrmSession, "after_commit")
def _send(session: OrmSession) -> None:
    if session.in_nested_transaction():
        return
    message = session.info.pop(_READY, None)
    if message:
        publish(message)


@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    if session.in_nested_transaction():  # a savepoint rolled back (a refused tool call): the rest stands
        return
    for key in (_PROJECTS, _USERS, _READY):
        session.info.pop(key, None)


# --- transport ------------------------------------------------------------------------------------

_local: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]] = []
_local_lock = threading.Lock()
_redis_clients: dict[str, Any] = {}


def _redis() -> Any:
    url = get_settings().redis_url
    if not url:
        return None
    if url not in _redis_clients:
        import redis

        _redis_clients[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return _redis_clients[url]


def publish(message: dict[str, Any]) -> None:
    """Send ``message`` to every instance (Redis) or to this process's listeners (no Redis)."""
    try:
        client = _redis()
        if client is not None:
            client.publish(CHANNEL, json.dumps(message))
            return
    except Exception:  # the change is committed already: a missed push only delays a refresh
        logger.warning("could not publish a live change", exc_info=True)
        return
    with _local_lock:
        listeners = list(_local)
    for loop, queue in listeners:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, message)
        except RuntimeError:  # that loop has closed
            continue


async def subscribe() -> AsyncIterator[dict[str, Any]]:
    """Every message published from now on, from any instance (Redis) or this process."""
    url = get_settings().redis_url
    if url:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(url)
        pubsub = client.pubsub()
        await pubsub.subscribe(CHANNEL)
        try:
            async for raw in pubsub.listen():
                if raw.get("type") != "message":
                    continue
                try:
                    yield json.loads(raw["data"])
                except (ValueError, TypeError):
                    logger.warning("ignored a malformed live message")
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]
            await client.aclose()
        return
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    entry = (asyncio.get_running_loop(), queue)
    with _local_lock:
        _local.append(entry)
    try:
        while True:
            yield await queue.get()
    finally:
        with _local_lock:
            _local.remove(entry)
