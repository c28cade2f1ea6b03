"""State of the chat page: the thread sidebar, the open thread and the turn in progress.

Agent turns run in a background event (they must not hold the state lock): the handler
stores the user's message first, then lets the agent answer, then reveals the reply as a
stream that Stop can cut short. Every database call goes through the services and runs in the
database threads (``app.states.workers``): the event loop serves every open tab, so a query, or
a SQLite writer waiting for the lock, must never stall it. A turn or a widget click is one job
there, token check included. Streaming touches only ``stream_text``, a small var, so each step
sends a few bytes instead of the whole message list.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import reflex as rx
from sqlmodel import Session

from app import routes
from app.core.config import get_settings
from app.core.db import session_scope
from app.orchestration import runner
from app.orchestration import widget_actions as widget_actions
from app.services import messages as message_service
from app.services import threads as thread_service
from app.services import widgets as widget_service
from app.services.errors import ServiceError, StillProcessingError
from app.states.auth import AuthState, current_user_id, user_id_for_token
from app.states.workers import run_db
from app.views.chat import MessageView, ThreadView, message_view, thread_views
from app.views.widget import WNode, action_at, to_view

PAGE_SIZE = 30
MESSAGES_PAGE = 50
ACTION_WAIT_SECONDS = 10.0
ACTION_POLL_SECONDS = 0.2
"""A click whose same click (another tab, a reconnect) is still being processed waits this long for
its result, asking every ``ACTION_POLL_SECONDS`` in a short database job: the waiting happens in
the event loop, never on one of the (two, on SQLite) database workers."""
STREAM_FLUSH_SECONDS = 0.1
"""A model's streamed text reaches the browser at most this often (each flush is one small delta)."""
REVEAL_MIN_WORDS = 24
REVEAL_STEPS = 3
REVEAL_SECONDS = 0.15
"""The local agent answers at once. A reply of a paragraph or more is revealed in a few steps over
this long (it reads as typing); a shorter one is read at a glance and appears at once."""
REVEAL_MAX_ACTIVE = 8
"""Under load (this many reveals running in the process) replies appear at once: the steps are
decoration, and every step is an event-loop turn other tabs are waiting for."""
SUGGESTIONS = [
    "Add pay rent tomorrow, high priority",
    "What's due today?",
    "Show my tasks",
    "What can you do?",
]

T = TypeVar("T")


@dataclasses.dataclass
class _Streamed:
    result: runner.TurnResult
    any_delta: bool


@dataclasses.dataclass
class _ThreadPage:
    views: list[ThreadView]
    has_more: bool
    cursor: str


@dataclasses.dataclass
class _OpenThread:
    thread_id: str
    title: str
    archived: bool
    messages: list[MessageView]
    has_earlier: bool


@dataclasses.dataclass
class _Begun:
    user_id: uuid.UUID
    start: runner.TurnStart
    result: runner.TurnResult | None = None
    views: list[MessageView] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class _ActionDone:
    client: dict[str, Any] | None = None
    error: str = ""
    widget: WNode | None = None


class _Reveals:
    """How many local replies this process is revealing right now (the event loop is one thread)."""

    active = 0


# ----- database work (runs in worker threads; plain data in, plain data out) -----------------------


def _in_session(work: Callable[..., T], *args: Any) -> T:
    with session_scope() as session:
        return work(session, *args)


async def _db(work: Callable[..., T], *args: Any) -> T:
    """Run ``work(session, *args)`` in one transaction in a database worker thread."""
    return await run_db(_in_session, work, *args)


def _thread_page(
    session: Session, user_id: uuid.UUID, archived: bool, search: str, after: str
) -> _ThreadPage:
    position = thread_service.ThreadCursor.decode(after) if after else None
    page = thread_service.page_threads(
        session, user_id=user_id, archived=archived, search=search or None, limit=PAGE_SIZE, after=position
    )
    last = page.threads[-1] if page.threads else None
    cursor = thread_service.ThreadCursor(last.updated_at, last.id).encode() if last else ""
    return _ThreadPage(views=thread_views(page.threads), has_more=page.has_more, cursor=cursor)


def _message_views(session: Session, user_id: uuid.UUID, rows: list) -> list[MessageView]:
    """Message views with their widgets; widgets shown for the first time become ``rendered``."""
    widgets = widget_service.widgets_for_messages(session, message_ids=[m.id for m in rows])
    fresh = [w.id for ws in widgets.values() for w in ws if w.state == "pending"]
    widget_service.mark_rendered(session, user_id=user_id, widget_ids=fresh)
    return [message_view(m, widgets.get(m.id)) for m in rows]


