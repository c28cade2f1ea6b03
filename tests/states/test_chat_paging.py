"""The chat page's paging (the sidebar's "more conversations" and "load earlier") on a real database.

The page's database work is plain functions run in worker threads; these call them directly with
a session, on SQLite and PostgreSQL, and page to the end: every row exactly once, in order.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from app.models import Message, Thread
from app.states import chat
from tests.utils.factories import quick_user

BASE = datetime(2025, 3, 1, tzinfo=UTC)


def test_sidebar_pages_show_every_thread_once(session):
    user = quick_user(session)
    rows = [
        Thread(user_id=user.id, title=f"T{i}", updated_at=BASE + timedelta(seconds=i // 3), created_at=BASE)
        for i in range(2 * chat.PAGE_SIZE + 5)
    ]
    session.add_all(rows)
    session.commit()
    shown: list[str] = []
    page = chat._thread_page(session, user.id, False, "", "")
    shown += [v.id for v in page.views]
    while page.has_more:
        assert len(page.views) == chat.PAGE_SIZE
        page = chat._thread_page(session, user.id, False, "", page.cursor)
        shown += [v.id for v in page.views]
    assert shown == [str(t.id) for t in sorted(rows, key=lambda t: (t.updated_at, t.id), reverse=True)]


def test_load_earlier_shows_every_message_once(session):
    user = quick_user(session)
    thread = Thread(user_id=user.id, title="long")
    session.add(thread)
    session.flush()
    rows = [
        Message(
            thread_id=thread.id,
            user_id=user.id,
            role="user" if i % 2 == 0 else "assistant",
            content=f"m{i}",
            created_at=BASE + timedelta(seconds=i // 3),
        )
        for i in range(2 * chat.MESSAGES_PAGE + 5)
    ]
    session.add_all(rows)
    session.commit()
    opened = chat._open(session, user.id, str(thread.id))
    assert opened is not None
    shown, more = opened.messages, opened.has_earlier
    while more:
        first = shown[0]
        before = (datetime.fromisoformat(first.created_at), uuid.UUID(first.id))
        earlier, more = chat._earlier(session, user.id, str(thread.id), before)
        assert earlier
        shown = earlier + shown
    assert [m.id for m in shown] == [str(m.id) for m in sorted(rows, key=lambda m: (m.created_at, m.id))]
