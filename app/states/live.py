"""Live pages: when a teammate changes a shared project, the open tabs of its members refresh.

:mod:`app.services.live` publishes, after each commit that touched a project, the ids of the
people concerned (every instance gets it through Redis when ``REDIS_URL`` is set). This module is
each instance's side of it:

- :meth:`LiveState.watch` (an ``on_load`` of the signed-in pages) remembers which person a tab
  of this instance belongs to (:data:`TAB_USERS`, by Reflex client token);
- :func:`listen` (a lifespan task) takes the messages, gathers those arriving within
  :data:`COALESCE_SECONDS` (a bulk change is one refresh), and for each tab of a concerned person
  that is connected to this instance calls the ``live_refresh`` of the page states in
  :data:`REFRESHED` through ``app.modify_state``: the page re-reads what it shows through the
  services (membership decides at that moment), and Reflex sends the tab the difference.

A tab's own change refreshes its other tabs too. The tab that made it is left out when its event
showed the whole change itself (the message's ``origin``, :func:`app.services.live.from_tab`);
otherwise it gets an idempotent re-read.

A tab's refresh is one state lock and one token check for all its page states (the sign-in state
checks it; the others are told it is checked, :func:`app.states.auth.checked_token`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterable
from typing import Any

import reflex as rx
from reflex.event import Event
from reflex.state import StateUpdate

from app.services import live
from app.states.auth import AuthState, checked_token, current_user_id

logger = logging.getLogger(__name__)

COALESCE_SECONDS = 0.15
TAB_USERS: dict[str, uuid.UUID] = {}
"""Client token -> signed-in person, for the tabs that loaded a page on this instance."""
REFRESHED: list[type[rx.State]] = []
"""Page states with an ``async live_refresh(self)`` (registered by :func:`refreshes`)."""


def refreshes(cls: type[rx.State]) -> type[rx.State]:
    """Register a page state whose ``live_refresh`` re-reads what its page shows."""
    if cls not in REFRESHED:
        REFRESHED.append(cls)
    return cls


class LiveState(rx.State):
    """Which person this tab belongs to, for the live listener of this instance."""

    @rx.event
    async def watch(self):
        token = self.router.session.client_token
        user_id = await current_user_id(self)
        if user_id is None:
            TAB_USERS.pop(token, None)
        else:
            TAB_USERS[token] = user_id


def _connected_here(app: Any) -> set[str]:
    manager = app.event_namespace._token_manager
    return {
        token
        for token, record in list(manager.token_to_socket.items())
        if record.instance_id == manager.instance_id
    }


def tabs_to_refresh(messages: Iterable[dict[str, Any]], connected: set[str]) -> set[str]:
    """The connected tabs these messages concern; a tab only its own changes concern (messages
    naming it their ``origin``) is left out. The tabs are looked up once per batch, by person (a
    burst of 200 clicks is one batch of 200 messages)."""
    by_user: dict[str, list[str]] = {}
    for token, user_id in list(TAB_USERS.items()):
        if token not in connected:
            TAB_USERS.pop(token, None)
        else:
            by_user.setdefault(str(user_id), []).append(token)
    tabs: set[str] = set()
    for message in messages:
        origin = message.get("origin")
        for user in message.get("users") or ():
            tabs.update(t for t in by_user.get(user, ()) if t != origin)
    return tabs


async def refresh_tab(app: Any, token: str) -> None:
    """Call ``live_refresh`` on each registered page state of one tab, under one lock of its state
    and after one check of its token; events one returns (as an event handler would) are sent to
    the tab to run (a session that ended goes to sign-in)."""
    events: list[Any] = []
    try:
        async with app.modify_state(rx.BaseStateToken(ident=token, cls=AuthState)) as root:
            auth = await root.get_state(AuthState)
            user_id = await auth.acting_user_id()
            with checked_token(auth.token, user_id):
                for cls in REFRESHED:
                    try:
                        state = await root.get_state(cls)
                        found = await state.live_refresh()
                    except Exception:  # one page state's failure must not stop the others'
                        logger.warning("live refresh of a tab failed", exc_info=True)
                        continue
                    if found:
                        events.extend(found if isinstance(found, list) else [found])
    except Exception:  # one tab's failure must not stop the others' refresh
        logger.warning("live refresh of a tab failed", exc_info=True)
        return
    if events:
        update = StateUpdate(events=Event.from_event_type(events))
        await app.event_namespace.emit_update(update=update, token=token)


async def _pump(queue: asyncio.Queue[dict[str, Any]]) -> None:
    """Feed ``queue`` from the live channel, subscribing again (after a pause) if it breaks."""
    while True:
        try:
            async for message in live.subscribe():
                queue.put_nowait(message)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("the live channel broke; subscribing again in 1 s", exc_info=True)
        await asyncio.sleep(1)


async def listen(app: Any) -> None:
    """The lifespan task (Reflex passes its ``rx.App`` as ``app``): refresh the concerned tabs of this
    instance after each change."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    pump = asyncio.create_task(_pump(queue))
    try:
        while True:
            messages = [await queue.get()]
            await asyncio.sleep(COALESCE_SECONDS)  # a burst of changes: one refresh
            while not queue.empty():
                messages.append(queue.get_nowait())
            tabs = tabs_to_refresh(messages, _connected_here(app))
            await asyncio.gather(*(refresh_tab(app, token) for token in tabs))
    finally:
        pump.cancel()
