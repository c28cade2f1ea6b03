"""State of the chat page: the open conversation and the turn in progress.

The sidebar has its own state (``app.states.threads``); this one fills it on load and when a turn
moves a conversation to the top. The use cases (what is listed, opened, stored, clicked) are plain
functions in ``app.orchestration.chat_session``; this module runs them and keeps what a tab needs.

Agent turns run in a background event (they must not hold the state lock): the handler
stores the user's message first, then lets the agent answer, then reveals the reply as a
stream that Stop can cut short. Every database call runs in the database threads
(``app.states.workers``): the event loop serves every open tab, so a query, or a SQLite writer
waiting for the lock, must never stall it. A turn or a widget click is one job there, token check
included. Streaming touches only ``stream_text``, a small var, so each step sends a few bytes
instead of the whole message list.
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

from app import routes
from app.core.config import get_settings
from app.orchestration import chat_session, runner
from app.orchestration.chat_session import ActionDone, AfterChange, OpenThread
from app.services import clock, live
from app.services import messages as message_service
from app.services.errors import ServiceError, StillProcessingError
from app.states.address import LoadPicks, replace_address
from app.states.auth import AuthState, checked_user, current_user_id
from app.states.notifications import NotificationsState
from app.states.threads import ThreadsState
from app.states.workers import run_db
from app.views.chat import MessageView
from app.views.widget import WNode

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


class _Reveals:
    """How many local replies this process is revealing right now (the event loop is one thread)."""

    active = 0


def _revealed(reply: str) -> bool:
    """Whether a stored reply is revealed in steps (a long one, while few are; else shown whole)."""
    return len(reply.split(" ")) >= REVEAL_MIN_WORDS and _Reveals.active < REVEAL_MAX_ACTIVE


def _as_user(token: str, work: Callable[..., T], /, **arguments: Any) -> tuple[uuid.UUID, T] | None:
    """The token check and ``work(user_id=..., **arguments)`` in one trip to the database pool (a
    database thread's job); None when the token no longer signs anyone in. The work takes the
    person's time zone from the check instead of reading it again."""
    checked = checked_user(token)
    if checked is None:
        return None
    user_id, zone = checked
    with clock.zone_checked(user_id, zone):
        return user_id, work(user_id=user_id, **arguments)


async def _perform_settled(
    token: str,
    widget_id: str,
    path: str,
    version: int,
    form: dict[str, Any],
    *,
    tab: str = "",
    others: list[str] | None = None,
) -> ActionDone:
    """:func:`chat_session.perform_action`, waiting in the event loop while the same click is
    processed elsewhere; as the event of ``tab``, which shows what the click alters itself (its
    card, the ``others`` it shows, the Today count).

    Each try is one short database job; between tries no worker is held. A click still pending
    after ``ACTION_WAIT_SECONDS`` raises :class:`StillProcessingError` (shown as a toast).
    """
    deadline = time.monotonic() + ACTION_WAIT_SECONDS
    while True:
        try:
            done = await run_db(
                live.from_tab,
                tab,
                _as_user,
                token,
                chat_session.perform_action,
                widget_id=widget_id,
                path=path,
                version=version,
                form=form,
                others=others,
            )
        except StillProcessingError:
            if time.monotonic() >= deadline:
                raise
        else:
            if done is None:
                raise ServiceError("Please sign in again.")
            return done[1]
        await asyncio.sleep(ACTION_POLL_SECONDS)


def _client_action(config: dict) -> rx.event.EventSpec | None:
    """Actions a widget marks ``handler: client`` run in the browser and record nothing."""
    payload = config.get("payload") or {}
    if config.get("type") == "task.open":
        return rx.redirect(routes.page_url(routes.TASKS, q=str(payload.get("title", ""))[:200]))
    if config.get("type") == "copy":
        return rx.set_clipboard(str(payload.get("text", "")))
    return None


class ChatState(LoadPicks, rx.State):
    """The open conversation and the turn in progress."""

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

    busy_action: str = ""
    busy_widget: str = ""
    expanded_widgets: list[str] = []
    open_forms: list[str] = []
    """Folded card forms (an Edit) shown now, as ``widget id|form key``."""

    # ----- helpers ---------------------------------------------------------------------------

    def _show(self, opened: OpenThread) -> None:
        self.thread_id, self.thread_title = opened.thread_id, opened.title
        self.thread_archived = opened.archived
        self.messages, self.has_earlier = opened.messages, opened.has_earlier
        self.sending = any(m.status in ("pending", "processing") for m in self.messages)
        self.stream_text = ""

    def _reset_thread(self) -> None:
        self.thread_id, self.thread_title, self.thread_archived = "", "", False
        self.messages, self.has_earlier = [], False
        self.error, self.stream_text = "", ""

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

    def _sync_url(self):
        return replace_address(routes.page_url(routes.CHAT, thread=self.thread_id))

    def _scroll(self):
        return rx.call_script(
            "setTimeout(() => { const e = document.getElementById('chat-end');"
            " if (e) e.scrollIntoView({block: 'end'}); }, 30)"
        )

    # ----- page load and the open conversation ------------------------------------------------

    @rx.event
    async def on_load(self):
        token = (await self.get_state(AuthState)).token
        # A conversation (or New chat: "") picked while the page was loading wins over the address.
        picked = self._take_picks().get("thread")
        wanted = self.router.url.query_parameters.get("thread", "") if picked is None else picked
        loaded = await run_db(_as_user, token, chat_session.chat_page, wanted=wanted)
        if loaded is None:
            return None
        page = loaded[1]
        self.error, self.stop_requested = "", False
        (await self.get_state(ThreadsState))._reset(page.sidebar)
        if self.sending:  # sent while the page was loading: that turn decides which thread is open
            return [self._scroll()]
        if page.opened is None or picked == "":
            self._reset_thread()
        else:
            self._show(page.opened)
        return [self._sync_url(), self._scroll()]

    @rx.event
    async def select_thread(self, thread_id: str):
        user_id = await current_user_id(self)
        if user_id is None:
            return rx.redirect(routes.sign_in_url())
        if self.sending and thread_id != self.thread_id:
            self.sending = False
        opened = await run_db(chat_session.open_thread, user_id=user_id, thread_id=thread_id)
        threads = await self.get_state(ThreadsState)
        if opened is None:
            self.error = "That conversation no longer exists."
            await threads._reload(user_id)
        else:
            self._show(opened)
            self._note_pick(thread=self.thread_id)
        threads.sidebar_open = False
        return [self._sync_url(), self._scroll()]

    @rx.event
    async def new_chat(self):
        self._reset_thread()
        self._note_pick(thread="")
        threads = await self.get_state(ThreadsState)
        threads.sidebar_open, threads.renaming_id = False, ""
        return [self._sync_url(), rx.set_focus("chat-input")]

    @rx.event
    async def follow_sidebar(self):
        """Sent by the page right after a sidebar change: show its error, and follow it when it
        changed the open conversation (its title, its archived badge, or deleted it)."""
        threads = await self.get_state(ThreadsState)
        change = threads._take_change()
        if change is None:
            return None
        if change.error:
            self.error = change.error
            return None
        if change.thread_id != self.thread_id:
            return None
        if change.deleted:
            self._reset_thread()
            threads.renaming_id = ""
            return self._sync_url()
        if change.title is not None:
            self.thread_title = change.title
        if change.archived is not None:
            self.thread_archived = change.archived
        return None

    @rx.event
    async def load_earlier(self):
        user_id = await current_user_id(self)
        if user_id is None or not self.messages:
            return
        page = await run_db(
            chat_session.earlier_messages, user_id=user_id, thread_id=self.thread_id, first=self.messages[0]
        )
        self.messages, self.has_earlier = page.messages + self.messages, page.has_earlier

    # ----- sending a message ----------------------------------------------------------------------

    # Send, Retry and a card's buttons are one event each from the page: the turn (the click) runs in
    # it, in the background, rather than in a second event the page sends back when the first one
    # answers (one round trip and one event less per turn under load, issue 19).

    @rx.event(background=True)
    async def send(self, form: dict):
        async for event in self._send(str(form.get("message", ""))):
            yield event

    @rx.event(background=True)
    async def send_suggestion(self, text: str):
        async for event in self._send(text):
            yield event

    async def _send(self, text: str):
        async with self:
            text = self._submit(text)
            token, thread_id, shown = await self._turn_inputs()
        if text is None:
            return
        yield [rx.set_value("chat-input", ""), self._scroll()]
        async for event in self._run_turn(text, "", token, thread_id, shown):
            yield event

    def _submit(self, text: str) -> str | None:
        """The message to send, shown in the conversation with its reply pending (None: refused,
        with the reason shown)."""
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
        return text

    @rx.event(background=True)
    async def retry(self, message_id: str):
        async with self:
            if self.sending:
                return
            self.error, self.sending, self.stop_requested, self.stream_text = "", True, False, ""
            self.messages = [
                *[m for m in self.messages if m.id != message_id],
                MessageView(id="local-reply", role="assistant", content="", status="pending"),
            ]
            token, thread_id, shown = await self._turn_inputs()
        yield self._scroll()
        async for event in self._run_turn("", message_id, token, thread_id, shown):
            yield event

    @rx.event
    def stop(self):
        self.stop_requested = True

    async def _run_turn(
        self, text: str, retry_message_id: str, token: str, thread_id: str | None, shown: list[str]
    ):
        """Store the turn, let the agent answer (off the event loop), then stream the reply in
        (``shown``: the cards shown when it was sent, read again after it)."""
        local = get_settings().effective_agent_backend == "local"
        tab = self.router.session.client_token
        try:
            begun = await run_db(
                live.from_tab,
                tab,
                _as_user,
                token,
                chat_session.begin_turn,
                text=text,
                thread_id=thread_id,
                retry_id=retry_message_id,
                answer=local,
                shown=shown,
            )
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
        user_id, turn = begun
        start, result = turn.start, turn.result
        if result is not None and not (result.status == "completed" and _revealed(result.reply)):
            # answered at once, and short: shown in one update
            async with self:
                listed = await self._adopt_thread(start)
                retitled, on_top = await self._show_turn(result, turn.views, turn.after)
                events = [self._sync_url(), self._scroll()]
            yield events
            if not listed or not on_top or retitled:
                await self._refresh_sidebar(user_id)
            return
        async with self:
            listed = await self._adopt_thread(start)
            sync = self._sync_url()
        yield sync
        if not listed:
            await self._refresh_sidebar(user_id)
        try:
            if result is None:  # a model answers: stream its text as it comes
                streamed = await self._stream_turn(start, tab)
                result, revealed = streamed.result, streamed.any_delta
                views = await run_db(chat_session.turn_views, user_id=user_id, result=result)
            else:
                revealed, views = False, turn.views
            if not revealed and result.status == "completed":
                await self._reveal(result.thread_id, result.reply)
        except Exception:
            await self._turn_failed()
            raise
        after = turn.after if turn.result is not None else await self._after_turn(user_id, shown, result)
        async with self:
            retitled, on_top = await self._show_turn(result, views, after)
            scroll = self._scroll()
        yield scroll
        if not on_top or retitled:  # the turn moved its thread to the top, or renamed it
            await self._refresh_sidebar(user_id)

    async def _adopt_thread(self, start: runner.TurnStart) -> bool:
        """A turn that created its conversation opens it (under the lock); False when the sidebar
        must be read again to list it."""
        if not start.created_thread:
            return True
        thread_id = str(start.thread_id)
        self.thread_id, self.thread_title = thread_id, start.thread_title
        threads = await self.get_state(ThreadsState)
        return threads._new_thread_first(thread_id, start.thread_title)

    async def _show_turn(
        self, result: runner.TurnResult, views: list[MessageView], after: AfterChange
    ) -> tuple[bool, bool]:
        """The finished turn in the conversation, if it is still the open one (under the lock):
        whether it renamed the conversation, and whether the sidebar lists it on top."""
        retitled = False
        if self.thread_id == result.thread_id:
            self._merge_messages(views)
            # A later turn (or the model) can name a conversation still called "New chat".
            retitled = bool(result.thread_title) and result.thread_title != self.thread_title
            if retitled:
                self.thread_title = result.thread_title
        await self._show_after(after)
        self.sending, self.streaming, self.stream_text = False, False, ""
        listing = (await self.get_state(ThreadsState)).threads
        return retitled, bool(listing) and listing[0].id == result.thread_id

    async def _turn_inputs(self) -> tuple[str, str | None, list[str]]:
        """What a turn starts from (under the lock): the token, the open conversation (None: a new
        one) and the cards it shows (the turn may change what they show: read again after it)."""
        token = (await self.get_state(AuthState)).token
        return token, self.thread_id or None, self._shown_cards()

    def _shown_cards(self) -> list[str]:
        """The ids of the cards the conversation shows."""
        return [w.widget_id for m in self.messages for w in m.widgets]

    async def _after_turn(
        self, user_id: uuid.UUID, shown: list[str], result: runner.TurnResult
    ) -> AfterChange:
        """The cards shown before this turn, as they read after it (a turn can complete a listed
        task or answer a question a card asked, and every card shows the current truth), and the
        Today count when it changed tasks."""
        changed = chat_session.wrote(result)
        if not shown and not changed:
            return AfterChange()
        return await run_db(
            chat_session.after_change, user_id=user_id, widget_ids=shown, tasks_changed=changed
        )

    async def _show_after(self, after: AfterChange) -> None:
        """The cards and the nav's Today count as a change of this tab's left them (under the lock;
        a card no longer shown, the conversation switched meanwhile, is left alone)."""
        for view in after.cards:
            self._replace_widget(view)
        if after.today is not None:
            bell = await self.get_state(NotificationsState)
            if bell.today != after.today:
                bell.today = after.today

    async def live_refresh(self) -> None:
        """A teammate changed a shared project (called by :mod:`app.states.live` under this tab's
        state lock): the cards shown read as their tasks are now, and a removed member's cards stop
        showing the project's tasks. Nothing happens while a turn runs (it refreshes them itself)."""
        if not self.thread_id or self.sending:
            return
        shown = self._shown_cards()
        user_id = await current_user_id(self) if shown else None
        if user_id is None:
            return
        for view in await run_db(chat_session.refresh_widgets, user_id=user_id, widget_ids=shown):
            self._replace_widget(view)

    async def _turn_failed(self) -> None:
        """An unexpected error (the database went away): the error handler tells the person; the
        composer must work again and no reply may look as if it were still coming."""
        async with self:
            self.sending, self.streaming, self.stream_text = False, False, ""
            self.messages = [m for m in self.messages if m.id != "local-reply"]

    async def _refresh_sidebar(self, user_id: uuid.UUID) -> None:
        """Background events: read the filters, query unlocked, apply unless the filters changed."""
        async with self:
            listing = (await self.get_state(ThreadsState))._listing()
        page = await run_db(chat_session.thread_page, user_id=user_id, listing=listing)
        async with self:
            threads = await self.get_state(ThreadsState)
            if threads._listing() == listing:
                threads._set_threads(page)

    async def _stream_turn(self, start: runner.TurnStart, tab: str) -> _Streamed:
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
            asyncio.to_thread(
                live.from_tab, tab, runner.process_turn, start, on_delta=on_delta, should_stop=stop.is_set
            )
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
        if not _revealed(reply):
            return
        words = reply.split(" ")
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
    def toggle_form(self, widget_id: str, form: str, element_id: str):
        """Open or fold a card's form (a disclosure: no request, nothing recorded); opening it moves
        the focus to its first field."""
        key = f"{widget_id}|{form}"
        if key in self.open_forms:
            self.open_forms = [k for k in self.open_forms if k != key]
            return None
        self.open_forms = [*self.open_forms, key]
        return rx.call_script(
            "setTimeout(() => { const f = document.getElementById("
            + json.dumps(element_id)
            + "); const i = f && f.querySelector('input, select, textarea'); if (i) i.focus(); }, 60)"
        )

    @rx.event(background=True)
    async def widget_click(self, widget_id: str, path: str, version: int):
        async for event in self._action(widget_id, path, version, None):
            yield event

    @rx.event(background=True)
    async def widget_submit(self, form_data: dict, widget_id: str, path: str, version: int):
        async for event in self._action(widget_id, path, version, dict(form_data or {})):
            yield event

    async def _action(self, widget_id: str, path: str, version: int, form: dict | None):
        """Check the token and run the action in one database job, then show the widget's new version."""
        async with self:
            if self.busy_widget == widget_id:
                return
            self.busy_action, self.busy_widget, self.error = f"{widget_id}|{path}", widget_id, ""
            token = (await self.get_state(AuthState)).token
            tab = self.router.session.client_token
            others = [card for card in self._shown_cards() if card != widget_id]
        follow_up, done = None, None
        try:
            done = await _perform_settled(token, widget_id, path, version, form or {}, tab=tab, others=others)
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
            if done is not None:
                await self._show_after(done.after)
            if form and done is not None and not done.error:  # saved: fold the widget's forms
                self.open_forms = [k for k in self.open_forms if not k.startswith(f"{widget_id}|")]
        if follow_up is not None:
            yield follow_up

    @rx.event
    def copied(self):
        return rx.toast.success("Copied to clipboard.", duration=1500)

    @rx.event
    def dismiss_error(self):
        self.error = ""
