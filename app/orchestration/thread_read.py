"""Reading a conversation: the thread and a page of its messages with their widgets, in one call.

One function for every reader: the chat page opening a conversation (and "Load earlier"),
``GET /api/threads/{id}?messages=N`` and ``GET /api/threads/{id}/messages``. Each shapes the same
read into its own form (page views, API schemas), so a message reads the same everywhere, cards
as they are now (``live_cards``), and another user's thread is "not found" like a missing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.models import Message, Widget
from app.orchestration import live_cards
from app.services import messages as message_service
from app.services import threads as thread_service
from app.services import widgets as widget_service


@dataclass(frozen=True)
class ThreadRead:
    """A thread and, when asked for, its newest messages (oldest first) before a cursor."""

    thread: thread_service.ThreadRow
    page: message_service.MessagePage = field(
        default_factory=lambda: message_service.MessagePage(messages=[], has_earlier=False)
    )
    """The messages (``page.messages``), whether earlier ones remain, and where they end."""
    widgets: dict[uuid.UUID, list[Widget]] = field(default_factory=dict)
    """Each message's widgets, in creation order."""
    live: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each widget's payload as it reads now, by widget id (show this, not the stored payload)."""

    @property
    def messages(self) -> list[message_service.MessageRow]:
        return self.page.messages


def read_thread(
    session: Session,
    *,
    user_id: uuid.UUID,
    thread_id: uuid.UUID | str,
    messages: int,
    before: tuple[datetime, uuid.UUID] | None = None,
    shown: bool = False,
) -> ThreadRead:
    """The user's thread with its newest ``messages`` (0: none; else 1-200) before ``before``.

    ``shown``: the messages are being displayed to the person (the chat page), so their widgets
    shown for the first time become ``rendered``. Raises ``NotFoundError`` for a thread that is
    missing or someone else's (one answer for both).
    """
    if messages == 0:
        return ThreadRead(thread=thread_service.get_thread_row(session, user_id=user_id, thread_id=thread_id))
    thread, page = message_service.thread_with_page(
        session, user_id=user_id, thread_id=thread_id, limit=messages, before=before
    )
    widgets, live = widgets_of(session, user_id=user_id, rows=page.messages, shown=shown)
    return ThreadRead(thread, page, widgets, live)


def widgets_of(
    session: Session,
    *,
    user_id: uuid.UUID,
    rows: Sequence[Message | message_service.MessageRow],
    shown: bool = False,
    known: Mapping[str, dict[str, Any]] | None = None,
    held: dict[uuid.UUID, list[Widget]] | None = None,
) -> tuple[dict[uuid.UUID, list[Widget]], dict[str, dict[str, Any]]]:
    """The widgets of these (the user's) messages by message id, and each one's payload as it
    reads now by widget id; ``shown`` as in :func:`read_thread`. ``known``: payloads already read
    as they are now, by widget id (a turn's own cards, read as it stored them), not read again.
    ``held``: the messages' widgets when the caller holds them all (a turn's, stored just now in
    this transaction): they are not read."""
    widgets = (
        held
        if held is not None
        else widget_service.widgets_for_messages(session, message_ids=[m.id for m in rows])
    )
    every = [w for ws in widgets.values() for w in ws]
    if shown:
        fresh = [w.id for w in every if w.state == "pending"]
        widget_service.mark_rendered(session, user_id=user_id, widget_ids=fresh)
    known = known or {}
    live = {w.id: known[w.id] for w in every if w.id in known}
    unread = [w for w in every if w.id not in live]
    return widgets, live | live_cards.live_payloads(session, user_id=user_id, widgets=unread)
