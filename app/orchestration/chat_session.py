"""The chat page's use cases without the page: the sidebar's list and its changes, opening a
conversation and paging back through it, the first steps of a turn, and a widget click.

Each is a plain function of the acting user's id (``user_id``, keyword-only) that returns plain
data (the read models of ``app.views``), in one transaction of its own: the Reflex state runs it in
a database thread and only copies the result into its vars, so the rules live here, testable
without a browser, and the state keeps only what a tab needs (the token, streaming, the reveal).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.agent import registry
from app.core.db import session_scope
from app.models import Message, Widget
from app.orchestration import live_cards, runner, thread_read, widget_actions
from app.services import messages as message_service
from app.services import threads as thread_service
from app.services import widgets as widget_service
from app.services.errors import ServiceError
from app.views.chat import MessageView, ThreadView, message_view, thread_views
from app.views.daily import today_count
from app.views.widget import WNode, to_view

PAGE_SIZE = 30
"""Conversations per sidebar page ("Load more" asks for the next)."""
MESSAGES_PAGE = 50
"""Messages shown when a conversation opens, and per "Load earlier"."""


@dataclass(frozen=True)
class SidebarFilter:
    """What the sidebar lists: active or archived conversations, optionally matching a search."""

    archived: bool = False
    search: str = ""


@dataclass
class ThreadPage:
    """One page of the sidebar; ``cursor`` (empty on an empty page) asks for the next one."""

    views: list[ThreadView]
    has_more: bool
    cursor: str


@dataclass
class OpenThread:
    """A conversation as it opens: its header and its latest messages."""

    thread_id: str
    title: str
    archived: bool
    messages: list[MessageView]
    has_earlier: bool


@dataclass
class ChatPage:
    """What the chat page shows on load: the sidebar and the asked-for (or last) conversation."""

    sidebar: ThreadPage
    opened: OpenThread | None


@dataclass
class MessagePage:
    """Messages before the first one shown, oldest first."""

    messages: list[MessageView]
    has_earlier: bool


@dataclass
class AfterChange:
    """What else a change alters on the page that made it, read after it: the other cards it shows
    (rows follow their tasks; a question answered meanwhile is settled) and, when tasks changed,
    the nav's Today count (None: not read). The page's event shows these itself, so the live
    refresh leaves its tab out (``app.services.live.from_tab``)."""

    cards: list[WNode] = field(default_factory=list)
    today: int | None = None


@dataclass
class Begun:
    """A stored turn; ``result``, ``views`` and ``after`` (the cards shown before it, as they read
    after it) are set when it was answered at once (local agent)."""

    start: runner.TurnStart
    result: runner.TurnResult | None = None
    views: list[MessageView] = field(default_factory=list)
    after: AfterChange = field(default_factory=AfterChange)


@dataclass
class ActionDone:
    """A widget click: a browser-side action to run (``client``), or the widget's new version and,
    after a click that ran, the page's other cards as they read now (``after``)."""

    client: dict[str, Any] | None = None
    error: str = ""
    widget: WNode | None = None
    after: AfterChange = field(default_factory=AfterChange)


# ----- the sidebar ----------------------------------------------------------------------------


def thread_page(
    *, user_id: uuid.UUID, listing: SidebarFilter = SidebarFilter(), after: str = ""
) -> ThreadPage:
    """The sidebar's page after ``after`` (a previous page's cursor; empty for the first)."""
    with session_scope() as session:
        return _thread_page(session, user_id, listing, after)


def rename_thread(*, user_id: uuid.UUID, thread_id: str, title: str, listing: SidebarFilter) -> ThreadPage:
    """Rename a conversation; the sidebar's first page as it is now (one transaction)."""
    with session_scope() as session:
        thread_service.rename_thread(session, user_id=user_id, thread_id=thread_id, title=title)
        return _thread_page(session, user_id, listing, "")


def archive_thread(
    *, user_id: uuid.UUID, thread_id: str, archived: bool, listing: SidebarFilter
) -> ThreadPage:
    """Archive or restore a conversation; the sidebar's first page as it is now."""
    with session_scope() as session:
        thread_service.set_archived(session, user_id=user_id, thread_id=thread_id, archived=archived)
        return _thread_page(session, user_id, listing, "")


def delete_thread(*, user_id: uuid.UUID, thread_id: str, listing: SidebarFilter) -> ThreadPage:
    """Delete a conversation and its messages; the sidebar's first page as it is now."""
    with session_scope() as session:
        thread_service.delete_thread(session, user_id=user_id, thread_id=thread_id)
        return _thread_page(session, user_id, listing, "")


def _thread_page(session: Session, user_id: uuid.UUID, listing: SidebarFilter, after: str) -> ThreadPage:
    position = thread_service.ThreadCursor.decode(after) if after else None
    page = thread_service.page_threads(
        session,
        user_id=user_id,
        archived=listing.archived,
        search=listing.search or None,
        limit=PAGE_SIZE,
        after=position,
    )
    last = page.threads[-1] if page.threads else None
    cursor = thread_service.ThreadCursor(last.updated_at, last.id).encode() if last else ""
    return ThreadPage(views=thread_views(page.threads), has_more=page.has_more, cursor=cursor)


