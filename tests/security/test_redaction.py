"""End to end: what the OpenAI-compatible server receives holds no sensitive value, while the tools,
the stored messages and the streamed reply keep the real ones (issue #9)."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from sqlmodel import select

from app.core.db import session_scope
from app.models import Message, Task
from app.orchestration import runner
from app.services import preferences as preference_service
from app.services import tasks as task_service
from tests.security.conftest import use_backend
from tests.utils.fake_openai import FakeOpenAI

PHONE = "+1 415 555 0100"
EMAIL = "ann.lee@example.com"
CARD = "4111 1111 1111 1111"
IBAN = "DE89 3704 0044 0532 0130 00"
KEY = "sk-proj-Q7dK2mZp9XvB4nR8tL1wY6cH3"
SENSITIVE = (PHONE, EMAIL, CARD, IBAN, KEY)
TEXT = f"add call {PHONE} tomorrow at 10:30; mail {EMAIL}, card {CARD}, iban {IBAN}, key {KEY}"
REDACTED_TEXT = (
    "add call [PHONE_1] tomorrow at 10:30; mail [EMAIL_1], card [CARD_1], iban [IBAN_1], key [SECRET_1]"
)


def _sent(fake: FakeOpenAI) -> str:
    """Everything the server received, as one string (also digits-only, to catch reformatted numbers)."""
    return json.dumps(fake.requests)


def _assert_nothing_sensitive(fake: FakeOpenAI) -> None:
    sent = _sent(fake)
    digits = re.sub(r"\D", "", sent)
    for value in SENSITIVE:
        assert value not in sent
    for value in (PHONE, CARD):
        assert re.sub(r"\D", "", value) not in digits
    assert IBAN.replace(" ", "") not in sent


def _message(message_id: str | uuid.UUID) -> Message:
    with session_scope() as session:
        message = session.get(Message, uuid.UUID(str(message_id)))
        assert message is not None
        return message


def test_redaction_server_sees_placeholders_tools_and_person_see_real_values(
    llm: FakeOpenAI, user_id: uuid.UUID
) -> None:
    args = {"title": "call [PHONE_1]", "description": "mail [EMAIL_1]", "due_date": "2030-01-02"}
    llm.script = [
        {"tool_calls": [{"name": "add_task", "arguments": json.dumps(args)}]},
        {"chunks": ["Added 'call [PH", "ONE_1]' and noted [", "EMAIL_1", "]."]},
    ]
    deltas: list[str] = []
    start = runner.begin_turn(user_id=user_id, text=TEXT)
    result = runner.process_turn(start, on_delta=deltas.append)

    assert result.status == "completed"
    _assert_nothing_sensitive(llm)
    first_user = llm.requests[0]["messages"][-1]
    assert first_user == {"role": "user", "content": REDACTED_TEXT}
    tool_reply = json.loads(llm.requests[1]["messages"][-1]["content"])
    assert tool_reply["title"] == "call [PHONE_1]"  # the tool's result goes back redacted the same way

    with session_scope() as session:
        task = session.exec(select(Task).where(Task.user_id == user_id)).one()
        assert (task.title, task.description) == (f"call {PHONE}", f"mail {EMAIL}")
    assert result.tool_calls[0]["arguments"]["title"] == f"call {PHONE}"

    expected = f"Added 'call {PHONE}' and noted {EMAIL}."
    assert result.reply == expected
    assert "".join(deltas) == expected
    assert not any("[" in d for d in deltas)  # no half placeholder ever reaches the screen
    assert _message(start.user_message_id).content == TEXT
    assert _message(result.message_id).content == expected


def test_redaction_history_reuses_the_same_placeholders(llm: FakeOpenAI, user_id: uuid.UUID) -> None:
    llm.script = [{"text": "Noted [PHONE_1]."}, {"text": "Yes."}]
    first = runner.run_turn(user_id=user_id, text=TEXT)
    assert first.reply == f"Noted {PHONE}."
    again = "did you save +14155550100 and ANN.LEE@example.com?"
    runner.run_turn(user_id=user_id, text=again, thread_id=first.thread_id)

    _assert_nothing_sensitive(llm)
    sent = [(m["role"], m["content"]) for m in llm.requests[1]["messages"][1:]]
    assert sent == [
        ("user", REDACTED_TEXT),
        ("assistant", "Noted [PHONE_1]."),
        ("user", "did you save [PHONE_1] and [EMAIL_1]?"),
    ]


def test_redaction_covers_tool_results(llm: FakeOpenAI, user_id: uuid.UUID) -> None:
    with session_scope() as session:
        task_service.create_task(session, user_id=user_id, data={"title": "send invoice to bob@example.com"})
    llm.script = [{"tool_calls": [{"name": "list_tasks", "arguments": "{}"}]}, {"text": "One task."}]
    runner.run_turn(user_id=user_id, text="what do I have?")
    assert "bob@example.com" not in _sent(llm)
    listed = json.loads(llm.requests[1]["messages"][-1]["content"])
    assert listed["tasks"][0]["title"] == "send invoice to [EMAIL_1]"


def test_redaction_off_sends_the_real_text(llm: FakeOpenAI, user_id: uuid.UUID) -> None:
    with session_scope() as session:
        preference_service.update_preferences(session, user_id=user_id, redact_sensitive=False)
    llm.script = [
        {"tool_calls": [{"name": "add_task", "arguments": json.dumps({"title": f"call {PHONE}"})}]},
        {"text": f"Added call {PHONE}."},
    ]
    result = runner.run_turn(user_id=user_id, text=TEXT)
    assert llm.requests[0]["messages"][-1] == {"role": "user", "content": TEXT}
    assert result.reply == f"Added call {PHONE}."
    with session_scope() as session:
        assert session.exec(select(Task).where(Task.user_id == user_id)).one().title == f"call {PHONE}"


@pytest.mark.parametrize("text", ["pay rent $1,200 on 2026-11-23 at 10:30", "pick up order #12345, v1.2.3"])
def test_redaction_leaves_ordinary_todo_text(llm: FakeOpenAI, user_id: uuid.UUID, text: str) -> None:
    runner.run_turn(user_id=user_id, text=text)
    assert llm.requests[0]["messages"][-1]["content"] == text


def test_local_agent_sends_nothing(
    llm: FakeOpenAI, user_id: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_backend(monkeypatch, "local")
    result = runner.run_turn(user_id=user_id, text=TEXT)
    assert result.status == "completed"
    assert llm.requests == []
