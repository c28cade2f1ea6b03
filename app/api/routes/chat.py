"""Chat over HTTP: one turn per request (JSON), or streamed as Server-Sent Events."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from app.agent import registry
from app.api.deps import UserId
from app.api.errors import describe_failure
from app.api.schemas import (
    ERRORS,
    ChatRequest,
    ChatResponse,
    ConversationChatRequest,
    ConversationChatResponse,
    RetryRequest,
)
from app.orchestration import runner
from app.services.errors import ForbiddenError

router = APIRouter(tags=["chat"], responses=ERRORS)
_RUNNING: set[asyncio.Future] = set()


def _operation(result: runner.TurnResult) -> tuple[str | None, str | None]:
    """Seed 001's operationType / taskId: the last change (or search) the turn made."""
    for call in reversed(result.tool_calls):
        if "result" not in call:
            continue
        try:
            kind = registry.get_tool(call["name"]).operation_type
        except Exception:  # noqa: BLE001 - an unknown tool name just has no type
            continue
        task_id = call["result"].get("task_id")
        return str(kind), str(task_id) if task_id else None
    return None, None


def _response(result: runner.TurnResult, context: dict[str, Any] | None = None) -> ChatResponse:
    operation, task_id = _operation(result)
    return ChatResponse(
        response=result.reply,
        sessionId=result.thread_id,
        operationType=operation,
        taskId=task_id,
        context=context,
        widgets=result.widgets,
        tool_calls=result.tool_calls,
        status=result.status,
    )


@router.post("/chat", response_model=ChatResponse, summary="Send a message; get the assistant's reply")
def chat(body: ChatRequest, user_id: UserId) -> ChatResponse:
    result = runner.run_turn(user_id=user_id, text=body.message, thread_id=body.sessionId, source="api")
    return _response(result, body.context)


@router.post(
    "/threads/{thread_id}/retry",
    response_model=ChatResponse,
    summary="Answer a failed or interrupted turn again, without repeating what it already did",
)
def retry(thread_id: str, user_id: UserId, body: RetryRequest | None = None) -> ChatResponse:
    """Answers the question of a failed reply (status ``error``, e.g. "This reply was interrupted.")
    again, as the page's Retry button does: a new reply, the question is not stored twice.

    The tool calls the failed attempt had already applied (its ``tool_calls``, from the journal) are
    not run again: when the new answer makes the same call, it gets the stored result and the call
    comes back with ``"replayed": true``. 409 when the reply did not fail (or another turn is running).
    """
    start = runner.begin_retry(
        user_id=user_id, thread_id=thread_id, message_id=body.message_id if body else None
    )
    return _response(runner.process_turn(start, "api"))


@router.post(
    "/{user_id}/chat",
    response_model=ConversationChatResponse,
    summary="The conversation form of chat (the user id must be the token's)",
)
def chat_as(user_id: uuid.UUID, body: ConversationChatRequest, acting: UserId) -> ConversationChatResponse:
    if user_id != acting:
        raise ForbiddenError("You can only chat as yourself.")
    result = runner.run_turn(user_id=acting, text=body.message, thread_id=body.conversation_id, source="api")
    return ConversationChatResponse(
        conversation_id=result.thread_id, response=result.reply, tool_calls=result.tool_calls
    )


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


@router.post(
    "/chat/stream",
    summary="The same turn as Server-Sent Events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "delta, tool_call, widget, done events (or error)",
        }
    },
)
async def chat_stream(body: ChatRequest, user_id: UserId) -> StreamingResponse:
    """Events: ``delta`` {text}, ``tool_call`` {...}, ``widget`` {id, type, payload}, ``done`` {ids, status}.

    ``error`` {code, message} comes instead of ``done`` when the turn could not finish (the database
    went away mid-turn, say).

    The turn runs to completion and is stored even if the client goes away mid-stream.
    """
    start = await asyncio.to_thread(
        runner.begin_turn, user_id=user_id, text=body.message, thread_id=body.sessionId
    )
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()
    stop = threading.Event()

    def on_delta(chunk: str) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, chunk)

    task = asyncio.ensure_future(
        asyncio.to_thread(runner.process_turn, start, "api", on_delta=on_delta, should_stop=stop.is_set)
    )
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)

    async def events() -> AsyncIterator[str]:
        yield _sse("start", {"sessionId": str(start.thread_id), "messageId": str(start.message_id)})
        streamed = False
        while not task.done() or not queue.empty():
            try:
                chunk = await asyncio.wait_for(queue.get(), timeout=0.1)
            except TimeoutError:
                continue
            streamed = True
            yield _sse("delta", {"text": chunk})
        try:
            result: runner.TurnResult = task.result()
        except Exception as exc:  # noqa: BLE001 - the stream has begun: report in-band, never a trace
            yield _sse("error", describe_failure(exc))
            return
        if not streamed:
            words = result.reply.split(" ")
            for i, word in enumerate(words):
                yield _sse("delta", {"text": word + (" " if i < len(words) - 1 else "")})
        for call in result.tool_calls:
            yield _sse("tool_call", call)
        for widget in result.widgets:
            yield _sse("widget", widget)
        operation, task_id = _operation(result)
        yield _sse(
            "done",
            {
                "sessionId": result.thread_id,
                "messageId": result.message_id,
                "status": result.status,
                "response": result.reply,
                "operationType": operation,
                "taskId": task_id,
                "error": result.error,
            },
        )

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