def _open(session: Session, user_id: uuid.UUID, thread_id: str) -> _OpenThread | None:
    try:
        thread = thread_service.get_thread(session, user_id=user_id, thread_id=thread_id)
    except ServiceError:
        return None
    page = message_service.page_messages(session, user_id=user_id, thread_id=thread.id, limit=MESSAGES_PAGE)
    thread_service.remember_last_thread(session, user_id=user_id, thread_id=thread.id)
    return _OpenThread(
        thread_id=str(thread.id),
        title=thread.title,
        archived=thread.status == "archived",
        messages=_message_views(session, user_id, page.messages),
        has_earlier=page.has_earlier,
    )


def _chat_page(session: Session, user_id: uuid.UUID, wanted: str) -> tuple[_ThreadPage, _OpenThread | None]:
    """What the chat page shows on load: the sidebar and the asked-for (or last) conversation."""
    if not wanted:
        last = thread_service.last_thread_id(session, user_id=user_id)
        wanted = str(last) if last else ""
    page = _thread_page(session, user_id, False, "", "")
    return page, _open(session, user_id, wanted) if wanted else None


def _chat_for(token: str, wanted: str) -> tuple[_ThreadPage, _OpenThread | None] | None:
    """The token check and the page's data in one trip to the database pool."""
    user_id = user_id_for_token(token)
    return None if user_id is None else _in_session(_chat_page, user_id, wanted)


def _earlier(
    session: Session, user_id: uuid.UUID, thread_id: str, before: tuple[datetime, uuid.UUID]
) -> tuple[list[MessageView], bool]:
    page = message_service.page_messages(
        session, user_id=user_id, thread_id=thread_id, limit=MESSAGES_PAGE, before=before
    )
    return _message_views(session, user_id, page.messages), page.has_earlier


def _turn_views(session: Session, user_id: uuid.UUID, ids: list[uuid.UUID]) -> list[MessageView]:
    """The finished turn's stored messages (question and reply), not the whole thread again."""
    try:
        rows = [message_service.get_message(session, user_id=user_id, message_id=mid) for mid in ids]
    except ServiceError:
        return []
    return _message_views(session, user_id, rows)


def _change_then_list(
    session: Session,
    change: Callable[[Session, uuid.UUID], Any],
    user_id: uuid.UUID,
    archived: bool,
    search: str,
) -> _ThreadPage:
    change(session, user_id)
    return _thread_page(session, user_id, archived, search, "")


def _begin_turn(token: str, text: str, thread_id: str | None, retry_id: str, answer: bool) -> _Begun | None:
    """Check the token, store the turn and, for the local agent (``answer``), answer it too.

    One job in the database pool per turn: under a burst each turn then finishes on its own,
    instead of every turn's next stage queueing behind every other turn's previous one.
    """
    user_id = user_id_for_token(token)
    if user_id is None:
        return None
    if retry_id:
        start = runner.begin_retry(user_id=user_id, thread_id=thread_id or "", message_id=retry_id)
    else:
        start = runner.begin_turn(user_id=user_id, text=text, thread_id=thread_id)
    begun = _Begun(user_id=user_id, start=start)
    if answer:
        begun.result = runner.process_turn(start)
        begun.views = _in_session(_turn_views, user_id, [start.user_message_id, start.message_id])
    return begun


def _perform_action(token: str, widget_id: str, path: str, version: int, form: dict[str, Any]) -> _ActionDone:
    """Exactly once: the key is what this client saw (node and widget version)."""
    user_id = user_id_for_token(token)
    if user_id is None:
        raise ServiceError("Please sign in again.")
    with session_scope() as session:
        widget = widget_service.get_widget(session, user_id=user_id, widget_id=widget_id)
        config = action_at(widget.payload, path)
    if config is None:
        raise ServiceError("This button no longer does anything.")
    if config.get("handler") == "client":
        return _ActionDone(client=config)
    outcome = widget_actions.perform(
        user_id=user_id,
        widget_id=widget_id,
        action={"type": config["type"], "payload": config.get("payload")},
        idempotency_key=f"{path}@v{version}",
        form=form or None,
        wait_seconds=0,  # a database worker never waits for another click: see _perform_settled
    )
    done = _ActionDone()
    if outcome.status == "failed":
        done.error = str(outcome.result.get("error", "That didn't work."))
    with session_scope() as session:
        fresh = widget_service.get_widget(session, user_id=user_id, widget_id=widget_id)
        done.widget = to_view(fresh.payload, widget_id=fresh.id, version=fresh.version)
    return done


