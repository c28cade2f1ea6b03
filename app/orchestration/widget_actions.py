"""Widget actions, processed exactly once through the tool registry.

A click (or submit) is recorded as an Action row; the unique key (``widget_id``,
``idempotency_key``) in the database turns a double click, a replayed event or a second tab into
a read of the first result, on any app instance. Only actions the widget itself declares can run
(the client names a declared action, it cannot invent one), and only on the acting user's own
widgets. A click is one transaction with the card locked: its record, the tool's change with its
journal row, the settled record and the card's new version commit together, or none of them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.agent import registry
from app.agent.types import ToolError
from app.core.db import begin_write, session_scope
from app.core.inputs import InputError, check_json
from app.models import Action, ActionStatus, Widget, WidgetState
from app.models.base import utcnow
from app.orchestration import live_cards
from app.services import clock
from app.services import tasks as task_service
from app.services import threads as thread_service
from app.services import widgets as widget_service
from app.services.errors import InvalidInputError, NotFoundError, ServiceError, StillProcessingError
from app.services.presentation import undone_verb
from app.views.widget import action_at
from app.widgets import build
from app.widgets.actions import (
    AddSubtasks,
    ApplyTaskChanges,
    CancelDeleteTasks,
    CompleteTask,
    DeleteTask,
    DeleteTasks,
    ReopenTask,
    ShareProject,
    UndoOperation,
    UndoOperations,
    UpdateTask,
    WidgetAction,
    parse_server_action,
)
from app.widgets.validate import WidgetError, dump, validate_widget

log = logging.getLogger(__name__)

WAIT_FOR_OTHER_SECONDS = 10.0
"""How long :func:`perform` waits by default for a first click with the same key to settle."""
STILL_PROCESSING = "This action is still being processed. Try again in a moment."
STALE_ACTION = timedelta(seconds=60)
"""A click still pending after this long was cut short (a crash, a killed worker: an action takes
milliseconds); the next click with its key takes it over and runs it, instead of being told "still
processing" forever. Running it again is safe: task changes lock their rows and change nothing that
is already as asked (a complete of a done task, a delete of a deleted one answers "not found")."""


@dataclass
class ActionOutcome:
    """What an action did (or, for a replay, what the first one did)."""

    action_id: str
    status: str
    result: dict[str, Any]
    widget: dict[str, Any]
    replayed: bool = False
    version: int | None = None
    """The stored widget's version that ``widget`` shows, when this click read it in its own
    transaction (not in the JSON: the page's answer carries it, so it needn't read it back)."""

    def to_json(self) -> dict[str, Any]:
        found = asdict(self)
        del found["version"]
        return found


def declared_actions(node: Any) -> list[dict[str, Any]]:
    """Every action config a widget payload declares, depth first."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        for name in ("onClickAction", "onSubmitAction", "onChangeAction"):
            if isinstance(node.get(name), dict):
                found.append(node[name])
        for name in ("confirm", "cancel"):
            if isinstance(node.get(name), dict) and isinstance(node[name].get("action"), dict):
                found.append(node[name]["action"])
        kids = node.get("children")
        for kid in kids if isinstance(kids, list) else [kids] if isinstance(kids, dict) else []:
            found += declared_actions(kid)
    return found


def find_declared(payload: dict[str, Any], action: dict[str, Any]) -> dict[str, Any] | None:
    """The widget's own config for the requested action (same type and payload), if it declares one."""
    want_type, want_payload = action.get("type"), action.get("payload") or {}
    for config in declared_actions(payload):
        if config.get("type") == want_type and (config.get("payload") or {}) == want_payload:
            return config
    return None


