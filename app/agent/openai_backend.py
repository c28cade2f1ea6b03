"""The OpenAI backend: Chat Completions with our tools, streamed.

Works with OpenAI or any compatible server (Ollama, vLLM, LM Studio) through
``OPENAI_BASE_URL`` and ``OPENAI_MODEL``. It acts only through the tool registry (the same
``call_tool`` the local agent gets); the last 50 messages of the thread are its context.
Failures become :class:`AgentError` with a reason; the SDK retries 429, 5xx, timeouts and
dropped connections a bounded number of times (``MAX_RETRIES``) with backoff, honouring a
``Retry-After`` of up to a minute (asked to wait longer, it does not retry: the turn fails at once).

Before anything leaves the machine, emails, phone numbers, card numbers, IBANs and secrets are
replaced by placeholders (``[EMAIL_1]``...) unless the person turned ``redact_sensitive`` off; the
placeholders are restored in tool-call arguments and in the streamed reply (app/agent/redact.py).

:class:`OpenAIAgent` is this backend as an :class:`AgentBackend`: it builds the model's context
(the thread's messages, and what an interrupted attempt already did) and runs :func:`run_openai_agent`.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import openai

from app.agent import registry
from app.agent.redact import Redactor
from app.agent.types import (
    AgentError,
    AgentMemory,
    AgentReply,
    AgentTurn,
    Confirmation,
    ToolCaller,
    ToolError,
)
from app.core.config import get_settings
from app.core.db import session_scope
from app.models import MessageStatus
from app.services import messages as message_service
from app.services import preferences as preference_service

log = logging.getLogger(__name__)

CONTEXT_MESSAGES = 50
MAX_TOOL_ROUNDS = 8
MAX_RETRIES = 2

SYSTEM_PROMPT = """You are Ticked, a concise assistant that manages the user's todo list.
Today is {today} ({weekday}). Use the tools for every change or question about tasks; never invent
task ids: find them with list_tasks or search_tasks first. Dates are YYYY-MM-DD. Tags are lower-case
words without '#'. Before deleting more than one task, or changing more than 3 tasks at once (moving,
completing, reopening, re-prioritising, tagging or renaming them), list them and ask the user to confirm;
change them only after a yes.
Tasks live in projects (list_projects; "Inbox" is the user's personal list; a task added without a
project goes there). Pass a project by name ("add milk to groceries": add_task with project_id
"Groceries"; "show the Groceries list": list_tasks with project) only when the user has a project by
that name; otherwise the words belong to the task's title. A task may be assigned to a member of its
project, by name or email ("assign the report to Sam": assign_task; "what's assigned to me?":
list_tasks with assignee "me"); if a name fits several people or someone is not a member, tell the
user what the tool said and ask. move_task moves a task, add_comment comments, project_activity says
what a project's members or one person did. Sharing a project (share_project, owners only) always
shows the user a confirmation card first: calling it asks; it is applied only after the user confirms
on the card or says yes, when you call it again with the same arguments.
Dates and times are the user's local ones ({today} is today in their time zone). A task may have a
due time (add_task/update_task due_time "17:00"; null clears it, keeping the date), reminders
({{"at": "YYYY-MM-DDTHH:MM"}} local, or {{"before": minutes}} before the due time; add_reminder adds one)
and subtasks (parent_id: the parent's id or title; add_subtasks adds several as one change). "Remind
me to call mom tomorrow at 5pm" is add_task due tomorrow, due_time 17:00, reminders [{{"before": 0}}].
"What does my day look like?" is my_day (overdue and due today). To break a task down ("break down
X", "what are the steps for X?"), call propose_subtasks with a few concrete subtasks: it adds nothing, the
user edits and accepts them on a card; call add_subtasks only when they say yes in text instead.
"Reschedule my overdue tasks to tomorrow": list them with list_tasks due "overdue", ask, and after a
yes call reschedule_overdue once with those task_ids (one change, one undo).
Never tell one person what is in another person's chats. After acting, reply in
one or two short sentences naming the tasks you changed or listed."""


TITLE_TOOL = "set_conversation_title"
"""A tool of this backend only (not the registry's: it changes no task): how the model names a new
conversation. It is offered only while the thread's title is automatic (``AgentTurn.wants_title``)."""

TITLE_PROMPT = """This conversation has no title yet. Also call set_conversation_title once, with a
title of 1 to 5 words saying what it is about (for example "Pay rent", "Groceries", "Overdue tasks"),
not the user's words copied. Skip it when the message is only a greeting, thanks, yes or no."""

TITLE_MAX = 60


def _title_spec() -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": TITLE_TOOL,
            "description": "Name this conversation: a short title of what it is about (1-5 words).",
            "parameters": {
                "type": "object",
                "properties": {"title": {"type": "string", "maxLength": TITLE_MAX}},
                "required": ["title"],
                "additionalProperties": False,
            },
        },
    }


def _title_from(raw_args: str, redactor: Redactor) -> str | None:
    """The title the model proposed, with redacted values restored; None when it is unusable."""
    try:
        args = json.loads(raw_args or "{}")
    except json.JSONDecodeError:
        return None
    title = args.get("title") if isinstance(args, dict) else None
    if not isinstance(title, str):
        return None
    title = " ".join(redactor.restore(title).split()).strip(" \"'.")
    return title[:TITLE_MAX] or None


def _client() -> openai.OpenAI:
    settings = get_settings()
    return _client_for(
        settings.openai_api_key or "not-needed",
        settings.openai_base_url or None,
        settings.openai_timeout_seconds,
    )


@lru_cache(maxsize=4)
def _client_for(api_key: str, base_url: str | None, timeout: float) -> openai.OpenAI:
    """One client per configuration, shared by every turn (the SDK's client is thread-safe): its
    connections stay open between turns, where a client per turn paid a new TCP and TLS handshake
    with the server each time, and loading the system's CA certificates (~20 ms of CPU)."""
    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=MAX_RETRIES)