# ----- the open conversation ------------------------------------------------------------------


def chat_page(*, user_id: uuid.UUID, wanted: str = "") -> ChatPage:
    """The page on load: the sidebar's first page and ``wanted`` (else the last conversation) open."""
    with session_scope() as session:
        if not wanted:
            last = thread_service.last_thread_id(session, user_id=user_id)
            wanted = str(last) if last else ""
        sidebar = _thread_page(session, user_id, SidebarFilter(), "")
        return ChatPage(sidebar=sidebar, opened=_open(session, user_id, wanted) if wanted else None)


def open_thread(*, user_id: uuid.UUID, thread_id: str) -> OpenThread | None:
    """The conversation with its latest messages (remembered as the last one), or None when the
    user has no such conversation (deleted meanwhile, someone else's, or not an id at all)."""
    with session_scope() as session:
        return _open(session, user_id, thread_id)


def earlier_messages(*, user_id: uuid.UUID, thread_id: str, first: MessageView) -> MessagePage:
    """The page of messages just before ``first`` (the oldest one shown)."""
    before = (datetime.fromisoformat(first.created_at), uuid.UUID(first.id))
    with session_scope() as session:
        read = thread_read.read_thread(
            session, user_id=user_id, thread_id=thread_id, messages=MESSAGES_PAGE, before=before, shown=True
        )
        return MessagePage(_views(read), read.page.has_earlier)


def turn_views(*, user_id: uuid.UUID, result: runner.TurnResult) -> list[MessageView]:
    """A finished turn's stored messages (question and reply), not the whole thread again; none
    when one of them is gone (the conversation was deleted meanwhile). The reply's cards show as
    the turn read them when it stored them (``result.widgets``), not read a second time."""
    with session_scope() as session:
        return _turn_views(session, user_id, result)


def _turn_views(
    session: Session, user_id: uuid.UUID, result: runner.TurnResult, *, made_now: bool = False
) -> list[MessageView]:
    """``made_now``: the question and the reply were made in this transaction, so the reply's
    cards are the ones the turn stored, which the session holds (not read again, issue 19)."""
    message_ids = [uuid.UUID(result.user_message_id), uuid.UUID(result.message_id)]
    cards = {w["id"]: w["payload"] for w in result.widgets}
    try:
        rows = [message_service.get_message(session, user_id=user_id, message_id=mid) for mid in message_ids]
    except ServiceError:
        return []
    reply_id = message_ids[1]
    held = {reply_id: widget_service.stored_now(session, message_id=reply_id)} if made_now else None
    return _message_views(session, user_id, rows, cards, held)


def _open(session: Session, user_id: uuid.UUID, thread_id: str) -> OpenThread | None:
    """The conversation as ``GET /api/threads/{id}?messages=50`` reads it (one read for both)."""
    try:
        read = thread_read.read_thread(
            session, user_id=user_id, thread_id=thread_id, messages=MESSAGES_PAGE, shown=True
        )
    except ServiceError:
        return None
    thread = read.thread
    thread_service.remember_last_thread(session, user_id=user_id, thread_id=thread.id)
    return OpenThread(
        thread_id=str(thread.id),
        title=thread.title,
        archived=thread.status == "archived",
        messages=_views(read),
        has_earlier=read.page.has_earlier,
    )


def _views(read: thread_read.ThreadRead) -> list[MessageView]:
    return [message_view(m, read.widgets.get(m.id), read.live) for m in read.messages]


def _message_views(
    session: Session,
    user_id: uuid.UUID,
    rows: list[Message],
    known: dict[str, dict[str, Any]] | None = None,
    held: dict[uuid.UUID, list[Widget]] | None = None,
) -> list[MessageView]:
    """Message views with their widgets; widgets shown for the first time become ``rendered``
    (``known`` and ``held``: as in :func:`thread_read.widgets_of`)."""
    widgets, live = thread_read.widgets_of(
        session, user_id=user_id, rows=rows, shown=True, known=known, held=held
    )
    return [message_view(m, widgets.get(m.id), live) for m in rows]


def refresh_widgets(*, user_id: uuid.UUID, widget_ids: list[str]) -> list[WNode]:
    """These widgets as they read now (rows follow their tasks; a question answered meanwhile is
    settled): what a page shows again after a change that may have altered what its cards show.
    Widgets that are gone (or not the user's) are left out."""
    with session_scope() as session:
        return _cards(session, user_id, widget_ids)


def after_change(*, user_id: uuid.UUID, widget_ids: list[str], tasks_changed: bool) -> AfterChange:
    """:class:`AfterChange` for a page showing these cards, in a transaction of its own."""
    with session_scope() as session:
        return _after_change(session, user_id, widget_ids, tasks_changed)


