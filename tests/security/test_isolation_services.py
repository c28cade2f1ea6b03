"""Isolation at the service layer: every service function that takes an id, fuzzed.

Every public function in ``app/services`` with an ``*_id`` / ``*_ids`` parameter (other than the
acting ``user_id``) is found by introspection and must be listed here, either fuzzed or named
internal with the reason; a new one that is neither fails the test. Each is called as Bob with
Alice's ids (as they are and re-spelled the other ways ``uuid.UUID`` reads them), her ids of
other kinds, random ids and garbage: a "not found" function must raise ``NotFoundError`` with the
same message as for a random id; a filter must return the same nothing as for a random id. All
on SQLite and PostgreSQL, with every table snapshotted before and after.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

import app.services
from app.core.db import session_scope
from app.models import Message, Thread
from app.services import messages as message_service
from app.services import operations as operation_service
from app.services import retention as retention_service
from app.services import tasks as task_service
from app.services import threads as thread_service
from app.services import widgets as widget_service
from app.services.errors import NotFoundError
from app.services.operations import PAGE
from tests.security.world import (
    COUNTS,
    Holdings,
    IdCase,
    assert_untouched,
    id_cases,
    random_id,
    snapshot,
)

Call = Callable[[Session, uuid.UUID, Any], Any]


@dataclass(frozen=True)
class Fuzzed:
    kind: str
    call: Call
    missing: str
    """"raises": NotFoundError, like a missing id; "nothing": returns the same empty answer."""
    typed: bool = False
    """Takes ``uuid.UUID`` values only (never text from a person): fuzzed with UUIDs, not garbage."""


FUZZED: dict[str, Fuzzed] = {
    "tasks.get_task": Fuzzed(
        "task", lambda s, u, v: task_service.get_task(s, user_id=u, task_id=v), "raises"
    ),
    "tasks.update_task": Fuzzed(
        "task",
        lambda s, u, v: task_service.update_task(
            s, user_id=u, task_id=v, data={"title": "hijacked", "completed": True, "tags": ["x"]}
        ),
        "raises",
    ),
    "tasks.complete_task": Fuzzed(
        "task", lambda s, u, v: task_service.complete_task(s, user_id=u, task_id=v), "raises"
    ),
    "tasks.reopen_task": Fuzzed(
        "task", lambda s, u, v: task_service.reopen_task(s, user_id=u, task_id=v), "raises"
    ),
    "tasks.delete_task": Fuzzed(
        "task", lambda s, u, v: task_service.delete_task(s, user_id=u, task_id=v), "raises"
    ),
    "tasks.bulk_complete": Fuzzed(
        "task", lambda s, u, v: task_service.bulk_complete(s, user_id=u, task_ids=[v]), "raises"
    ),
    "tasks.bulk_delete": Fuzzed(
        "task", lambda s, u, v: task_service.bulk_delete(s, user_id=u, task_ids=[v]), "raises"
    ),
    "tasks.undo_last": Fuzzed(
        "thread", lambda s, u, v: task_service.undo_last(s, user_id=u, thread_id=v), "raises", typed=True
    ),
    "tasks.undo_operation": Fuzzed(
        "operation", lambda s, u, v: task_service.undo_operation(s, user_id=u, operation_id=v), "raises"
    ),
    "tasks.undo_field_change": Fuzzed(
        "operation",
        lambda s, u, v: task_service.undo_field_change(
            s, user_id=u, task_id=v, operation_id=v, field="title", origin=PAGE
        ),
        "raises",
    ),
    "threads.get_thread": Fuzzed(
        "thread", lambda s, u, v: thread_service.get_thread(s, user_id=u, thread_id=v), "raises"
    ),
    "threads.rename_thread": Fuzzed(
        "thread",
        lambda s, u, v: thread_service.rename_thread(s, user_id=u, thread_id=v, title="hijacked"),
        "raises",
    ),
    "threads.set_archived": Fuzzed(
        "thread", lambda s, u, v: thread_service.set_archived(s, user_id=u, thread_id=v), "raises"
    ),
    "threads.delete_thread": Fuzzed(
        "thread", lambda s, u, v: thread_service.delete_thread(s, user_id=u, thread_id=v), "raises"
    ),
    "threads.remember_last_thread": Fuzzed(
        "thread",
        lambda s, u, v: thread_service.remember_last_thread(s, user_id=u, thread_id=v),
        "raises",
        typed=True,
    ),
    "messages.add_user_message": Fuzzed(
        "thread",
        lambda s, u, v: message_service.add_user_message(s, user_id=u, thread_id=v, content="hi"),
        "raises",
    ),
    "messages.get_message": Fuzzed(
        "message", lambda s, u, v: message_service.get_message(s, user_id=u, message_id=v), "raises"
    ),
    "messages.list_messages": Fuzzed(
        "thread", lambda s, u, v: message_service.list_messages(s, user_id=u, thread_id=v), "raises"
    ),
    "messages.page_messages": Fuzzed(
        "thread", lambda s, u, v: message_service.page_messages(s, user_id=u, thread_id=v), "raises"
    ),
    "widgets.get_widget": Fuzzed(
        "widget", lambda s, u, v: widget_service.get_widget(s, user_id=u, widget_id=v), "raises"
    ),
    "widgets.mark_rendered": Fuzzed(
        "widget", lambda s, u, v: widget_service.mark_rendered(s, user_id=u, widget_ids=[v]), "nothing"
    ),
    "operations.last_undoable": Fuzzed(
        "thread",
        lambda s, u, v: operation_service.last_undoable(s, user_id=u, thread_id=v),
        "nothing",
        typed=True,
    ),
    "retention.delete_threads": Fuzzed(
        "thread",
        lambda s, u, v: retention_service.delete_threads(s, user_id=u, thread_ids=[v]),
        "nothing",
        typed=True,
    ),
}

INTERNAL: dict[str, str] = {
    "messages.open_assistant_message": "claims a turn in a thread its caller (the runner) has just checked",
    "messages.has_open_turn": "asked by the runner about a thread it has just checked",
    "messages.set_status": "the runner moving its own open reply along",
    "messages.finish_assistant_message": "the runner storing its own reply",
    "messages.mark_interrupted": "crash recovery over every user's open turns (no acting user)",
    "widgets.store_widgets": "the runner attaching widgets to its own reply",
    "widgets.widgets_for_messages": "for messages its caller has just listed from a checked thread",
    "retention.count_under": "the retention job counting what it deletes (no acting user)",
    "operations.record_change": "journals a change its calling service has just made to checked tasks",
    "search_index.add_message_text": "indexes a message the messages service has just stored",
    "search_index.set_title": "indexes a title the threads service has just set on a checked thread",
    "search_index.thread_rows": "builds index rows for a thread being (re)indexed (migration, key rotation)",
    "search_index.thread_filters": "a query filter over the acting user's own hashed terms",
    "turn_journal.last_reply": "the runner's retry reading the newest reply of a thread it has just checked",
    "turn_journal.applied_calls": "what a checked thread's unfinished turn applied (runner, recovery)",
}


def _id_functions() -> dict[str, list[str]]:
    """Every public service function with an id parameter besides ``user_id``."""
    found: dict[str, list[str]] = {}
    for info in pkgutil.iter_modules(app.services.__path__):
        module = importlib.import_module(f"app.services.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_"):
                continue
            params = [
                p
                for p in inspect.signature(fn).parameters
                if p != "user_id" and (p.endswith(("_id", "_ids")))
            ]
            if params:
                found[f"{info.name}.{name}"] = params
    return found


def test_isolation_every_id_taking_service_is_covered() -> None:
    found = _id_functions()
    unclassified = sorted(set(found) - set(FUZZED) - set(INTERNAL))
    assert not unclassified, f"service functions taking ids, neither fuzzed nor internal: {unclassified}"
    stale = sorted((set(FUZZED) | set(INTERNAL)) - set(found))
    assert not stale, f"listed here but no longer in app/services: {stale}"


def _outcome(call: Call, user_id: uuid.UUID, value: Any) -> tuple[str, str]:
    """What a call did: ("raised", "NotFoundError: message") or ("returned", the value)."""
    try:
        with session_scope() as session:
            result = call(session, user_id, value)
    except Exception as exc:  # noqa: BLE001 - the kind of failure is what is compared
        return "raised", f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"
    return "returned", repr(result if not isinstance(result, list) else len(result))


def _cases(spec: Fuzzed, victim: Holdings) -> list[IdCase]:
    cases = id_cases(spec.kind, victim, garbage=not spec.typed)
    if not spec.typed:
        return cases
    typed = []
    for case in cases:
        try:
            typed.append(IdCase(case.label, uuid.UUID(case.value.strip()), True))  # type: ignore[arg-type]
        except ValueError:
            continue
    return typed


def test_isolation_services_fuzzed(app_db: sa.Engine, alice: Holdings, bob: Holdings) -> None:
    total = 0
    for name, spec in FUZZED.items():
        cases = _cases(spec, alice)
        before = snapshot(app_db)
        fresh = random_id(spec.kind)
        random_answer = _outcome(spec.call, bob.user_id, uuid.UUID(fresh) if spec.typed else fresh)
        for case in cases:
            answer = _outcome(spec.call, bob.user_id, case.value)
            where = f"{name}({case.label}: {str(case.value)[:40]!r})"
            if spec.missing == "raises":
                assert answer[0] == "raised", f"{where} returned {answer[1]}"
                assert answer[1].startswith("NotFoundError: "), f"{where} raised {answer[1]}"
            if case.shaped or spec.missing == "nothing":
                assert answer == random_answer, (
                    f"{where}: {answer} differs from a missing id's {random_answer}"
                )
        assert_untouched(app_db, before, bob.user_id, name)
        COUNTS.add(f"services ({app_db.dialect.name})", name, len(cases))
        total += len(cases)
    assert total > 400


def test_isolation_services_mixed_batches_all_or_nothing(
    app_db: sa.Engine, alice: Holdings, bob: Holdings
) -> None:
    """A batch with Bob's own task and one of Alice's fails whole: Bob's own task is not touched either."""
    before = snapshot(app_db)
    for call in (task_service.bulk_complete, task_service.bulk_delete):
        for theirs in (alice.task_ids[0], str(uuid.uuid4())):
            with session_scope() as session, _raises(NotFoundError, "Task not found."):
                call(session, user_id=bob.user_id, task_ids=[bob.task_ids[0], theirs])
    assert_untouched(app_db, before, bob.user_id, "mixed batches")
    COUNTS.add(f"services ({app_db.dialect.name})", "tasks.bulk_* mixed", 4)