def default_key(widget: Widget, action: dict[str, Any]) -> str:
    """The key a client derives from what it saw: the action and the widget version it clicked."""
    digest = hashlib.sha256(json.dumps(action, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"v{widget.version}:{action.get('type')}:{digest}"


@dataclass
class Unavailable:
    """A click on a node that declares no server action now: the card changed since it was shown,
    or answered its question (``answered``). ``widget`` is the card as it reads, at ``version``."""

    widget: dict[str, Any]
    version: int
    answered: bool


@dataclass
class ClientAction:
    """A click on a node whose action runs in the browser (``handler: client``): nothing recorded."""

    config: dict[str, Any]


def perform(
    *,
    user_id: uuid.UUID,
    widget_id: str,
    action: dict[str, Any],
    idempotency_key: str | None = None,
    form: dict[str, Any] | None = None,
    source: str = "action",
    wait_seconds: float | None = None,
) -> ActionOutcome:
    """Record, authorise, run and settle one widget action, exactly once per key.

    A second call with a key whose first call is still running waits up to ``wait_seconds``
    (default :data:`WAIT_FOR_OTHER_SECONDS`) for its result, then raises
    :class:`StillProcessingError`. Callers on a shared worker pool (the API, the chat page) pass 0:
    they are told at once and wait, if they wait, without holding a worker.
    """
    if not isinstance(action, dict) or not isinstance(action.get("type"), str):
        raise InvalidInputError("An action needs a 'type' (and usually a 'payload').")
    try:  # before anything is stored: the action row keeps its payload and form
        check_json(list(action), "action")  # its keys
        for name, value in action.items():
            check_json(value, f"action.{name}")
    except InputError as exc:
        raise InvalidInputError(str(exc)) from exc
    outcome = _perform(user_id, widget_id, action, None, idempotency_key, form, source, wait_seconds, None)
    assert isinstance(outcome, ActionOutcome)  # only a click by path finds no action to run
    return outcome


def click(
    *,
    user_id: uuid.UUID,
    widget_id: str,
    path: str,
    idempotency_key: str,
    form: dict[str, Any] | None = None,
    source: str = "action",
    wait_seconds: float | None = None,
    then: Callable[[Session], None] | None = None,
) -> ActionOutcome | Unavailable | ClientAction:
    """:func:`perform` for the node at ``path`` of the card as it reads now (the chat page's click):
    the action is the one that node declares, read in the click's own transaction. ``then``: run in
    that transaction after a click that ran and completed (not a replay), before it commits."""
    return _perform(user_id, widget_id, None, path, idempotency_key, form, source, wait_seconds, then)


def _perform(
    user_id: uuid.UUID,
    widget_id: str,
    action: dict[str, Any] | None,
    path: str | None,
    idempotency_key: str | None,
    form: dict[str, Any] | None,
    source: str,
    wait_seconds: float | None,
    then: Callable[[Session], None] | None,
) -> ActionOutcome | Unavailable | ClientAction:
    """The click in one transaction: the card locked, the click recorded under its key, the action
    run through the registry, the click settled and the card stored, all committed together (a
    crash leaves nothing half done, and the next click with the key runs it). A click whose key is
    recorded already is a replay: the first one's result."""
    if form is not None and not isinstance(form, dict):
        raise InvalidInputError("An action's form must be a JSON object.")
    try:
        check_json(form, "form")
    except InputError as exc:
        raise InvalidInputError(str(exc)) from exc
    form = form or {}
    key = ""
    try:
        with session_scope() as session:
            widget = _locked_widget(session, user_id, widget_id)
            live = None
            if action is None:  # by path: what that node of the card, as it reads now, declares
                stale = live_cards.settle_stale(session, user_id=user_id, widgets=[widget])
                live = live_cards.live_widget(session, user_id=user_id, widget=widget)
                config = None if stale else action_at(live, path or "")
                if config is None:
                    answered = bool(stale) or build.is_settled_confirmation(live)
                    return Unavailable(live, widget.version, answered)
                if config.get("handler") == "client":
                    return ClientAction(config)
                action = {"type": config["type"], "payload": config.get("payload")}
            key = (idempotency_key or default_key(widget, action)).strip()[:128]
            if not key:
                raise InvalidInputError("The idempotency key can't be empty.")
            existing = _find(session, widget.id, key)
            if existing is None:
                asked = action.get("payload")
                record = Action(
                    widget_id=widget.id,
                    thread_id=widget.thread_id,
                    user_id=user_id,
                    type=str(action["type"])[:64],
                    payload={"action": asked, "form": form} if form else (asked or {}),
                    idempotency_key=key,
                )  # added once settled (one INSERT): the card's lock keeps the same key out meanwhile
                outcome = _process(session, record, widget, user_id=user_id, action=action, form=form,
                                   source=source, live=live)  # fmt: skip
                return _then(session, outcome, then)
    except IntegrityError:  # the same key recorded by another transaction meanwhile
        if not key:
            raise
        with session_scope() as session:
            existing = _find(session, str(widget_id)[:64], key)
        if existing is None:
            raise
    wait = WAIT_FOR_OTHER_SECONDS if wait_seconds is None else wait_seconds
    if _take_over_stale(existing):
        with session_scope() as session:
            widget = _locked_widget(session, user_id, widget_id)
            record = session.get(Action, existing.id) or existing
            outcome = _process(
                session, record, widget, user_id=user_id, action=action, form=form, source=source
            )
            return _then(session, outcome, then)
    return _replay(existing, user_id, wait)


def _then(session: Session, outcome: ActionOutcome, then: Callable[[Session], None] | None) -> ActionOutcome:
    if then is not None and outcome.status == ActionStatus.completed.value:
        then(session)
    return outcome


def _locked_widget(session: Session, user_id: uuid.UUID, widget_id: str) -> Widget:
    """The user's widget, locked until the transaction ends (its row on PostgreSQL, SQLite's write
    lock), so what the click reads of it and of its tasks stays true until it commits."""
    begin_write(session)
    return widget_service.get_widget(session, user_id=user_id, widget_id=widget_id, lock=True)


def _find(session, widget_id: str, key: str) -> Action | None:
    return session.exec(_action_by_key(), params={"widget_id": widget_id, "key": key}).first()


@cache
def _action_by_key() -> Any:
    """The click recorded on ``:widget_id`` under ``:key`` (built once: on every click's path)."""
    return select(Action).where(
        Action.widget_id == sa.bindparam("widget_id"), Action.idempotency_key == sa.bindparam("key")
    )


def _take_over_stale(existing: Action) -> bool:
    """Claim a click left pending past :data:`STALE_ACTION` (one claimer wins: a conditional update)."""
    if existing.status != ActionStatus.pending.value:
        return False
    now = utcnow()
    with session_scope() as session:
        claimed = session.execute(
            sa.update(Action)
            .where(
                col(Action.id) == existing.id,
                col(Action.status) == ActionStatus.pending.value,
                col(Action.created_at) < now - STALE_ACTION,
            )
            .values(created_at=now)
        )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    log.warning("taking over a widget action left pending (an earlier process stopped mid-way)")
    return True


def _replay(existing: Action, user_id: uuid.UUID, wait_seconds: float) -> ActionOutcome:
    """Another click with the same key: the first one's result, once it has settled.

    Polls for at most ``wait_seconds`` (a database session only while reading, never while
    sleeping); a first click still pending then is answered with :class:`StillProcessingError`.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        with session_scope() as session:
            widget = widget_service.get_widget(session, user_id=user_id, widget_id=existing.widget_id)
            row = session.get(Action, existing.id)
            if row is None:  # its widget was deleted with the conversation meanwhile
                raise NotFoundError("Widget not found.")
            if row.status != ActionStatus.pending.value:
                return ActionOutcome(
                    action_id=str(row.id),
                    status=row.status,
                    result=row.result or {},
                    widget=live_cards.live_widget(session, user_id=user_id, widget=widget),
                    replayed=True,
                )
        if time.monotonic() >= deadline:
            raise StillProcessingError(STILL_PROCESSING)
        time.sleep(0.05)


def _settle(session: Session, record: Action, status: ActionStatus, result: dict[str, Any]) -> None:
    record.status, record.result, record.processed_at = status.value, result, utcnow()
    session.add(record)


def _process(
    session: Session,
    record: Action,
    widget: Widget,
    *,
    user_id: uuid.UUID,
    action: dict[str, Any],
    form: dict[str, Any],
    source: str,
    live: dict[str, Any] | None = None,
) -> ActionOutcome:
    """Run the recorded click on the locked ``widget`` (``live``: the card as it reads, when the
    caller has read it in this transaction), settle it and store the card's new payload."""
    stale: list[Widget] = []
    if live is None:
        stale = live_cards.settle_stale(session, user_id=user_id, widgets=[widget])
        live = live_cards.live_widget(session, user_id=user_id, widget=widget)
    config = find_declared(live, action)
    try:
        if stale or (config is None and build.is_settled_confirmation(live)):
            # a question answered meanwhile (in text, another tab): say how, change nothing
            raise InvalidInputError(f"Already answered: {live_cards.card_says(live)}")
        if config is None:
            raise InvalidInputError("This action is no longer available on that card.")
        result, new_payload = _run(session, config, form, user_id=user_id, widget=widget, source=source)
    except (ServiceError, ToolError) as exc:
        message = exc.message if isinstance(exc, ServiceError) else str(exc)
        failure = {"status": "failed", "error": message}
        _settle(session, record, ActionStatus.failed, failure)
        _interacted(session, widget)
        return ActionOutcome(str(record.id), ActionStatus.failed.value, failure, live, version=widget.version)
    _settle(session, record, ActionStatus.completed, result)
    if not (new_payload and _store(session, widget, new_payload)):
        _interacted(session, widget)
    stored = live_cards.live_widget(session, user_id=user_id, widget=widget)
    return ActionOutcome(str(record.id), ActionStatus.completed.value, result, stored, version=widget.version)


def _interacted(session: Session, widget: Widget) -> None:
    """A click on a card shown (or not yet) that stored no new payload (a stored one is ``updated``)."""
    if widget.state in (WidgetState.pending.value, WidgetState.rendered.value):
        widget.state = WidgetState.interacted.value
        session.add(widget)


def _store(session: Session, widget: Widget, new_payload: Any) -> bool:
    """The new payload through the validation gate, stored (True); an invalid one is logged and not
    stored. The session's ``widget`` reads as stored after (the update sets it in place)."""
    try:
        payload = dump(validate_widget(new_payload(widget.payload) if callable(new_payload) else new_payload))
    except WidgetError as exc:
        log.error("Widget %s: its new payload is not a valid widget (%s); kept it as stored.", widget.id, exc)
        return False
    if not widget_service.replace_payload(session, widget=widget, payload=payload, state=WidgetState.updated):
        session.refresh(widget)  # changed meanwhile (the click holds its lock: never seen)
        return False
    return True


@dataclass(frozen=True)
class _Click:
    """Who clicked which widget, how, and with what form: what every handler needs besides its action."""

    session: Session
    user_id: uuid.UUID
    widget: Widget
    source: str
    form: dict[str, Any]
    today: date

    @property
    def in_list(self) -> bool:
        return self.widget.type == "ListView"

    def tool(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """Run a registry tool as this click (journaled against the widget's thread and message)."""
        return registry.execute(
            name,
            args,
            user_id=self.user_id,
            source=self.source,
            thread_id=self.widget.thread_id,
            message_id=self.widget.message_id,
            input_text=f"widget action {name}",
            session=self.session,
        )


Outcome = tuple[dict[str, Any], Any]
"""A handler's answer: the action's result and the widget's new payload (or a function of it, or None)."""


def _current_task(click: _Click, task_id: str) -> dict[str, Any] | None:
    try:
        task = task_service.get_task(click.session, user_id=click.user_id, task_id=task_id)
    except ServiceError:
        return None
    return task_service.to_public(task).to_json()


def _same(payload: dict[str, Any]) -> dict[str, Any]:
    """The stored card unchanged (its rows read the task's new state): a new version all the same,
    so a client's next click on it is a click of its own, never a replay of this one."""
    return payload


def _is_change_card(widget: Widget) -> bool:
    return widget.payload.get("type") == "Card" and widget.payload.get("key") == build.CHANGES_KEY


def _row_of(payload: dict[str, Any], task_id: str) -> build.StoredChange | None:
    for kid in payload.get("children") or []:
        row = build.read_change(kid) if isinstance(kid, dict) else None
        if row is not None and row.task_id == task_id:
            return row
    return None


def _row_with_op(payload: dict[str, Any], operation_id: str) -> build.StoredChange | None:
    for kid in payload.get("children") or []:
        row = build.read_change(kid) if isinstance(kid, dict) else None
        if row is not None and operation_id in row.undo:
            return row
    return None


def _set_done(action: CompleteTask | ReopenTask, click: _Click) -> Outcome:
    tool = "complete_task" if isinstance(action, CompleteTask) else "reopen_task"
    result = click.tool(tool, {"task_id": action.payload.task_id})
    return result, _same


def _delete_task(action: DeleteTask, click: _Click) -> Outcome:
    result = click.tool("delete_task", {"task_id": action.payload.task_id})
    if click.in_list:  # the row reads "Deleted" from now on: its task is gone
        return result, _same
    return result, build.outcome_card(
        f"Deleted “{result['title']}”.", operation_id=result.get("operation_id")
    )


def _undone(result: dict[str, Any]) -> str:
    """What an undo reverted, in words: "Undone: editing “take out the trash”."."""
    title = result.get("title")
    return f"Undone: {undone_verb(result.get('undone'))} “{title}”." if title else "Undone."


def _undo(action: UndoOperation, click: _Click) -> Outcome:
    op = action.payload.operation_id
    result = click.tool("undo", {"operation_id": op})
    if not _is_change_card(click.widget) or _row_with_op(click.widget.payload, op) is None:
        return result, build.outcome_card(_undone(result))
    note = _undone(result)

    def pop(row: build.StoredChange) -> Any:
        change = build.Change(row.task_id, row.title, row.verb)
        return build.change_skeleton(change, note=note, undo=[o for o in row.undo if o != op])

    def apply(payload: dict[str, Any]) -> dict[str, Any]:
        row = _row_with_op(payload, op)
        return build.with_change(payload, row.task_id, pop) if row else payload

    return result, apply


def _undo_all(action: UndoOperations, click: _Click) -> Outcome:
    """Every change of the card, newest first, each through the journaled undo (each op once)."""
    undone: dict[str, dict[str, Any]] = {}
    already = 0
    for op in action.payload.operation_ids:
        try:
            undone[op] = click.tool("undo", {"operation_id": op})
        except ToolError as exc:
            if "already undone" not in str(exc):
                raise
            already += 1
    if not undone:
        raise ToolError("Those changes were already undone.")
    titles = list(dict.fromkeys(t for r in undone.values() for t in r.get("titles") or [r.get("title")] if t))
    result = {"status": "undone", "count": len(undone), "titles": titles, "already_undone": already}

    def clear(row: build.StoredChange) -> Any:
        mine = [undone[o] for o in row.undo if o in undone]
        note = _undone(mine[0]) if len(mine) == 1 else ("Undone." if mine else row.note)
        change = build.Change(row.task_id, row.title, row.verb)
        return build.change_skeleton(change, note=note, undo=[o for o in row.undo if o not in undone])

    def apply(payload: dict[str, Any]) -> dict[str, Any]:
        for kid in list(payload.get("children") or []):
            row = build.read_change(kid) if isinstance(kid, dict) else None
            if row is not None:
                payload = build.with_change(payload, row.task_id, clear)
        return payload

    return result, apply


def _update_task(action: UpdateTask, click: _Click) -> Outcome:
    task_id = action.payload.task_id
    result = click.tool("update_task", {"task_id": task_id, **_form_changes(click.form)})
    op = result.get("operation_id")
    if _is_change_card(click.widget) and _row_of(click.widget.payload, task_id) is not None:

        def push(row: build.StoredChange) -> Any:
            verb = row.verb if row.verb.endswith("edited") else f"{row.verb}, then edited"
            change = build.Change(row.task_id, str(result.get("title") or row.title), verb)
            return build.change_skeleton(change, undo=[*row.undo, *([op] if op else [])])

        return result, lambda payload: build.with_change(payload, task_id, push)
    if _current_task(click, str(result["task_id"])) is None:  # deleted just after (a race)
        return result, None
    change = build.Change(
        str(result["task_id"]), str(result.get("title", "")), "Updated", (op,) if op else ()
    )
    return result, build.change_card([change])


def _delete_tasks(action: DeleteTasks, click: _Click) -> Outcome:
    _forget_pending_confirmation(click)
    result = click.tool("delete_tasks", {"task_ids": action.payload.task_ids})
    return result, build.settled_confirmation(
        "delete", done=result["titles"], operation_id=result.get("operation_id")
    )


def _apply_task_changes(action: ApplyTaskChanges, click: _Click) -> Outcome:
    """A bulk change confirmed on its card: each listed task's change, as this user, through the
    registry (which refuses another person's task); the card then shows the changes, with Undo all."""
    _forget_pending_confirmation(click)
    asked = build.pending_confirmation(click.widget.payload)
    spec = build.CONFIRMATIONS.get(asked[0] if asked else "", build.CONFIRMATIONS["update"])
    rows: list[build.Change] = []
    for call in action.payload.calls:
        result = click.tool(call.tool, call.args)
        op = result.get("operation_id")
        rows.append(
            build.Change(str(result.get("task_id", call.args["task_id"])), str(result.get("title", "")),
                         spec.done.split(" ", 1)[0], (str(op),) if op else ())
        )  # fmt: skip
    heading = spec.done.format(n=build.count_tasks(len(rows))).rstrip(".")
    result = {
        "status": "done",
        "count": len(rows),
        "task_ids": [r.task_id for r in rows],
        "titles": [r.title for r in rows],
        "operation_ids": [o for r in rows for o in r.operation_ids],
    }
    return result, build.change_card(rows, heading=heading)


def _add_subtasks(action: AddSubtasks, click: _Click) -> Outcome:
    """A subtask proposal accepted: the subtasks as the form holds them (edited, blanks skipped),
    added under the task through the registry in one change; the card then says what was added."""
    titles = _proposal_titles(click.form)
    result = click.tool("add_subtasks", {"parent_id": action.payload.task_id, "titles": titles})
    _forget_pending_confirmation(click)
    return result, build.settled_confirmation(
        "subtasks", done=[str(t) for t in result.get("titles") or []], operation_id=result.get("operation_id")
    )


def _proposal_titles(form: dict[str, Any]) -> list[str]:
    """The proposal form's subtasks in field order (``subtask_1``, ``subtask_2``...), blanks skipped."""
    prefix = build.PROPOSAL_FIELD
    fields: dict[int, str] = {}
    for name, value in form.items():
        number = name[len(prefix) :] if name.startswith(prefix) else ""
        if not number.isdigit():
            raise InvalidInputError(f"Unknown form field: {name}.")
        fields[int(number)] = " ".join(str(value or "").split())
    titles = [fields[i] for i in sorted(fields) if fields[i]]
    if not titles:
        raise InvalidInputError("Every field is empty: write at least one subtask, or choose Cancel.")
    return titles


def _share_project(action: ShareProject, click: _Click) -> Outcome:
    """A share confirmed on its card: shared through the registry as this user (owners only; the
    services refuse anyone else like a missing project); the card then says what happened."""
    _forget_pending_confirmation(click)
    result = click.tool("share_project", action.payload.model_dump())
    return result, build.settled_share(result)


def _cancel_delete_tasks(action: CancelDeleteTasks, click: _Click) -> Outcome:
    _forget_pending_confirmation(click)
    asked = build.pending_confirmation(click.widget.payload)
    return {"status": "cancelled"}, build.settled_confirmation(asked[0] if asked else "delete", done=[])


HANDLERS: dict[type[WidgetAction], Callable[[Any, _Click], Outcome]] = {
    CompleteTask: _set_done,
    ReopenTask: _set_done,
    DeleteTask: _delete_task,
    UndoOperation: _undo,
    UndoOperations: _undo_all,
    UpdateTask: _update_task,
    DeleteTasks: _delete_tasks,
    ApplyTaskChanges: _apply_task_changes,
    AddSubtasks: _add_subtasks,
    ShareProject: _share_project,
    CancelDeleteTasks: _cancel_delete_tasks,
}
"""The one table from a server action's type to what runs it (every member of ``ServerAction`` has one)."""


def _run(
    session: Session,
    config: dict[str, Any],
    form: dict[str, Any],
    *,
    user_id: uuid.UUID,
    widget: Widget,
    source: str,
) -> Outcome:
    """Run a declared action; return its result and the widget's new payload (or a function of it).

    The config is parsed here, once, into its typed action; an action the server does not run, or
    whose payload does not fit its type, is refused with a clear message.
    """
    try:
        action = parse_server_action(config)
    except ValueError as exc:  # NotAServerAction included: its message is the one to show
        raise InvalidInputError(str(exc)) from exc
    today = clock.user_today(session, user_id=user_id)  # in the person's time zone
    click = _Click(session=session, user_id=user_id, widget=widget, source=source, form=form, today=today)
    return HANDLERS[type(action)](action, click)


def _forget_pending_confirmation(click: _Click) -> None:
    """The card answered the question the chat asked, so a later "yes" must not delete again."""
    thread = thread_service.get_thread(click.session, user_id=click.user_id, thread_id=click.widget.thread_id)
    memory = thread_service.agent_memory(thread)
    if memory.pending is not None:
        memory.pending = None
        thread_service.set_agent_memory(click.session, thread, memory)


def _form_changes(form: dict[str, Any]) -> dict[str, Any]:
    """The edit form's fields as update_task arguments (an empty date clears it)."""
    allowed = {"title", "due_date", "priority"}
    unknown = set(form) - allowed
    if unknown:
        raise InvalidInputError(f"Unknown form field(s): {', '.join(sorted(unknown))}.")
    changes: dict[str, Any] = {}
    if "title" in form:
        changes["title"] = str(form["title"]).strip()
    if "due_date" in form:
        changes["due_date"] = str(form["due_date"]).strip()[:10] or None
    if form.get("priority"):
        changes["priority"] = str(form["priority"])
    if not changes:
        raise InvalidInputError("Nothing to change.")
    return changes
