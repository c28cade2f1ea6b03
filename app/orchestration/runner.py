"""One chat turn, end to end: store the user's message, run the agent through the tool
registry, store the reply. Used by the chat page, the CLI, the API and the benchmarks.

The user message is committed before the agent runs and the assistant message moves
pending -> processing -> completed|error, so a crash loses nothing that was said. An agent that
answers at once (the local one) stores the question and its answer in one transaction
(:func:`begin_and_answer`); if that fails, the question is stored on its own and its turn closed
as failed.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col

from app.agent import registry
from app.agent.types import AgentBackend, AgentError, AgentMemory, AgentReply, AgentTurn, ToolError
from app.core.config import get_settings
from app.core.db import begin_write, session_scope
from app.models import Message, MessageStatus
from app.models.base import utcnow
from app.models.message import OPEN_STATUSES
from app.orchestration import live_cards
from app.orchestration.turn_widgets import widgets_for_turn
from app.services import clock, turn_journal
from app.services import messages as message_service
from app.services import threads as thread_service
from app.services import widgets as widget_service
from app.services.errors import BusyError, ConflictError, NotFoundError, ServiceError

log = logging.getLogger(__name__)

T = TypeVar("T")

TURN_HEARTBEAT = timedelta(seconds=15)
"""How often a running turn refreshes its assistant message's ``updated_at`` (its lease)."""

STALE_TURN = timedelta(seconds=90)
"""An open turn whose lease is older than this was orphaned by a crash (six missed heartbeats).

A live turn can take minutes (model retries, eight tool rounds), but it keeps its lease fresh;
one whose process died stops, so with several instances another one may take it over.
"""

CLOSE_RETRY_SECONDS = 1.0
"""How often a turn whose reply could not be stored (database down) retries closing as failed."""

INTERRUPTED_TEXT = "This reply was interrupted (the server could not save it)."


def recover_interrupted_turns(*, single_instance: bool) -> int:
    """Close turns a crash left open; run at start-up (:func:`recover_at_start_up`)."""
    with session_scope() as session:
        cutoff = None if single_instance else utcnow() - STALE_TURN
        return message_service.mark_interrupted(session, older_than=cutoff)


async def recover_at_start_up() -> None:
    """The app's start-up task: a restart closes the turns a crash left open, so every thread takes
    new turns at once. One of several instances (Redis configured) closes only stale turns: the
    others' live turns stay open."""
    import asyncio

    count = await asyncio.to_thread(recover_interrupted_turns, single_instance=get_settings().single_instance)
    if count:
        logging.getLogger("ticked").warning("marked %d interrupted turn(s) as failed", count)


@dataclass
class TurnStart:
    """A turn that has been stored and claimed, ready for the agent."""

    user_id: uuid.UUID
    thread_id: uuid.UUID
    user_message_id: uuid.UUID
    message_id: uuid.UUID
    text: str
    memory: AgentMemory
    thread_title: str
    created_thread: bool
    done_before: list[dict[str, Any]] = field(default_factory=list)
    """Tool calls an interrupted earlier attempt at this answer already applied (a retry's only)."""
    title_automatic: bool = False
    """The thread's title is still the assistant's to give (new, or neutral and never renamed)."""
    today: date = field(default_factory=date.today)
    """Today in the person's time zone: what "today" and "tomorrow" mean in this turn."""
    now: datetime | None = None
    """The person's clock at the start of the turn (their zone): what "in an hour" counts from."""
    zone: str | None = None
    """The person's time zone as stored, read when the turn was stored (its answer reads it again
    only in a transaction of its own)."""


@dataclass
class TurnResult:
    """What a finished turn produced (JSON-ready via :meth:`to_json`)."""

    thread_id: str
    user_message_id: str
    message_id: str
    reply: str
    status: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    widgets: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    thread_title: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def begin_turn(*, user_id: uuid.UUID, text: str, thread_id: uuid.UUID | str | None = None) -> TurnStart:
    """Store the user's message (creating the thread on the first one) and claim the turn."""
    content = message_service.clean_content(text)
    with session_scope() as session:
        return _store_turn(session, user_id, content, thread_id).start


