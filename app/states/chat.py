"""State of the chat page: the thread sidebar, the open thread and the turn in progress.

Agent turns run in a background event (they must not hold the state lock): the handler
stores the user's message first, then lets the agent answer, then reveals the reply as a
stream that Stop can cut short. Every database call goes through the services.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import uuid
from datetime import datetime
from urllib.parse import urlencode

import reflex as rx

from app import routes
from app.agent import runner
from app.core.db import session_scope
from app.services import messages as message_service
from app.services import threads as thread_service
from app.services import widgets as widget_service
from app.services.chat_views import MessageView, ThreadView, message_view, thread_views
from app.services.errors import ServiceError
from app.states.auth import AuthState
from app.widgets import actions as widget_actions
from app.widgets.view import action_at

PAGE_SIZE = 30
MESSAGES_PAGE = 50
STREAM_STEP_SECONDS = 0.012
SUGGESTIONS = [
    "Add pay rent tomorrow, high priority",
    "What's due today?",
    "Show my tasks",
    "What can you do?",
]


@dataclasses.dataclass
class _Streamed:
    result: runner.TurnResult
    any_delta: bool


def _client_action(config: dict) -> rx.event.EventSpec | None:
    """Actions a widget marks ``handler: client`` run in the browser and record nothing."""
    payload = config.get("payload") or {}
    if config.get("type") == "task.open":
        return rx.redirect(routes.TASKS + "?" + urlencode({"q": str(payload.get("title", ""))[:200]}))
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

    async def _user_id(self) -> uuid.UUID | None:
        auth = await self.get_state(AuthState)
        return auth.acting_user_id()

    def _load_threads(self, user_id: uuid.UUID, *, append: bool = False) -> None:
        cursor = thread_service.ThreadCursor.decode(self.threads_cursor) if append else None
        with session_scope() as session:
            rows = thread_service.list_threads(
                session,
                user_id=user_id,
                archived=self.show_archived,
                search=self.thread_search or None,
                limit=PAGE_SIZE + 1,
                after=cursor,
            )
        self.has_more_threads = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        views = thread_views(rows)
        if append and self.threads:
            views = [*self.threads, *views]
            for i in range(1, len(views)):
                views[i].first_in_group = views[i].group != views[i - 1].group
            if views:
                views[0].first_in_group = True
        self.threads = views
        if rows:
            self.threads_cursor = thread_service.ThreadCursor(rows[-1].updated_at, rows[-1].id).encode()

    def _open_thread(self, user_id: uuid.UUID, thread_id: str) -> bool:
        try:
            with session_scope() as session:
                thread = thread_service.get_thread(session, user_id=user_id, thread_id=thread_id)
                rows = message_service.list_messages(
                    session, user_id=user_id, thread_id=thread.id, limit=MESSAGES_PAGE + 1
                )
                self.thread_id, self.thread_title = str(thread.id), thread.title
                self.thread_archived = thread.status == "archived"
                thread_service.remember_last_thread(session, user_id=user_id, thread_id=thread.id)
        except ServiceError:
            return False
        self.has_earlier = len(rows) > MESSAGES_PAGE
        self.messages = self._views(user_id, rows[-MESSAGES_PAGE:])
        self.sending = any(m.status in ("pending", "processing") for m in self.messages)
        return True

    def _views(self, user_id: uuid.UUID, rows: list) -> list[MessageView]:
        """Message views with their widgets; widgets shown for the first time become ``rendered``."""
        with session_scope() as session:
            widgets = widget_service.widgets_for_messages(session, message_ids=[m.id for m in rows])
            fresh = [w.id for ws in widgets.values() for w in ws if w.state == "pending"]
            widget_service.mark_rendered(session, user_id=user_id, widget_ids=fresh)
        return [message_view(m, widgets.get(m.id)) for m in rows]

    def _reset_thread(self) -> None:
        self.thread_id, self.thread_title, self.thread_archived = "", "", False
        self.messages, self.has_earlier = [], False
        self.error, self.renaming_id = "", ""

    def _sync_url(self):
        url = routes.CHAT + (f"?thread={self.thread_id}" if self.thread_id else "")
        return rx.call_script(f"window.history.replaceState(null, '', {json.dumps(url)})")

    def _scroll(self):
        return rx.call_script(
            "setTimeout(() => { const e = document.getElementById('chat-end');"
            " if (e) e.scrollIntoView({block: 'end'}); }, 30)"
        )

    # ----- page load and sidebar --------------------------------------------------------------

    @rx.event
    async def on_load(self):
        user_id = await self._user_id()
        if user_id is None:
            return None
        self.sidebar_open, self.error, self.stop_requested = False, "", False
        self.show_archived, self.thread_search, self.renaming_id = False, "", ""
        wanted = self.router.url.query_parameters.get("thread", "")
        if not wanted:
            with session_scope() as session:
                last = thread_service.last_thread_id(session, user_id=user_id)
            wanted = str(last) if last else ""
        self._load_threads(user_id)
        if not (wanted and self._open_thread(user_id, wanted)):
            self._reset_thread()
        return [self._sync_url(), self._scroll()]

    @rx.event
    async def select_thread(self, thread_id: str):
        user_id = await self._user_id()
        if user_id is None:
            return rx.redirect(routes.LOGIN)
        if self.sending and thread_id != self.thread_id:
            self.sending = False
        if not self._open_thread(user_id, thread_id):
            self.error = "That conversation no longer exists."
            self._load_threads(user_id)
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
        user_id = await self._user_id()
        if user_id is not None:
            self._load_threads(user_id)

    @rx.event
    async def toggle_archived_view(self):
        self.show_archived = not self.show_archived
        user_id = await self._user_id()
        if user_id is not None:
            self._load_threads(user_id)

    @rx.event
    async def load_more_threads(self):
        user_id = await self._user_id()
        if user_id is not None:
            self._load_threads(user_id, append=True)

    @rx.event
    async def load_earlier(self):
        user_id = await self._user_id()
        if user_id is None or not self.messages:
            return
        first = self.messages[0]
        with session_scope() as session:
            rows = message_service.list_messages(
                session,
                user_id=user_id,
                thread_id=self.thread_id,
                limit=MESSAGES_PAGE + 1,
                before=(datetime.fromisoformat(first.created_at), uuid.UUID(first.id)),
            )
        self.has_earlier = len(rows) > MESSAGES_PAGE
        self.messages = self._views(user_id, rows[-MESSAGES_PAGE:]) + self.messages

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

    async def _thread_change(self, change) -> bool:
        user_id = await self._user_id()
        if user_id is None:
            return False
        try:
            with session_scope() as session:
                change(session, user_id)
        except ServiceError as exc:
            self.error = exc.message
            return False
        self._load_threads(user_id)
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
        self.error, self.sending, self.stop_requested = "", True, False
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
        self.error, self.sending, self.stop_requested = "", True, False
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
            user_id = await self._user_id()
            thread_id = self.thread_id or None
        if user_id is None:
            async with self:
                self.sending = False
            return
        try:
            if retry_message_id:
                start = await asyncio.to_thread(
                    runner.begin_retry,
                    user_id=user_id,
                    thread_id=thread_id or "",
                    message_id=retry_message_id,
                )
            else:
                start = await asyncio.to_thread(
                    runner.begin_turn, user_id=user_id, text=text, thread_id=thread_id
                )
        except ServiceError as exc:
            async with self:
                self.error = exc.message
                self.sending = False
                self.messages = [m for m in self.messages if not m.id.startswith("local-")]
            return
        async with self:
            if start.created_thread:
                self.thread_id, self.thread_title = str(start.thread_id), start.thread_title
                self._load_threads(user_id)
            sync = self._sync_url()
        yield sync
        streamed = await self._stream_turn(start)
        result = streamed.result
        if not streamed.any_delta and result.status == "completed":
            await self._reveal(result.reply)
        async with self:
            if self.thread_id == result.thread_id:
                self._open_thread(user_id, result.thread_id)
            self.sending, self.streaming = False, False
            self._load_threads(user_id)
            scroll = self._scroll()
        yield scroll

    async def _stream_turn(self, start: runner.TurnStart) -> _Streamed:
        """Run the turn in a worker thread; show model deltas as they come; Stop reaches the model."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str] = asyncio.Queue()
        stop = threading.Event()

        def on_delta(chunk: str) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, chunk)

        task = asyncio.ensure_future(
            asyncio.to_thread(runner.process_turn, start, on_delta=on_delta, should_stop=stop.is_set)
        )
        text, any_delta = "", False
        while not task.done() or not queue.empty():
            try:
                text += await asyncio.wait_for(queue.get(), timeout=0.05)
                while not queue.empty():
                    text += queue.get_nowait()
            except TimeoutError:
                pass
            async with self:
                if self.stop_requested:
                    stop.set()
                if text and self.messages:
                    any_delta = True
                    self.streaming = True
                    last = self.messages[-1]
                    last.content, last.status = text, "streaming"
                    self.messages = [*self.messages[:-1], last]
        return _Streamed(result=await task, any_delta=any_delta)

    async def _reveal(self, reply: str) -> None:
        """Stream the stored reply into the last bubble, a few words at a time, until done or Stop."""
        words = reply.split(" ")
        step = max(1, len(words) // 40)
        async with self:
            self.streaming = True
        for end in range(step, len(words) + step, step):
            async with self:
                if self.stop_requested or not self.messages:
                    break
                last = self.messages[-1]
                last.content = " ".join(words[:end])
                last.status = "streaming"
                self.messages = [*self.messages[:-1], last]
            await asyncio.sleep(STREAM_STEP_SECONDS)

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
        """Exactly once: the key is what this client saw (node and widget version)."""
        async with self:
            user_id = await self._user_id()
        follow_up = None
        try:
            if user_id is None:
                raise ServiceError("Please sign in again.")
            with session_scope() as session:
                widget = widget_service.get_widget(session, user_id=user_id, widget_id=widget_id)
                config = action_at(widget.payload, path)
            if config is None:
                raise ServiceError("This button no longer does anything.")
            if config.get("handler") == "client":
                follow_up = _client_action(config)
            else:
                action = {"type": config["type"], "payload": config.get("payload")}
                outcome = await asyncio.to_thread(
                    widget_actions.perform,
                    user_id=user_id,
                    widget_id=widget_id,
                    action=action,
                    idempotency_key=f"{path}@v{version}",
                    form=form or None,
                )
                if outcome.status == "failed":
                    follow_up = rx.toast.error(str(outcome.result.get("error", "That didn't work.")))
        except ServiceError as exc:
            follow_up = rx.toast.error(exc.message)
        async with self:
            self.busy_action, self.busy_widget = "", ""
            if user_id is not None and self.thread_id:
                self._open_thread(user_id, self.thread_id)
        if follow_up is not None:
            yield follow_up

    @rx.event
    def copied(self):
        return rx.toast.success("Copied to clipboard.", duration=1500)

    @rx.event
    def dismiss_error(self):
        self.error = ""