def test_isolation_services_cursors_never_reach_across(
    app_db: sa.Engine, alice: Holdings, bob: Holdings
) -> None:
    """Keyset cursors built from Alice's rows only page through Bob's own threads and messages."""
    with session_scope() as session:
        theirs = session.get(Thread, uuid.UUID(alice.thread_ids[0]))
        message = session.get(Message, uuid.UUID(alice.message_ids[0]))
        assert theirs is not None
        assert message is not None
        cursor = thread_service.ThreadCursor(theirs.updated_at, theirs.id)
        far = thread_service.ThreadCursor(datetime(2999, 1, 1), theirs.id)
        for after in (cursor, far):
            for order in ("asc", "desc"):
                rows = thread_service.list_threads(session, user_id=bob.user_id, after=after, order=order)
                assert {r.user_id for r in rows} <= {bob.user_id}
        rows = message_service.list_messages(
            session,
            user_id=bob.user_id,
            thread_id=bob.thread_ids[0],
            before=(datetime(2999, 1, 1), message.id),
        )
        assert rows
        assert {r.user_id for r in rows} == {bob.user_id}
    COUNTS.add(f"services ({app_db.dialect.name})", "cursors", 5)


class _raises:
    """``with _raises(NotFoundError, "Task not found."):`` (an exact message, unlike pytest.raises)."""

    def __init__(self, kind: type[Exception], message: str) -> None:
        self.kind, self.message = kind, message

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, exc: BaseException | None, _tb: object) -> bool:
        assert kind is not None, f"expected {self.kind.__name__}"
        assert issubclass(kind, self.kind), f"raised {kind.__name__}: {exc}"
        assert getattr(exc, "message", str(exc)) == self.message
        return True
