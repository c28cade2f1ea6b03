"""Stored cards shown as the current truth.

A list or change card stores the tasks it shows by id (:mod:`app.widgets.build`); here it is read
back with those tasks as they are now, from one user-scoped query per render, so a row follows
what happened on the task page, over the API or in a later turn. A confirmation card that a later
turn answered in text is settled here too (the question holds for one turn): it loses its buttons
and says what happened, read from the journal.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.agent.tools import public_tasks
from app.models import OperationStatus, Task, TaskOperation, Widget, WidgetState
from app.services import clock
from app.services import threads as thread_service
from app.services import widgets as widget_service
from app.services.errors import ServiceError
from app.services.projects import visible_projects
from app.widgets import build
from app.widgets.validate import WidgetError

log = logging.getLogger(__name__)

CONFIRMED_BY: dict[str, tuple[str, ...]] = {
    "delete": ("delete_task", "delete_tasks"),
    "move": ("update_task", "move_task"),
    "update": ("update_task", "assign_task", "unassign_task"),
    "complete": ("complete_task",),
    "reopen": ("reopen_task",),
    "share": ("share_project",),
    "subtasks": ("add_subtasks",),
}
"""The tools whose journaled runs answer a confirmation of each action with "yes"."""


def current_tasks(
    session: Session, *, user_id: uuid.UUID, payloads: Sequence[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The public JSON of every task these cards show, by id, with its project and assignee: one query
    over the tasks the user may see now (a member of their project). A task shared with them shows; one
    whose project they were removed from is missing, like a deleted task, from the next read on."""
    wanted = {uuid.UUID(i) for p in payloads for i in build.task_ids_in(p)}
    if not wanted:
        return {}
    rows = list(session.exec(_shown_tasks(), params={"ids": list(wanted), "user_id": user_id}).all())
    return {str(t["id"]): t for t in public_tasks(session, rows)}


@cache
def _shown_tasks() -> Any:
    """Tasks ``:ids`` that ``:user_id`` may see (built once: every click reads its card with it
    twice, and building it cost about as much as running it, issue 19)."""
    return select(Task).where(
        col(Task.id).in_(sa.bindparam("ids", expanding=True)),
        col(Task.project_id).in_(visible_projects(sa.bindparam("user_id"))),
    )


def unshared_tasks(
    session: Session, *, payloads: Sequence[dict[str, Any]], shown: dict[str, dict[str, Any]]
) -> frozenset[str]:
    """The ids these cards show that still exist but are not in ``shown`` (the tasks the reader may
    see): tasks of a project they left or were removed from. Their rows show nothing of them."""
    missing = {uuid.UUID(i) for p in payloads for i in build.task_ids_in(p)} - {uuid.UUID(i) for i in shown}
    if not missing:
        return frozenset()
    return frozenset(
        str(i) for i in session.exec(select(Task.id).where(col(Task.id).in_(list(missing)))).all()
    )