@dataclass
class _Stored:
    start: TurnStart
    rows: tuple[Any, ...]
    """The turn's thread and messages, held while its transaction goes on: the session's identity
    map keeps only rows something refers to, and the answer reads them again."""


def _store_turn(
    session: Session, user_id: uuid.UUID, content: str, thread_id: uuid.UUID | str | None
) -> _Stored:
    zone = clock.user_zone(session, user_id)
    now = clock.now_in(zone)
    today = now.date()
    title = _early_title(content, today) if thread_id is None else None
    created = thread_id is None
    if created:
        thread = thread_service.create_thread(
            session, user_id=user_id, title=title or thread_service.DEFAULT_TITLE
        )
    else:
        thread = thread_service.get_thread(session, user_id=user_id, thread_id=thread_id)
        message_service.mark_interrupted(session, older_than=utcnow() - STALE_TURN, thread_id=thread.id)
        if message_service.has_open_turn(session, thread_id=thread.id):
            raise BusyError(message_service.BUSY_MESSAGE)
    user_message = message_service.add_user_message(
        session, user_id=user_id, thread_id=thread.id, content=content, new_thread=created
    )
    assistant = message_service.open_assistant_message(session, user_id=user_id, thread_id=thread.id)
    thread_service.remember_last_thread(session, user_id=user_id, thread_id=thread.id)
    start = TurnStart(
        user_id=user_id,
        thread_id=thread.id,
        user_message_id=user_message.id,
        message_id=assistant.id,
        text=content,
        memory=thread_service.agent_memory(thread),
        thread_title=thread.title,
        created_thread=created,
        title_automatic=created or thread_service.title_is_automatic(thread),
        today=today,
        now=now,
        zone=zone,
    )
    return _Stored(start, (thread, user_message, assistant))


def _early_title(text: str, today: date) -> str | None:
    """What the configured backend can title a new conversation from its first message alone.

    The local agent titles from its parse ("add pay rent tomorrow" -> "Pay rent"); a model
    proposes one while answering instead (:attr:`AgentReply.title`), so the thread starts neutral.
    """
    propose = getattr(agent_backend(), "early_title", None)
    if propose is None:
        return None
    try:
        title = propose(text, today)
    except Exception:  # a title is a nicety: the turn goes on with the neutral one
        log.exception("could not propose a conversation title")
        return None
    return title if isinstance(title, str) and title.strip() else None


def begin_retry(
    *, user_id: uuid.UUID, thread_id: uuid.UUID | str, message_id: uuid.UUID | str | None = None
) -> TurnStart:
    """Answer again the user message that a failed reply (``message_id``; by default the thread's
    newest reply) belonged to.

    What the failed attempts had already applied (the journal keeps it through a crash) is replayed
    instead of run again, so retrying an interrupted "add pay rent" does not add the task twice.
    """
    with session_scope() as session:
        failed = None
        if message_id is not None:
            failed = message_service.get_message(session, user_id=user_id, message_id=message_id)
        thread = thread_service.get_thread(session, user_id=user_id, thread_id=thread_id)
        if failed is None:
            failed = turn_journal.last_reply(session, thread_id=thread.id)
            if failed is None or failed.status != MessageStatus.error.value:
                raise ConflictError(
                    "The last reply in this conversation did not fail: there is nothing to retry."
                )
        if failed.thread_id != thread.id or failed.status != MessageStatus.error.value:
            raise ConflictError("Only a failed reply can be retried.")
        question = turn_journal.question_of(session, message=failed)
        if question is None:
            raise ServiceError("There is nothing to retry.")
        done_before = turn_journal.turn_calls(session, message=failed)
        assistant = message_service.open_assistant_message(session, user_id=user_id, thread_id=thread.id)
        assistant.meta = {**(assistant.meta or {}), "answers": str(question.id)}
        session.add(assistant)
        thread_service.touch(session, thread)
        zone = clock.user_zone(session, user_id)
        now = clock.now_in(zone)
        return TurnStart(
            user_id=user_id,
            thread_id=thread.id,
            user_message_id=question.id,
            message_id=assistant.id,
            text=question.content,
            memory=thread_service.agent_memory(thread),
            thread_title=thread.title,
            created_thread=False,
            done_before=done_before,
            title_automatic=thread_service.title_is_automatic(thread),
            today=now.date(),
            now=now,
            zone=zone,
        )