def _after_change(
    session: Session, user_id: uuid.UUID, widget_ids: list[str], tasks_changed: bool
) -> AfterChange:
    today = today_count(session, user_id=user_id) if tasks_changed else None
    return AfterChange(cards=_cards(session, user_id, widget_ids) if widget_ids else [], today=today)


def _cards(session: Session, user_id: uuid.UUID, widget_ids: list[str]) -> list[WNode]:
    rows = []
    for widget_id in widget_ids:
        try:
            rows.append(widget_service.get_widget(session, user_id=user_id, widget_id=widget_id))
        except ServiceError:
            continue
    live = live_cards.live_payloads(session, user_id=user_id, widgets=rows)
    return [to_view(live[w.id], widget_id=w.id, version=w.version) for w in rows]


def wrote(result: runner.TurnResult) -> bool:
    """Whether a turn changed anything through its tools (a write that ran, not a read)."""
    return any("result" in call and not registry.is_read(call["name"]) for call in result.tool_calls)


# ----- a turn and a click ---------------------------------------------------------------------


def click_key(path: str, version: int, form: dict[str, Any] | None) -> str:
    """The click's idempotency key: the node and card version the person saw and, for a form, what
    they submitted. A double click sends the same key (run once); a form corrected after an error
    ("every field is empty") is a new submission, not a replay of the failed one."""
    key = f"{path}@v{version}"
    if form:
        digest = hashlib.sha256(json.dumps(form, sort_keys=True, default=str).encode()).hexdigest()
        key += f"#{digest[:16]}"
    return key


def begin_turn(
    *,
    user_id: uuid.UUID,
    text: str,
    thread_id: str | None,
    retry_id: str = "",
    answer: bool = False,
    shown: list[str] | None = None,
) -> Begun:
    """Store the turn (a new message, or a retry of ``retry_id``) and, when ``answer`` (the local
    agent, which takes milliseconds), answer it too; ``shown``: the cards the page shows, read
    again after the answer in its transaction (:class:`AfterChange`).

    One database job per turn: under a burst each turn then finishes on its own, instead of every
    turn's next stage queueing behind every other turn's previous one.
    """

    made_now = answer and not retry_id  # the question and its answer in this transaction

    def then(session: Session, result: runner.TurnResult) -> tuple[list[MessageView], AfterChange]:
        views = _turn_views(session, user_id, result, made_now=made_now)
        return views, _after_change(session, user_id, shown or [], wrote(result))

    if made_now:
        start, result, (views, after) = runner.begin_and_answer(
            user_id=user_id, text=text, thread_id=thread_id, then=then, shown=True
        )
        return Begun(start=start, result=result, views=views, after=after)
    if retry_id:
        start = runner.begin_retry(user_id=user_id, thread_id=thread_id or "", message_id=retry_id)
    else:
        start = runner.begin_turn(user_id=user_id, text=text, thread_id=thread_id)
    begun = Begun(start=start)
    if answer:
        begun.result, (begun.views, begun.after) = runner.answer_at_once(start, then=then, shown=True)
    return begun


def perform_action(
    *,
    user_id: uuid.UUID,
    widget_id: str,
    path: str,
    version: int,
    form: dict[str, Any] | None = None,
    others: list[str] | None = None,
) -> ActionDone:
    """The click on the node at ``path`` of the widget, exactly once: the key is what this client
    saw (node and widget version). Never waits for the same click processed elsewhere: it raises
    :class:`StillProcessingError` and the caller decides how long to ask again. ``others``: the
    page's other cards, read again (with the Today count) after a click that ran."""
    after = AfterChange()

    def then(session: Session) -> None:  # in the click's transaction, once it has run
        nonlocal after
        after = _after_change(session, user_id, others or [], True)

    outcome = widget_actions.click(
        user_id=user_id,
        widget_id=widget_id,
        path=path,
        idempotency_key=click_key(path, version, form),
        form=form or None,
        wait_seconds=0,
        then=then,
    )
    if isinstance(outcome, widget_actions.ClientAction):
        return ActionDone(client=outcome.config)
    if isinstance(outcome, widget_actions.Unavailable):  # answered or changed since it was shown
        says = live_cards.card_says(outcome.widget)
        note = f"Already answered: {says}" if outcome.answered else ""
        return ActionDone(
            error=note or "This card changed since it was shown; here it is as it is now.",
            widget=to_view(outcome.widget, widget_id=widget_id, version=outcome.version),
        )
    done = ActionDone(after=after)
    if outcome.status == "failed":
        done.error = str(outcome.result.get("error", "That didn't work."))
    if outcome.version is not None:  # the card as this click read it
        done.widget = to_view(outcome.widget, widget_id=widget_id, version=outcome.version)
        return done
    with session_scope() as session:  # a replay: the card as it reads now
        fresh = widget_service.get_widget(session, user_id=user_id, widget_id=widget_id)
        live = live_cards.live_widget(session, user_id=user_id, widget=fresh)
        done.widget = to_view(live, widget_id=fresh.id, version=fresh.version)
    return done