def history(user_id: uuid.UUID, thread_id: uuid.UUID, exclude_id: uuid.UUID | None) -> list[dict[str, Any]]:
    """The thread's last messages as Chat Completions messages (completed ones only)."""
    with session_scope() as session:
        rows = message_service.list_messages(
            session, user_id=user_id, thread_id=thread_id, limit=CONTEXT_MESSAGES + 1
        )
    out = []
    for m in rows:
        if m.id == exclude_id or (m.status != MessageStatus.completed.value and m.role != "user"):
            continue
        if m.content:
            out.append(
                {"role": m.role if m.role in ("user", "assistant") else "system", "content": m.content}
            )
    return out[-CONTEXT_MESSAGES:]


def redactor_for(user_id: uuid.UUID | None) -> Redactor:
    """The turn's redactor: on unless the person turned ``redact_sensitive`` off (on when unknown)."""
    if user_id is None:
        return Redactor()
    with session_scope() as session:
        enabled = preference_service.get_preferences(session, user_id=user_id).redact_sensitive
    return Redactor(enabled=enabled)


def _redacted(message: dict[str, Any], redactor: Redactor) -> dict[str, Any]:
    content = message.get("content")
    return {**message, "content": redactor.redact(content)} if isinstance(content, str) else message


def _tool_specs(*, with_title: bool = False) -> list[dict[str, Any]]:
    specs = [tool.openai_spec() for tool in registry.all_tools()]
    return [*specs, _title_spec()] if with_title else specs


def _run_tool(call_tool: ToolCaller, name: str, raw_args: str, redactor: Redactor) -> dict[str, Any]:
    try:
        args = json.loads(raw_args or "{}")
    except json.JSONDecodeError:
        return {"error": f"The arguments for {name} were not valid JSON."}
    try:
        return call_tool(name, redactor.restore_args(args))
    except ToolError as exc:
        return {"error": str(exc)}


SHARE_TOOL = "share_project"
"""The one tool the model never runs directly: sharing asks with a confirmation card first."""


def _share_key(args: dict[str, Any]) -> tuple[str, str, str]:
    return (
        " ".join(str(args.get("project") or "").split()).casefold(),
        str(args.get("email") or "").strip().casefold(),
        str(args.get("role") or "editor").strip().casefold(),
    )


def _ask_to_share(
    call_tool: ToolCaller, args: dict[str, Any], text: str
) -> tuple[dict[str, Any], Confirmation | None]:
    """A share the model asked for, as a question: the confirmation card's contents and what the
    model is told; the share runs on the card's button, or when the model calls it again after a yes.

    The arguments are checked first (the registry's schema, the project among the user's own), so a
    card never offers a share that could only fail.
    """
    try:
        registry.validate_args(registry.get_tool(SHARE_TOOL), args)
        projects = call_tool("list_projects", {}).get("projects") or []
    except ToolError as exc:
        return {"error": str(exc)}, None
    key = " ".join(str(args["project"]).split()).casefold()
    project = next(
        (p for p in projects if key in {str(p.get("id")), " ".join(str(p.get("name")).split()).casefold()}),
        None,
    )
    if project is None:
        return {"error": f"You have no project called “{args['project']}”."}, None
    if project.get("inbox"):
        return {"error": "The Inbox is personal and can't be shared; create a project to share tasks."}, None
    if project.get("role") != "owner":
        return {"error": f"Only the owner of “{project.get('name')}” can share it."}, None
    email, role = str(args["email"]).strip().lower(), str(args.get("role") or "editor")
    confirmation = Confirmation(
        action="share",
        task_ids=[],
        titles=[f"{project.get('name')} with {email} as {role}"],
        text=text,
        calls=[
            {"tool": SHARE_TOOL, "args": {"project": str(project.get("id")), "email": email, "role": role}}
        ],
    )
    told = {
        "status": "needs_confirmation",
        "message": f"Nothing is shared yet: the user sees a card asking to share “{project.get('name')}” "
        f"with {email} as {role}. Ask them to confirm on the card or say yes.",
    }
    return told, confirmation


