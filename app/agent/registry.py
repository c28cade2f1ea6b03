"""The one tool registry: every agent backend, widget action and MCP call runs tools here.

The tools change tasks through :mod:`app.services.tasks`, the one journaled write path that the
task page, REST and the CLI call directly; the registry adds the exactly-once request row.

A call is validated against the tool's pydantic model, recorded as a TaskOperation
(pending -> processing -> completed|failed), and run for the acting user in one
transaction with its journal row: the work commits whole or rolls back whole. Refusals
become :class:`ToolError` with a message fit for a person; the failed operation row is
still recorded.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from app.agent.tools import TOOLS
from app.agent.types import Tool, ToolContext, ToolError
from app.core.db import begin_write, session_scope
from app.core.inputs import InputError, check_json
from app.models import OperationStatus, OperationType, TaskOperation
from app.models.base import utcnow
from app.services.errors import ServiceError, describe_validation_error
from app.services.operations import Origin

REGISTRY: dict[str, Tool] = {tool.name: tool for tool in TOOLS}
"""Every tool by name, built once from :data:`app.agent.tools.TOOLS` (tools never register themselves)."""


def get_tool(name: str) -> Tool:
    tool = REGISTRY.get(name)
    if tool is None:
        raise ToolError(f"Unknown tool '{name}'.")
    return tool


def is_read(name: str) -> bool:
    """Whether the tool only reads (``search``): a call of it changes no task."""
    tool = REGISTRY.get(name)
    return tool is not None and tool.operation_type == OperationType.search


def all_tools() -> list[Tool]:
    return list(REGISTRY.values())


def validate_args(tool: Tool, args: Any) -> BaseModel:
    if not isinstance(args, dict):
        raise ToolError(f"Arguments for {tool.name} must be a JSON object.")
    try:
        return tool.args_model.model_validate(args)
    except ValidationError as exc:
        raise ToolError(f"Invalid arguments for {tool.name}: {describe_validation_error(exc)}") from exc


def execute(
    name: str,
    args: Any,
    *,
    user_id: uuid.UUID,
    source: str,
    thread_id: uuid.UUID | None = None,
    message_id: uuid.UUID | None = None,
    input_text: str = "",
    session: Session | None = None,
) -> dict[str, Any]:
    """Run one tool call for ``user_id``, journaled as a TaskOperation; raise ToolError on refusal.

    Arguments that are not plain JSON within the limits (too deep, too big, text that is not
    valid Unicode) are refused before anything is stored: they could not be journaled.

    One transaction: the work runs in a savepoint, a refusal rolls back the work alone and the row
    is marked failed with the reason; the row and the work commit together (one commit, where a
    row committed before the work cost a second one per call). Any other error rolls back
    everything, and the failed row is then written on its own.

    ``session``: the caller's transaction (a widget click's, which records the click, runs the tool
    and stores the card in one). The call then runs in it, in the same savepoint, and commits with
    it; any other error rolls back the caller's transaction too, whose caller sees it (nothing is
    recorded on its own: the caller's transaction may hold SQLite's write lock).
    """
    tool = get_tool(name)
    try:
        check_json(args, "arguments")
    except InputError as exc:
        raise ToolError(f"Invalid arguments for {name}: {exc}") from exc
    command = {"tool": name, "args": args if isinstance(args, dict) else {"raw": str(args)[:2000]}}
    journal = {
        "id": uuid.uuid4(),
        "user_id": user_id,
        "thread_id": thread_id,
        "message_id": message_id,
        "source": source,
        "tool_name": name,
        "input_text": input_text[:10_000],
        "operation_type": tool.operation_type,
        "structured_command": command,
    }
    if session is not None:
        result, refusal = _journaled(session, tool, args, journal)
    else:
        refusal = None
        try:
            with session_scope() as own:
                result, refusal = _journaled(own, tool, args, journal)
        except Exception as exc:
            if refusal is None:  # not a refusal (a bug, a database error): nothing was stored
                _record_failure(journal, f"Internal error ({exc.__class__.__name__}).")
            raise
    if refusal is not None:
        raise ToolError(_reason(refusal)) from refusal
    return result


def _journaled(
    session: Session, tool: Tool, args: Any, journal: dict[str, Any]
) -> tuple[dict[str, Any], ToolError | ServiceError | None]:
    """The tool's work and its journal row: the result, or the refusal (the work rolled back, the
    row marked failed with the reason).

    The row is added when the work is done (what changed journaled onto it), so it is written once
    with its outcome rather than written first and updated after. The work runs in a savepoint a
    refusal rolls back to; a tool that only reads (``search``: lists, finds, proposes) has nothing to
    roll back and runs without one (two statements less a question, issue 19).
    """
    refusal: ToolError | ServiceError | None = None
    result: dict[str, Any] = {}
    op = TaskOperation(**journal, status=OperationStatus.pending.value)
    try:
        parsed = validate_args(tool, args)
    except ToolError as exc:
        refusal = exc
    else:
        op.status = OperationStatus.processing.value
        begin_write(session)  # the row is written last: SQLite's write lock is taken first all the same
        work = None if is_read(tool.name) else session.begin_nested()
        try:
            result = _run(tool, parsed, session, op)
            if work is not None:
                work.commit()
        except (ToolError, ServiceError) as exc:
            if work is not None:
                work.rollback()
            refusal = exc
    if refusal is not None:
        _mark_failed(op, _reason(refusal))
    session.add(op)
    return result, refusal


def _run(tool: Tool, parsed: BaseModel, session: Session, op: TaskOperation) -> dict[str, Any]:
    """The tool's work in ``session`` for the journal row ``op``'s user and origin, and its outcome
    on ``op``."""
    origin = Origin(
        source=op.source,
        thread_id=op.thread_id,
        message_id=op.message_id,
        input_text=op.input_text,
        tool_name=op.tool_name,
        operation=op,
    )
    context = ToolContext(session=session, user_id=op.user_id, origin=origin)
    result = tool.handler(context, parsed).to_json()
    op.status = OperationStatus.completed.value
    op.result = result
    if op.task_id is None and result.get("task_id"):
        op.task_id = uuid.UUID(str(result["task_id"]))
    if op.undo_state is not None:
        result = {**result, "operation_id": str(op.id)}
        op.result = result
    op.updated_at = utcnow()
    return result


def _reason(refusal: ToolError | ServiceError) -> str:
    return refusal.message if isinstance(refusal, ServiceError) else str(refusal)


def _mark_failed(op: TaskOperation, message: str) -> None:
    op.status = OperationStatus.failed.value
    op.result = {"error": message}
    op.undo_state = None
    op.updated_at = utcnow()


def _record_failure(journal: dict[str, Any], message: str) -> None:
    """The failed journal row on its own, after the call's transaction rolled back whole."""
    with session_scope() as session:
        op = TaskOperation(**journal, status=OperationStatus.pending.value)
        _mark_failed(op, message)
        session.add(op)