def live_payload(
    payload: dict[str, Any],
    tasks: dict[str, dict[str, Any]],
    today: date,
    unshared: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """One stored card as it reads now (as stored when it can't be shown fresh: never an error)."""
    try:
        return build.hydrate(payload, tasks, today, unshared)
    except (WidgetError, KeyError, ValueError, TypeError) as exc:
        log.warning("a stored card could not be shown fresh (%s); showing it as stored", exc)
        return payload


def live_payloads(
    session: Session,
    *,
    user_id: uuid.UUID,
    widgets: Sequence[Widget],
    today: date | None = None,
    known: dict[str, dict[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Every widget's payload as it reads now, by widget id; stale confirmations are settled first.
    ``today``: the person's, when the caller knows it (a turn does), else read. ``known``: tasks'
    public JSON the caller read in this transaction and nothing changed since (a turn that only
    read): when it holds every task the cards show, they are not read again."""
    if not widgets:  # most messages have no card: no queries (the user's "today" is one)
        return {}
    settle_stale(session, user_id=user_id, widgets=widgets)
    payloads = [w.payload for w in widgets]
    wanted = {i for p in payloads for i in build.task_ids_in(p)}
    if known is not None and wanted <= known.keys():
        tasks = {i: known[i] for i in wanted}
    else:
        tasks = current_tasks(session, user_id=user_id, payloads=payloads)
    unshared = unshared_tasks(session, payloads=payloads, shown=tasks)
    today = today or clock.user_today(session, user_id=user_id)
    return {w.id: live_payload(w.payload, tasks, today, unshared) for w in widgets}


def live_widget(session: Session, *, user_id: uuid.UUID, widget: Widget) -> dict[str, Any]:
    """One widget's payload as it reads now (:func:`live_payloads` for one)."""
    return live_payloads(session, user_id=user_id, widgets=[widget])[widget.id]


def settle_stale(session: Session, *, user_id: uuid.UUID, widgets: Sequence[Widget]) -> list[Widget]:
    """Settle the confirmation cards whose question is no longer the thread's pending one.

    The assistant's question holds for one turn (its thread memory keeps the pending confirmation
    until the next message): once it is gone, the card says what happened, a "yes" in text
    ("Deleted 3 tasks.", from the journal) or anything else ("Cancelled: nothing deleted."), and
    keeps no button but Undo. Returns the widgets settled now (their rows updated in place).
    """
    settled: list[Widget] = []
    memories: dict[uuid.UUID, Any] = {}
    for widget in widgets:
        asked = build.pending_confirmation(widget.payload)
        if asked is None:
            continue
        action, task_ids = asked
        if widget.thread_id not in memories:
            try:
                thread = thread_service.get_thread(session, user_id=user_id, thread_id=widget.thread_id)
            except ServiceError:
                continue
            memories[widget.thread_id] = thread_service.agent_memory(thread).pending
        pending = memories[widget.thread_id]
        if pending is not None and pending.action == action and list(pending.task_ids) == task_ids:
            continue  # still the open question
        payload = _answered(session, user_id=user_id, widget=widget, action=action, task_ids=task_ids)
        if widget_service.replace_payload(session, widget=widget, payload=payload, state=WidgetState.updated):
            session.refresh(widget)
            settled.append(widget)
    return settled


def _answered(
    session: Session, *, user_id: uuid.UUID, widget: Widget, action: str, task_ids: list[str]
) -> dict[str, Any]:
    """The settled card: what the journal says this thread did to the card's tasks since it asked."""
    ops = session.exec(
        select(TaskOperation)
        .where(
            TaskOperation.user_id == user_id,
            TaskOperation.thread_id == widget.thread_id,
            TaskOperation.status == OperationStatus.completed.value,
            col(TaskOperation.tool_name).in_(CONFIRMED_BY.get(action, ())),
            col(TaskOperation.created_at) >= widget.created_at,
        )
        .order_by(col(TaskOperation.created_at))
    ).all()
    if action == "share":  # a share names no task: any share this thread made since it asked
        return build.settled_confirmation("share", done=[build.share_subject(op.result or {}) for op in ops])
    asked = set(task_ids)
    titles: list[str] = []
    undo: list[str] = []
    for op in ops:
        result = op.result or {}
        ids = result.get("task_ids") or ([result["task_id"]] if result.get("task_id") else [])
        names = result.get("titles") or [result.get("title", "")]
        if action == "subtasks":  # asked about the parent: what was added under it
            ids = [result.get("task_id")] * len(names)
        hit = [str(n) for i, n in zip(ids, names, strict=False) if str(i) in asked]
        if hit:
            titles += hit
            if op.undo_state is not None and op.undone_at is None:
                undo.append(str(op.id))
    return build.settled_confirmation(action, done=titles, operation_id=undo[0] if len(undo) == 1 else None)


def card_says(payload: dict[str, Any]) -> str:
    """The first line a card shows (what a settled card says happened)."""
    for kid in payload.get("children") or []:
        if isinstance(kid, dict) and kid.get("type") in ("Text", "Title") and kid.get("value"):
            return str(kid["value"])
    return ""