def _share_call(
    call_tool: ToolCaller,
    raw_args: str,
    redactor: Redactor,
    text: str,
    pending: Confirmation | None,
) -> tuple[dict[str, Any], Confirmation | None]:
    """Run a share the user already confirmed (the same one the last turn asked), else ask."""
    try:
        args = redactor.restore_args(json.loads(raw_args or "{}"))
    except json.JSONDecodeError:
        return {"error": f"The arguments for {SHARE_TOOL} were not valid JSON."}, None
    if not isinstance(args, dict):
        return {"error": f"Arguments for {SHARE_TOOL} must be a JSON object."}, None
    asked = [c.get("args") or {} for c in (pending.calls if pending and pending.action == "share" else [])]
    named = (pending.titles[0].rsplit(" with ", 1)[0] if pending and pending.titles else "").casefold()
    mine = _share_key(args)
    if asked and any(mine[0] in {_share_key(a)[0], named} and mine[1:] == _share_key(a)[1:] for a in asked):
        try:
            return call_tool(SHARE_TOOL, dict(asked[0])), None
        except ToolError as exc:
            return {"error": str(exc)}, None
    return _ask_to_share(call_tool, args, text)


PROPOSE_TOOL = "propose_subtasks"
"""Suggested subtasks become a card the person edits before accepting (nothing is added by the tool)."""


def _proposal(result: dict[str, Any], text: str) -> Confirmation:
    """The question a proposal asks: its card, and what a "yes" in text adds (add_subtasks)."""
    parent = str(result["task_id"])
    return Confirmation(
        action="subtasks",
        task_ids=[parent],
        titles=[str(result.get("title", ""))],
        text=text,
        calls=[
            {
                "tool": "add_subtasks",
                "args": {"parent_id": parent, "titles": list(result.get("titles") or [])},
            }
        ],
    )


def _chunks(stream: Any) -> Iterator[Any]:
    """The stream's chunks; one that is not JSON ends the turn with a clear message, not a crash."""
    try:
        yield from stream
    except json.JSONDecodeError as exc:
        raise AgentError(
            "The AI service sent an answer that could not be read. Try again.", "bad_response"
        ) from exc


def _stream_round(
    client: openai.OpenAI,
    messages: list[dict[str, Any]],
    on_delta: Callable[[str], None] | None,
    should_stop: Callable[[], bool] | None,
    redactor: Redactor,
    *,
    with_title: bool = False,
) -> tuple[str, list[dict[str, Any]], bool]:
    """One model call, streamed: returns (text as the model wrote it, tool_calls, stopped).

    ``on_delta`` gets the text with the placeholders restored; ``with_title`` offers the title tool.
    """
    settings = get_settings()
    stream = client.chat.completions.create(
        model=settings.openai_model,
        messages=messages,
        tools=_tool_specs(with_title=with_title),
        stream=True,
    )
    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    stopped = False
    restorer = redactor.stream(on_delta) if on_delta is not None else None
    try:
        for chunk in _chunks(stream):
            if should_stop is not None and should_stop():
                stopped = True
                break
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta
            if delta.content:
                text.append(delta.content)
                if restorer is not None:
                    restorer.feed(delta.content)
            for tc in delta.tool_calls or []:
                slot = calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
                if tc.id:
                    slot["id"] = tc.id
                if tc.function is not None:
                    slot["name"] += tc.function.name or ""
                    slot["arguments"] += tc.function.arguments or ""
    finally:
        stream.close()
    if restorer is not None:
        restorer.flush()
    return "".join(text), [calls[i] for i in sorted(calls)], stopped


def done_before_note(calls: list[dict[str, Any]]) -> str:
    """Tells the model what the interrupted attempt already changed, so it does not change it twice."""
    lines = [
        f"- {c['name']}({json.dumps(c['arguments'], ensure_ascii=False)}) -> "
        f"{json.dumps(c['result'], ensure_ascii=False, default=str)}"
        for c in calls
    ]
    return (
        "An earlier attempt at answering the next message was interrupted after these tool calls "
        "had already been applied. Do not repeat them; build on their results:\n" + "\n".join(lines)
    )


