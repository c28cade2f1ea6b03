"""The contract between an agent backend and the tool registry.

Every backend (the local offline agent, the OpenAI one) sees the user's tasks only through
tool calls: ``call_tool(name, args)`` runs a registered tool for the acting user in the
current thread, records it as a TaskOperation, and returns the tool's JSON result or raises
:class:`ToolError` with a message fit to show a person.

Every backend is an :class:`AgentBackend`: the turn runner hands it one :class:`AgentTurn` and
gets an :class:`AgentReply` back, whichever backend is configured. Tool handlers return a
:class:`ToolResult`, which the registry turns into that JSON.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from pydantic import BaseModel
from sqlmodel import Session

from app.models.agent_memory import AgentMemory, Confirmation
from app.services.operations import Origin

__all__ = [
    "AgentBackend",
    "AgentError",
    "AgentMemory",
    "AgentReply",
    "AgentTurn",
    "Confirmation",
    "Tool",
    "ToolCaller",
    "ToolContext",
    "ToolError",
    "ToolResult",
]


class ToolError(Exception):
    """A tool refused its call (not found, invalid arguments, nothing to undo...).

    The message is written for a person and may be shown in the chat as it is.
    """


ToolCaller = Callable[[str, dict[str, Any]], dict[str, Any]]
"""``call_tool(name, args) -> result``; raises :class:`ToolError` on refusal."""


@dataclass
class AgentReply:
    """What one agent turn produced.

    Attributes:
        text: the assistant's reply (plain text with light markdown).
        memory: what the next turn of this thread gets back (last listed task ids, the task
            "it" refers to, a pending confirmation...); stored on the thread.
        confirmation: set when the turn asks the person to confirm a change.
        listed: the tasks (tool-result dicts) the reply lists, in order, when it lists some;
            the server turns them into a task-list widget.
        title: a short title for the conversation ("Pay rent", "Overdue tasks") proposed by
            this turn, or None when the turn says nothing about what the conversation is about;
            the runner uses it only while the thread's title is automatic (see
            ``app.services.threads.propose_title``).
    """

    text: str
    memory: AgentMemory = field(default_factory=AgentMemory)
    confirmation: Confirmation | None = None
    listed: list[dict[str, Any]] | None = None
    title: str | None = None


@dataclass
class AgentTurn:
    """One turn as every backend sees it: the message, the way to act, and what came before.

    One shape for all backends, so the turn runner calls them the same way; each uses what it
    needs (the local agent its memory, the model the thread's messages).

    Attributes:
        text: the person's message.
        call_tool: runs a registered tool for this turn (journaled); raises ToolError on refusal.
        today: the date relative phrases resolve against.
        user_id: the acting person.
        thread_id: the conversation.
        message_id: the reply being written (left out of the model's context).
        memory: what the previous turn of this thread left (:class:`AgentMemory`).
        done_before: tool calls an interrupted earlier attempt at this answer already applied.
        on_delta: gets the reply's text as it streams (backends that stream).
        should_stop: polled while answering; True stops the answer (backends that stream).
        wants_title: the thread's title is still automatic, so the backend should propose one
            (:attr:`AgentReply.title`); the model is only asked for it then.
        now: the person's clock (their zone) when the turn began: what "in an hour" counts from
            (None: relative times of day are not read).
    """

    text: str
    call_tool: ToolCaller
    today: date
    user_id: uuid.UUID
    thread_id: uuid.UUID
    message_id: uuid.UUID
    memory: AgentMemory = field(default_factory=AgentMemory)
    done_before: list[dict[str, Any]] = field(default_factory=list)
    on_delta: Callable[[str], None] | None = None
    should_stop: Callable[[], bool] | None = None
    wants_title: bool = False
    now: datetime | None = None


class AgentBackend(Protocol):
    """An assistant that answers a turn (the local offline agent, the OpenAI one).

    Raises :class:`AgentError` when it cannot answer; acts only through ``turn.call_tool``.
    A backend that can title a conversation from the message alone, before answering, also has
    ``early_title(text, today) -> str | None`` (the local agent does; the runner uses it when it
    creates the thread, so the sidebar names it at once).
    """

    def answer(self, turn: AgentTurn) -> AgentReply:
        """Answer one turn."""
        ...


class AgentError(Exception):
    """The model could not answer (timeout, server error, rate limit...).

    ``message`` is shown to the person in an error bubble with Retry; ``reason`` is a short
    code kept in the message's metadata.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


class ToolResult(BaseModel):
    """What a tool handler returns; :meth:`to_json` is what the registry stores and returns.

    Each tool has its own subclass (``app.agent.tools``), whose fields, in order, are the keys of
    its JSON result: clients (MCP, the agents, the widgets) rely on that shape.
    """

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


@dataclass
class ToolContext:
    """What a tool handler gets: an open session, the acting user and where the call comes from."""

    session: Session
    user_id: uuid.UUID
    origin: Origin


@dataclass(frozen=True)
class Tool:
    """A named, JSON-schema'd operation on the user's tasks."""

    name: str
    description: str
    args_model: type[BaseModel]
    operation_type: str
    handler: Callable[[ToolContext, Any], ToolResult]

    def json_schema(self) -> dict[str, Any]:
        schema = self.args_model.model_json_schema()
        schema.pop("title", None)
        return schema

    def openai_spec(self) -> dict[str, Any]:
        """The Chat Completions ``tools`` entry for this tool."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.json_schema(),
            },
        }