class ToolRecorder:
    """The ``call_tool`` an agent gets: runs registry tools for this turn and keeps a log of them."""

    def __init__(self, start: TurnStart, source: str = "chat") -> None:
        self.start = start
        self.source = source
        self.calls: list[dict[str, Any]] = []
        self._replayable = list(start.done_before)
        self.session: Session | None = None
        """The turn's own transaction when it is answered in one (:func:`answer_at_once`)."""

    def rolled_back(self) -> None:
        """The turn's transaction rolled back: none of its calls was applied."""
        self.session = None
        for entry in self.calls:
            if "result" in entry:
                del entry["result"]
                entry["error"] = "Not applied: the turn was cut short."

    def _replay(self, name: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """The stored result of the same call an interrupted attempt already applied, used up once."""
        for i, done in enumerate(self._replayable):
            if done["name"] == name and done["arguments"] == args:
                return self._replayable.pop(i)["result"]
        return None

    def __call__(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": f"call_{uuid.uuid4().hex[:12]}", "name": name, "arguments": args}
        self.calls.append(entry)
        replayed = self._replay(name, args)
        if replayed is not None:
            entry.update(result=replayed, replayed=True)
            return replayed
        try:
            result = registry.execute(
                name,
                args,
                user_id=self.start.user_id,
                source=self.source,
                thread_id=self.start.thread_id,
                message_id=self.start.message_id,
                input_text=self.start.text,
                session=self.session,
            )
        except ToolError as exc:
            entry["error"] = str(exc)
            raise
        except Exception as exc:  # the stored turn must show this call failed, not look pending
            entry["error"] = f"Internal error ({exc.__class__.__name__})."
            raise
        entry["result"] = result
        return result


def run_agent(
    start: TurnStart,
    recorder: ToolRecorder,
    *,
    on_delta: Callable[[str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> AgentReply:
    """Let the configured backend answer the turn (OpenAI streams through ``on_delta``)."""
    turn = AgentTurn(
        text=start.text,
        call_tool=recorder,
        today=start.today,
        now=start.now,
        user_id=start.user_id,
        thread_id=start.thread_id,
        message_id=start.message_id,
        memory=start.memory,
        done_before=start.done_before,
        on_delta=on_delta,
        should_stop=should_stop,
        wants_title=start.title_automatic,
    )
    return agent_backend().answer(turn)


def agent_backend() -> AgentBackend:
    """The configured backend; each is imported only when chosen (the OpenAI SDK is slow to import)."""
    if get_settings().effective_agent_backend == "openai":
        from app.agent.openai_backend import OpenAIAgent

        return OpenAIAgent()
    from app.agent.offline import LocalAgent

    return LocalAgent()


def finish_turn(
    start: TurnStart,
    reply: AgentReply | None,
    recorder: ToolRecorder,
    *,
    error: AgentError | None = None,
    shown: bool = False,
) -> TurnResult:
    """Store the reply (or the error) on the assistant message and the agent's memory on the thread
    (in the turn's transaction when it has one, :func:`answer_at_once`); ``shown``: its cards are
    shown in that transaction (stored ``rendered``)."""
    status = MessageStatus.completed if error is None else MessageStatus.error
    text = reply.text if reply is not None else (error.message if error else "No answer.")
    meta: dict[str, Any] = {}
    if error is not None:
        meta["error"] = error.reason
    if reply is not None and reply.confirmation is not None:
        meta["confirmation"] = reply.confirmation.model_dump(mode="json")
    payloads = _widgets(start, reply, recorder)
    with nullcontext(recorder.session) if recorder.session else session_scope() as session:
        message_service.finish_assistant_message(
            session,
            message_id=start.message_id,
            content=text,
            status=status,
            tool_calls=recorder.calls,
            meta=meta,
        )
        rows = widget_service.store_widgets(
            session, message_id=start.message_id, thread_id=start.thread_id, payloads=payloads, shown=shown
        )
        thread = thread_service.get_thread(session, user_id=start.user_id, thread_id=start.thread_id)
        if reply is not None:
            thread_service.set_agent_memory(session, thread, reply.memory)
            if start.title_automatic:  # the turn's own title, while no person chose one
                thread_service.propose_title(session, thread, reply.title, first_turn=start.created_thread)
        thread_service.touch(session, thread)
        title = thread.title
        # The cards as they read (list rows with their tasks' dates and badges), as every later read
        # shows them: after the memory, so this turn's own question is still the open one.
        live = live_cards.live_payloads(
            session, user_id=start.user_id, widgets=rows, today=start.today, known=_tasks_read(recorder)
        )
        widgets = [{"id": w.id, "type": w.type, "payload": live.get(w.id, w.payload)} for w in rows]
    return TurnResult(
        thread_id=str(start.thread_id),
        user_message_id=str(start.user_message_id),
        message_id=str(start.message_id),
        reply=text,
        status=status.value,
        tool_calls=recorder.calls,
        widgets=widgets,
        error=error.reason if error else None,
        thread_title=title,
    )


def _tasks_read(recorder: ToolRecorder) -> dict[str, dict[str, Any]] | None:
    """The tasks this turn's calls returned, by id, when every call was a read that ran in the turn's
    own transaction: nothing changed them since, so its cards need not read them again."""
    if recorder.session is None:
        return None
    tasks: dict[str, dict[str, Any]] = {}
    for entry in recorder.calls:
        if not registry.is_read(entry["name"]) or "result" not in entry or entry.get("replayed"):
            return None
        for task in entry["result"].get("tasks") or []:
            tasks[str(task["id"])] = task
    return tasks


def _widgets(start: TurnStart, reply: AgentReply | None, recorder: ToolRecorder) -> list[dict[str, Any]]:
    """The turn's widgets; a widget that can't be built must not keep the turn from closing."""
    if reply is None:
        return []
    try:
        return widgets_for_turn(reply, recorder.calls, start.today)
    except Exception:  # the reply text still answers the person
        log.exception("could not build widgets (thread %s)", start.thread_id)
        return []


def process_turn(
    start: TurnStart,
    source: str = "chat",
    *,
    on_delta: Callable[[str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TurnResult:
    """Run the agent on a stored turn and store its answer; never leaves the turn open.

    While it runs, a heartbeat keeps the turn's lease fresh (see :data:`STALE_TURN`). When the
    answer can't be stored (the database went away), the turn is closed as failed as soon as
    the database answers again, and the error is re-raised for the caller to report.
    """
    recorder = ToolRecorder(start, source)
    try:
        reply, error = _answer(start, recorder, on_delta, should_stop)
        return finish_turn(start, reply, recorder, error=error)
    except Exception:
        _close_when_possible(start, recorder)
        raise


def answer_at_once(
    start: TurnStart,
    source: str = "chat",
    *,
    then: Callable[[Session, TurnResult], T],
    shown: bool = False,
) -> tuple[TurnResult, T]:
    """:func:`process_turn` in one transaction, for an agent that answers in milliseconds (the
    local one): its tool calls with their journal rows, the stored reply and ``then(session,
    result)`` (what the page shows of it) commit together. The turn goes from pending to its end in
    one commit (nobody could see it "processing"), with no lease heartbeat: nothing waits on a
    model. If the transaction fails, none of it was applied and the turn is closed as failed on its
    own (:func:`process_turn`'s promise: never left open).
    ``shown``: ``then`` shows the reply's cards (they are stored ``rendered``)."""
    recorder = ToolRecorder(start, source)
    try:
        with session_scope() as session:
            begin_write(session)  # a writer from the start: what the turn reads stays true
            clock.remember_zone(session, start.user_id, start.zone)
            # Held while the turn runs: the session's identity map keeps only rows something refers
            # to, and the reply is read again when it is stored and when the page's views are made.
            reply_row = session.get(Message, start.message_id)
            answered = _answer_in(session, recorder, then, shown)
            del reply_row
            return answered
    except Exception:
        recorder.rolled_back()
        _close_when_possible(start, recorder)
        raise


def _answer_in(
    session: Session, recorder: ToolRecorder, then: Callable[[Session, TurnResult], T], shown: bool
) -> tuple[TurnResult, T]:
    """The agent's answer to ``recorder.start`` in ``session``'s transaction: its tool calls, the
    stored reply and ``then(session, result)``."""
    recorder.session = session
    reply, error = _agent_reply(recorder.start, recorder, None, None)
    result = finish_turn(recorder.start, reply, recorder, error=error, shown=shown)
    return result, then(session, result)


def begin_and_answer(
    *,
    user_id: uuid.UUID,
    text: str,
    thread_id: uuid.UUID | str | None = None,
    source: str = "chat",
    then: Callable[[Session, TurnResult], T],
    shown: bool = False,
) -> tuple[TurnStart, TurnResult, T]:
    """:func:`begin_turn` and :func:`answer_at_once` in one transaction, for an agent that answers in
    milliseconds (the local one): the question, its answer with its tool calls and journal rows,
    and ``then(session, result)`` commit together (issue 19: one transaction, not two, and the
    turn's rows are not read back).

    Nothing said is lost: if storing the answer fails, none of the turn was applied, so the question
    is then stored on its own and its turn closed as failed (Retry answers it), as when the answer of
    a stored turn fails. A turn that can't be stored (busy, no such conversation) stores nothing.
    """
    content = message_service.clean_content(text)
    recorder: ToolRecorder | None = None
    try:
        with session_scope() as session:
            begin_write(session)  # a writer from the start: what the turn reads stays true
            stored = _store_turn(session, user_id, content, thread_id)
            recorder = ToolRecorder(stored.start, source)
            return stored.start, *_answer_in(session, recorder, then, shown)
    except Exception:
        if recorder is None:
            raise
        recorder.rolled_back()
        _keep_the_question(user_id, content, thread_id, recorder)
        raise


def _keep_the_question(
    user_id: uuid.UUID, content: str, thread_id: uuid.UUID | str | None, recorder: ToolRecorder
) -> None:
    """After a one-transaction turn failed: its question stored on its own, its turn closed as failed."""
    try:
        start = begin_turn(user_id=user_id, text=content, thread_id=thread_id)
    except Exception as exc:  # noqa: BLE001 - the database is away: the caller reports the first error
        log.warning("could not keep the question of a failed turn: %s", exc.__class__.__name__)
        return
    _close_when_possible(start, recorder)


def _answer(
    start: TurnStart,
    recorder: ToolRecorder,
    on_delta: Callable[[str], None] | None,
    should_stop: Callable[[], bool] | None,
) -> tuple[AgentReply | None, AgentError | None]:
    """The agent's reply, or the error to show instead; the turn's lease is renewed meanwhile."""
    with session_scope() as session:
        _mark_processing(start, session)
    heartbeat = _Heartbeat(start.message_id)
    heartbeat.start()
    try:
        return _agent_reply(start, recorder, on_delta, should_stop)
    finally:
        heartbeat.stop()


def _agent_reply(
    start: TurnStart,
    recorder: ToolRecorder,
    on_delta: Callable[[str], None] | None,
    should_stop: Callable[[], bool] | None,
) -> tuple[AgentReply | None, AgentError | None]:
    """The agent's reply, or the error to show instead (a crash included: the turn must close)."""
    try:
        return run_agent(start, recorder, on_delta=on_delta, should_stop=should_stop), None
    except AgentError as exc:
        log.warning("agent turn failed (thread %s): %s", start.thread_id, exc.reason)
        return None, exc
    except Exception as exc:  # any failure must close the turn, not leave it pending
        log.exception("agent turn crashed (thread %s)", start.thread_id)
        return None, AgentError(
            "Sorry, something went wrong while answering. Try again.", exc.__class__.__name__
        )


def _mark_processing(start: TurnStart, session: Session) -> Message | None:
    return message_service.set_status(session, message_id=start.message_id, status=MessageStatus.processing)


def _renew_lease(message_id: uuid.UUID) -> int:
    """Refresh an open turn's ``updated_at``; a finished turn is left alone (0 rows)."""
    stmt = (
        sa.update(Message)
        .where(sa.and_(col(Message.id) == message_id, col(Message.status).in_(OPEN_STATUSES)))
        .values(updated_at=utcnow())
    )
    with session_scope() as session:
        return session.execute(stmt).rowcount or 0


class _Heartbeat:
    """A daemon thread renewing the turn's lease every :data:`TURN_HEARTBEAT` until stopped."""

    def __init__(self, message_id: uuid.UUID) -> None:
        self.message_id = message_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"turn-heartbeat-{message_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(TURN_HEARTBEAT.total_seconds()):
            try:
                if not _renew_lease(self.message_id):
                    return
            except Exception as exc:  # noqa: BLE001 - a missed beat is fine; STALE_TURN allows six
                log.warning("turn heartbeat failed (message %s): %s", self.message_id, exc.__class__.__name__)


def _close_as_interrupted(start: TurnStart, recorder: ToolRecorder) -> bool:
    """Close this turn (and only this one) as failed if it is still open; True once it is closed."""
    with session_scope() as session:
        message = session.get(Message, start.message_id)
        if message is None or message.status not in OPEN_STATUSES:
            return True
        content = turn_journal.interrupted_text(
            INTERRUPTED_TEXT, turn_journal.turn_calls(session, message=message)
        )
        message_service.finish_assistant_message(
            session,
            message_id=start.message_id,
            content=f"{content} Try again.",
            status=MessageStatus.error,
            tool_calls=recorder.calls,
            meta={"error": message_service.INTERRUPTED},
        )
    return True


def _close_when_possible(start: TurnStart, recorder: ToolRecorder) -> None:
    """Close the turn as failed now, or keep trying in the background until the database is back.

    Gives up after :data:`STALE_TURN`: by then any instance's ``begin_turn`` takes it over.
    """
    try:
        _close_as_interrupted(start, recorder)
        return
    except Exception as exc:  # noqa: BLE001 - the database is still away: retry below
        log.warning("could not close turn %s yet: %s", start.message_id, exc.__class__.__name__)

    def retry() -> None:
        deadline = time.monotonic() + STALE_TURN.total_seconds()
        while time.monotonic() < deadline:
            time.sleep(CLOSE_RETRY_SECONDS)
            try:
                _close_as_interrupted(start, recorder)
                log.warning("closed turn %s as interrupted after a database outage", start.message_id)
                return
            except Exception:  # noqa: BLE001 - still down: wait and retry
                continue
        log.error("gave up closing turn %s; it will be taken over when stale", start.message_id)

    threading.Thread(target=retry, name=f"turn-close-{start.message_id}", daemon=True).start()


def run_turn(
    *, user_id: uuid.UUID, text: str, thread_id: uuid.UUID | str | None = None, source: str = "chat"
) -> TurnResult:
    """Store, answer and store: one whole turn."""
    return process_turn(begin_turn(user_id=user_id, text=text, thread_id=thread_id), source)


def run_cli_chat(*, email: str, thread_id: str | None, as_json: bool, lines: Iterable[str]) -> None:
    """``python -m app.cli chat``: every stdin line is a turn in one thread."""
    from app.services.auth import get_user_by_email

    with session_scope() as session:
        user = get_user_by_email(session, email=email)
        if user is None:
            raise NotFoundError(f"No user with email {email}.")
        user_id = user.id
    current = thread_id
    for raw in lines:
        text = raw.strip()
        if not text:
            continue
        try:
            result = run_turn(user_id=user_id, text=text, thread_id=current, source="cli")
        except ServiceError as exc:
            payload = {
                "thread_id": current,
                "reply": exc.message,
                "tool_calls": [],
                "widgets": [],
                "error": exc.code,
            }
            print(json.dumps(payload) if as_json else f"error: {exc.message}", flush=True)
            continue
        current = result.thread_id
        if as_json:
            out = {k: result.to_json()[k] for k in ("thread_id", "reply", "tool_calls", "widgets", "status")}
            print(json.dumps(out, ensure_ascii=False, default=str), flush=True)
        else:
            print(f"assistant> {result.reply}", flush=True)
    sys.stdout.flush()