class OpenAIAgent:
    """The model as an :class:`AgentBackend`; it keeps no memory (the thread's messages are its context)."""

    def answer(self, turn: AgentTurn) -> AgentReply:
        context = history(turn.user_id, turn.thread_id, turn.message_id)
        if turn.done_before:
            context.append({"role": "system", "content": done_before_note(turn.done_before)})
        return run_openai_agent(
            turn.text,
            call_tool=turn.call_tool,
            context=context,
            today=turn.today,
            now=turn.now,
            on_delta=turn.on_delta,
            should_stop=turn.should_stop,
            user_id=turn.user_id,
            wants_title=turn.wants_title,
            pending=turn.memory.pending,
        )


def run_openai_agent(
    text: str,
    *,
    call_tool: ToolCaller,
    context: list[dict[str, Any]],
    today: date,
    now: datetime | None = None,
    on_delta: Callable[[str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    user_id: uuid.UUID | None = None,
    wants_title: bool = False,
    pending: Confirmation | None = None,
) -> AgentReply:
    """Answer ``text`` with the model, running its tool calls through ``call_tool``.

    ``user_id`` selects the person's ``redact_sensitive`` preference (redaction is on without it).
    With ``wants_title`` the model is asked to name the conversation through :data:`TITLE_TOOL`
    (answered here, never run as a task tool); the reply carries that title. ``pending``: the
    question the last turn asked (a share), which a call with the same arguments now applies; a
    new share is asked with a confirmation card instead of run (:func:`_share_call`). ``now``: the
    person's clock, told to the model so that "in an hour" has a time to count from.
    """
    redactor = redactor_for(user_id)
    system = SYSTEM_PROMPT.format(today=today.isoformat(), weekday=today.strftime("%A"))
    if now is not None:
        system += f"\nIt is {now:%H:%M} on the person's clock."
    if wants_title:
        system += "\n" + TITLE_PROMPT
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system},
        *(_redacted(m, redactor) for m in context),
    ]
    if not context or context[-1].get("content") != text:
        messages.append({"role": "user", "content": redactor.redact(text)})
    client = _client()
    title: str | None = None
    confirmation: Confirmation | None = None
    try:
        for _round in range(MAX_TOOL_ROUNDS):
            reply, calls, stopped = _stream_round(
                client, messages, on_delta, should_stop, redactor, with_title=wants_title
            )
            # A final reply goes to the person (real values); one with tool calls goes back to the model.
            reply = redactor.restore(reply) if stopped or not calls else reply
            memory = AgentMemory(pending=confirmation)
            if stopped:
                text_out = (reply + " …").strip() if reply else "Stopped."
                return AgentReply(text=text_out, title=title, confirmation=confirmation, memory=memory)
            if not calls:
                return AgentReply(
                    text=reply.strip() or "Done.", title=title, confirmation=confirmation, memory=memory
                )
            messages.append(
                {
                    "role": "assistant",
                    "content": reply or None,
                    "tool_calls": [
                        {
                            "id": c["id"],
                            "type": "function",
                            "function": {"name": c["name"], "arguments": c["arguments"]},
                        }
                        for c in calls
                    ],
                }
            )
            for c in calls:
                if c["name"] == TITLE_TOOL:  # naming the conversation changes no task: answered here
                    proposed = _title_from(c["arguments"], redactor) if wants_title else None
                    title = title or proposed
                    result: dict[str, Any] = {"ok": True} if proposed else {"error": "No title was set."}
                elif c["name"] == SHARE_TOOL:
                    result, asked = _share_call(call_tool, c["arguments"], redactor, text, pending)
                    confirmation = asked or confirmation
                    if asked is None and "error" not in result:
                        pending = None  # applied: a second call in this turn asks again
                else:
                    result = _run_tool(call_tool, c["name"], c["arguments"], redactor)
                    if c["name"] == PROPOSE_TOOL and result.get("status") == "proposed":
                        confirmation = _proposal(result, text)
                sent = redactor.redact_obj(json.loads(json.dumps(result, default=str)))
                messages.append({"role": "tool", "tool_call_id": c["id"], "content": json.dumps(sent)})
        raise AgentError("The assistant kept calling tools without answering, so I stopped it.", "tool_loop")
    except openai.APITimeoutError as exc:
        raise AgentError("The AI service took too long to answer. Try again.", "timeout") from exc
    except openai.RateLimitError as exc:
        raise AgentError(
            "The AI service is busy (rate limited). Try again in a moment.", "rate_limited"
        ) from exc
    except openai.APIStatusError as exc:
        raise AgentError(
            f"The AI service answered with an error ({exc.status_code}). Try again.",
            f"http_{exc.status_code}",
        ) from exc
    except openai.APIConnectionError as exc:
        raise AgentError("The AI service could not be reached. Try again.", "connection") from exc