async def _perform_settled(
    token: str, widget_id: str, path: str, version: int, form: dict[str, Any]
) -> _ActionDone:
    """:func:`_perform_action`, waiting in the event loop while the same click is processed elsewhere.

    Each try is one short database job; between tries no worker is held. A click still pending
    after ``ACTION_WAIT_SECONDS`` raises :class:`StillProcessingError` (shown as a toast).
    """
    deadline = time.monotonic() + ACTION_WAIT_SECONDS
    while True:
        try:
            return await run_db(_perform_action, token, widget_id, path, version, form)
        except StillProcessingError:
            if time.monotonic() >= deadline:
                raise
        await asyncio.sleep(ACTION_POLL_SECONDS)


def _client_action(config: dict) -> rx.event.EventSpec | None:
    """Actions a widget marks ``handler: client`` run in the browser and record nothing."""
    payload = config.get("payload") or {}
    if config.get("type") == "task.open":
        return rx.redirect(routes.page_url(routes.TASKS, q=str(payload.get("title", ""))[:200]))
    if config.get("type") == "copy":
        return rx.set_clipboard(str(payload.get("text", "")))
    return None


class ChatState(rx.State):
    """One state for the chat page."""

    threads: list[ThreadView] = []
    threads_cursor: str = ""
    has_more_threads: bool = False
    show_archived: bool = False
    thread_search: str = ""

    thread_id: str = ""
    thread_title: str = ""
    thread_archived: bool = False
    messages: list[MessageView] = []
    has_earlier: bool = False

    sending: bool = False
    streaming: bool = False
    stream_text: str = ""
    stop_requested: bool = False
    error: str = ""

    confirm_delete_id: str = ""
    confirm_delete_title: str = ""
    renaming_id: str = ""
    rename_text: str = ""
    busy_action: str = ""
    busy_widget: str = ""
    expanded_widgets: list[str] = []
    sidebar_open: bool = False

    # ----- helpers ---------------------------------------------------------------------------

    async def _reload_threads(self, user_id: uuid.UUID) -> None:
        self._set_threads(await _db(_thread_page, user_id, self.show_archived, self.thread_search, ""))

    def _set_threads(self, page: _ThreadPage, *, append: bool = False) -> None:
        views = page.views
        if append and self.threads:
            views = [*self.threads, *views]
            for i in range(1, len(views)):
                views[i].first_in_group = views[i].group != views[i - 1].group
            if views:
                views[0].first_in_group = True
        self.threads, self.has_more_threads = views, page.has_more
        if page.cursor:
            self.threads_cursor = page.cursor

    def _show(self, opened: _OpenThread) -> None:
        self.thread_id, self.thread_title = opened.thread_id, opened.title
        self.thread_archived = opened.archived
        self.messages, self.has_earlier = opened.messages, opened.has_earlier
        self.sending = any(m.status in ("pending", "processing") for m in self.messages)
        self.stream_text = ""

    def _reset_thread(self) -> None:
        self.thread_id, self.thread_title, self.thread_archived = "", "", False
        self.messages, self.has_earlier = [], False
        self.error, self.renaming_id, self.stream_text = "", "", ""

    def _merge_messages(self, views: list[MessageView]) -> None:
        """Swap the turn's local placeholders for the stored messages (replacing any already shown)."""
        kept = [m for m in self.messages if not m.id.startswith("local-")]
        index = {m.id: i for i, m in enumerate(kept)}
        for view in views:
            if view.id in index:
                kept[index[view.id]] = view
            else:
                kept.append(view)
        self.messages = kept

    def _replace_widget(self, view: WNode) -> None:
        for i, message in enumerate(self.messages):
            if any(w.widget_id == view.widget_id for w in message.widgets):
                message.widgets = [view if w.widget_id == view.widget_id else w for w in message.widgets]
                self.messages = [*self.messages[:i], message, *self.messages[i + 1 :]]
                return

    def _new_thread_first(self, thread_id: str, title: str) -> bool:
        """A thread created by this turn tops the sidebar: shown without asking the database again."""
        if self.show_archived or self.thread_search:
            return False
        if self.threads and self.threads[0].group == "Today":
            self.threads[0].first_in_group = False
        self.threads = [
            ThreadView(id=thread_id, title=title, group="Today", first_in_group=True),
            *self.threads,
        ]
        return True

    def _sync_url(self):
        url = routes.page_url(routes.CHAT, thread=self.thread_id)
        return rx.call_script(f"window.history.replaceState(null, '', {json.dumps(url)})")

    def _scroll(self):
        return rx.call_script(
            "setTimeout(() => { const e = document.getElementById('chat-end');"
            " if (e) e.scrollIntoView({block: 'end'}); }, 30)"
        )

    # ----- page load and sidebar --------------------------------------------------------------

    @rx.event
    async def on_load(self):
        token = (await self.get_state(AuthState)).token
        loaded = await run_db(_chat_for, token, self.router.url.query_parameters.get("thread", ""))
        if loaded is None:
            return None
        page, opened = loaded
        self.sidebar_open, self.error, self.stop_requested = False, "", False
        self.show_archived, self.thread_search, self.renaming_id = False, "", ""
        self._set_threads(page)
        if self.sending:  # sent while the page was loading: that turn decides which thread is open
            return [self._scroll()]
        if opened is None:
            self._reset_thread()
        else:
            self._show(opened)
        return [self._sync_url(), self._scroll()]

    @rx.event
    async def select_thread(self, thread_id: str):
        user_id = await current_user_id(self)
        if user_id is None:
            return rx.redirect(routes.sign_in_url())
        if self.sending and thread_id != self.thread_id:
            self.sending = False
        opened = await _db(_open, user_id, thread_id)
        if opened is None:
            self.error = "That conversation no longer exists."
            await self._reload_threads(user_id)
        else:
            self._show(opened)
        self.sidebar_open = False
        return [self._sync_url(), self._scroll()]

    @rx.event
    def new_chat(self):
        self._reset_thread()
        self.sidebar_open = False
        return [self._sync_url(), rx.set_focus("chat-input")]

    @rx.event
    async def set_thread_search(self, value: str):
        self.thread_search = value[:200]
        user_id = await current_user_id(self)
        if user_id is not None:
            await self._reload_threads(user_id)

    @rx.event
    async def toggle_archived_view(self):
        self.show_archived = not self.show_archived
        user_id = await current_user_id(self)
        if user_id is not None:
            await self._reload_threads(user_id)

    @rx.event
    async def load_more_threads(self):
        user_id = await current_user_id(self)
        if user_id is not None:
            page = await _db(
                _thread_page, user_id, self.show_archived, self.thread_search, self.threads_cursor
            )
            self._set_threads(page, append=True)

    @rx.event
    async def load_earlier(self):
        user_id = await current_user_id(self)
        if user_id is None or not self.messages:
            return
        first = self.messages[0]
        before = (datetime.fromisoformat(first.created_at), uuid.UUID(first.id))
        views, self.has_earlier = await _db(_earlier, user_id, self.thread_id, before)
        self.messages = views + self.messages

    @rx.event
    def toggle_sidebar(self):
        self.sidebar_open = not self.sidebar_open

    @rx.event
    def start_rename(self, thread_id: str):
        row = next((t for t in self.threads if t.id == thread_id), None)
        self.renaming_id, self.rename_text = thread_id, row.title if row else ""

    @rx.event
    def set_rename_text(self, value: str):
        self.rename_text = value

    @rx.event
    def cancel_rename(self):
        self.renaming_id = ""

    @rx.event
    async def rename_key(self, key: str):
        if key == "Enter":
            return await self.save_rename()
        if key == "Escape":
            self.renaming_id = ""
        return None

    async def _thread_change(self, change: Callable[[Session, uuid.UUID], Any]) -> bool:
        user_id = await current_user_id(self)
        if user_id is None:
            return False
        try:
            page = await _db(_change_then_list, change, user_id, self.show_archived, self.thread_search)
        except ServiceError as exc:
            self.error = exc.message
            return False
        self._set_threads(page)
        return True

    @rx.event
    async def save_rename(self):
        thread_id, title = self.renaming_id, self.rename_text
        ok = await self._thread_change(
            lambda s, uid: thread_service.rename_thread(s, user_id=uid, thread_id=thread_id, title=title)
        )
        if ok:
            self.renaming_id = ""
            if thread_id == self.thread_id:
                self.thread_title = " ".join(title.split())

    @rx.event
    async def set_archived(self, thread_id: str, archived: bool):
        ok = await self._thread_change(
            lambda s, uid: thread_service.set_archived(s, user_id=uid, thread_id=thread_id, archived=archived)
        )
        if ok and thread_id == self.thread_id:
            self.thread_archived = archived
        return (
            rx.toast.info("Conversation archived." if archived else "Conversation restored.") if ok else None
        )

    @rx.event
    def ask_delete(self, thread_id: str):
        row = next((t for t in self.threads if t.id == thread_id), None)
        self.confirm_delete_id, self.confirm_delete_title = (
            thread_id,
            row.title if row else "this conversation",
        )

    @rx.event
    def cancel_delete(self):
        self.confirm_delete_id = ""

    @rx.event
    async def confirm_delete(self):
        thread_id, self.confirm_delete_id = self.confirm_delete_id, ""
        if thread_id:
            return await self.delete_thread(thread_id)
        return None

    async def delete_thread(self, thread_id: str):
        ok = await self._thread_change(
            lambda s, uid: thread_service.delete_thread(s, user_id=uid, thread_id=thread_id)
        )
        if ok and thread_id == self.thread_id:
            self._reset_thread()
            return [self._sync_url(), rx.toast.info("Conversation deleted.")]
        return rx.toast.info("Conversation deleted.") if ok else None

    # ----- sending a message ----------------------------------------------------------------------

    @rx.event
    def send(self, form: dict):
        return self._submit(str(form.get("message", "")))

    @rx.event
    def send_suggestion(self, text: str):
        return self._submit(text)

    def _submit(self, text: str):
        text = text.strip()
        if self.sending:
            self.error = message_service.BUSY_MESSAGE
            return None
        try:
            text = message_service.clean_content(text)
        except ServiceError as exc:
            self.error = exc.message
            return None
        self.error, self.sending, self.stop_requested, self.stream_text = "", True, False, ""
        now = datetime.now().astimezone()
        self.messages = [
            *self.messages,
            MessageView(id="local-user", role="user", content=text, time_label=now.strftime("%H:%M")),
            MessageView(id="local-reply", role="assistant", content="", status="pending"),
        ]
        return [rx.set_value("chat-input", ""), ChatState.run_turn(text, ""), self._scroll()]

    @rx.event
    def retry(self, message_id: str):
        if self.sending:
            return None
        self.error, self.sending, self.stop_requested, self.stream_text = "", True, False, ""
        self.messages = [
            *[m for m in self.messages if m.id != message_id],
            MessageView(id="local-reply", role="assistant", content="", status="pending"),
        ]
        return [ChatState.run_turn("", message_id), self._scroll()]

    @rx.event
    def stop(self):
        self.stop_requested = True

    @rx.event(background=True)
    async def run_turn(self, text: str, retry_message_id: str):
        """Store the turn, let the agent answer (off the event loop), then stream the reply in."""
        async with self:
            token = (await self.get_state(AuthState)).token
            thread_id = self.thread_id or None
        local = get_settings().effective_agent_backend == "local"
        try:
            begun = await run_db(_begin_turn, token, text, thread_id, retry_message_id, local)
        except ServiceError as exc:
            async with self:
                self.error = exc.message
                self.sending = False
                self.messages = [m for m in self.messages if not m.id.startswith("local-")]
            return
        except Exception:
            await self._turn_failed()
            raise
        if begun is None:  # signed out meanwhile
            async with self:
                self.sending = False
            return
        user_id, start = begun.user_id, begun.start
        new_thread = str(start.thread_id)
        async with self:
            listed = True
            if start.created_thread:
                self.thread_id, self.thread_title = new_thread, start.thread_title
                listed = self._new_thread_first(new_thread, start.thread_title)
            sync = self._sync_url()
        yield sync
        if not listed:
            await self._refresh_sidebar(user_id)
        try:
            if begun.result is None:  # a model answers: stream its text as it comes
                streamed = await self._stream_turn(start)
                result, shown = streamed.result, streamed.any_delta
                views = await _db(_turn_views, user_id, [start.user_message_id, start.message_id])
            else:
                result, shown, views = begun.result, False, begun.views
            if not shown and result.status == "completed":
                await self._reveal(result.thread_id, result.reply)
        except Exception:
            await self._turn_failed()
            raise
        async with self:
            if self.thread_id == result.thread_id:
                self._merge_messages(views)
            self.sending, self.streaming, self.stream_text = False, False, ""
            on_top = bool(self.threads) and self.threads[0].id == result.thread_id
            scroll = self._scroll()
        yield scroll
        if not on_top:  # the turn moved its thread to the top of the sidebar
            await self._refresh_sidebar(user_id)

    async def _turn_failed(self) -> None:
        """An unexpected error (the database went away): the error handler tells the person; the
        composer must work again and no reply may look as if it were still coming."""
        async with self:
            self.sending, self.streaming, self.stream_text = False, False, ""
            self.messages = [m for m in self.messages if m.id != "local-reply"]

    async def _refresh_sidebar(self, user_id: uuid.UUID) -> None:
        """Background events: read the filters, query unlocked, apply unless the filters changed."""
        async with self:
            filters = (self.show_archived, self.thread_search)
        page = await _db(_thread_page, user_id, *filters, "")
        async with self:
            if (self.show_archived, self.thread_search) == filters:
                self._set_threads(page)

    async def _stream_turn(self, start: runner.TurnStart) -> _Streamed:
        """Let the model answer in a worker thread; show its deltas as they come; Stop reaches it.

        The text goes to ``stream_text`` at most every ``STREAM_FLUSH_SECONDS``; a turn that
        finishes sooner (the local agent takes milliseconds) never takes the state lock here.
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str] = asyncio.Queue()
        stop = threading.Event()
        thread_id = str(start.thread_id)

        def on_delta(chunk: str) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, chunk)

        # Not in the database pool: a model answers in seconds and must not hold a thread the
        # other tabs' queries are waiting for.
        task = asyncio.ensure_future(
            asyncio.to_thread(runner.process_turn, start, on_delta=on_delta, should_stop=stop.is_set)
        )
        text, shown = "", ""
        while True:
            await asyncio.wait({task}, timeout=STREAM_FLUSH_SECONDS)
            while not queue.empty():
                text += queue.get_nowait()
            if task.done():
                break
            async with self:
                if self.stop_requested:
                    stop.set()
                if text != shown and self.thread_id == thread_id:
                    self.streaming, self.stream_text, shown = True, text, text
        return _Streamed(result=await task, any_delta=bool(text))

    async def _reveal(self, thread_id: str, reply: str) -> None:
        """Reveal a long stored reply in a few timed steps (skipped under load; Stop cuts it short).

        The last step is the final message itself, sent by the caller with its widgets.
        """
        words = reply.split(" ")
        if len(words) < REVEAL_MIN_WORDS or _Reveals.active >= REVEAL_MAX_ACTIVE:
            return
        _Reveals.active += 1
        try:
            step = math.ceil(len(words) / REVEAL_STEPS)
            pause = REVEAL_SECONDS / REVEAL_STEPS
            for end in range(step, len(words), step):
                began = time.monotonic()
                async with self:
                    if self.stop_requested or self.thread_id != thread_id:
                        return
                    self.streaming, self.stream_text = True, " ".join(words[:end])
                await asyncio.sleep(max(0.0, pause - (time.monotonic() - began)))
        finally:
            _Reveals.active -= 1

    # ----- widget actions ---------------------------------------------------------------------------

    @rx.event
    def expand_widget(self, widget_id: str):
        if widget_id not in self.expanded_widgets:
            self.expanded_widgets = [*self.expanded_widgets, widget_id]

    @rx.event
    def widget_click(self, widget_id: str, path: str, version: int):
        return self._start_action(widget_id, path, version, None)

    @rx.event
    def widget_submit(self, form_data: dict, widget_id: str, path: str, version: int):
        return self._start_action(widget_id, path, version, dict(form_data or {}))

    def _start_action(self, widget_id: str, path: str, version: int, form: dict | None):
        if self.busy_widget == widget_id:
            return None
        self.busy_action, self.busy_widget, self.error = f"{widget_id}|{path}", widget_id, ""
        return ChatState.run_widget_action(widget_id, path, version, form or {})

    @rx.event(background=True)
    async def run_widget_action(self, widget_id: str, path: str, version: int, form: dict):
        """Check the token and run the action in one database job, then show the widget's new version."""
        async with self:
            token = (await self.get_state(AuthState)).token
        follow_up, done = None, None
        try:
            done = await _perform_settled(token, widget_id, path, version, form)
            if done.client is not None:
                follow_up = _client_action(done.client)
            elif done.error:
                follow_up = rx.toast.error(done.error)
        except ServiceError as exc:
            follow_up = rx.toast.error(exc.message)
        async with self:
            self.busy_action, self.busy_widget = "", ""
            if done is not None and done.widget is not None:
                self._replace_widget(done.widget)
        if follow_up is not None:
            yield follow_up

    @rx.event
    def copied(self):
        return rx.toast.success("Copied to clipboard.", duration=1500)

    @rx.event
    def dismiss_error(self):
        self.error = ""
