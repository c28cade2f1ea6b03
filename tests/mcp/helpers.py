"""Small helpers shared by the MCP tests."""

from __future__ import annotations

import json
from typing import Any

import mcp_types as types
import sqlalchemy as sa
from sqlmodel import Session, select

from app.models import Task, TaskOperation


def ok(result: types.CallToolResult) -> dict[str, Any]:
    """The JSON of a successful tool result; its text and structured content must agree."""
    assert not result.is_error, result.content
    assert len(result.content) == 1
    block = result.content[0]
    assert isinstance(block, types.TextContent)
    data = json.loads(block.text)
    assert result.structured_content == data
    return data


def refused(result: types.CallToolResult) -> str:
    """The message of a tool error result."""
    assert result.is_error, result.content
    block = result.content[0]
    assert isinstance(block, types.TextContent)
    assert result.structured_content is None
    return block.text


def operations(engine: sa.Engine) -> list[TaskOperation]:
    with Session(engine) as s:
        return list(s.exec(select(TaskOperation).order_by(TaskOperation.created_at)).all())


def tasks(engine: sa.Engine) -> list[dict[str, Any]]:
    """Every task row as plain data, ordered by id, to compare before and after."""
    with Session(engine) as s:
        return [t.model_dump(mode="json") for t in s.exec(select(Task).order_by(Task.id)).all()]
