"""run_local_agent end to end against the dict-backed tool double."""

from __future__ import annotations

import json

from app.agent.offline import run_local_agent
from app.agent.types import AgentMemory, AgentReply
from tests.agent.fakes import TODAY, FakeTools


def _say(tools: FakeTools, *messages: str, memory: AgentMemory | None = None) -> AgentReply:
    reply = AgentReply("", memory if memory is not None else AgentMemory())
    for message in messages:
        reply = run_local_agent(message, call_tool=tools, memory=reply.memory, today=TODAY)
        stored = json.loads(json.dumps(reply.memory.to_stored()))  # what the thread keeps is JSON
        assert AgentMemory.from_stored(stored) == reply.memory  # and reads back as it was
    return reply


def test_run_local_agent_create_reports_title_and_due() -> None:
    tools = FakeTools()
    reply = _say(tools, "add pay rent tomorrow")
    assert tools.by_title("pay rent")["due_date"] == "2025-11-20"
    assert "pay rent" in reply.text
    assert "tomorrow" in reply.text


def test_run_local_agent_list_names_only_listed_tasks_and_remembers_order() -> None:
    tools = FakeTools()
    tools.seed("buy milk")
    tools.seed("call mom", done=True)
    reply = _say(tools, "what's left to do?")
    assert "buy milk" in reply.text
    assert "call mom" not in reply.text
    assert reply.memory.last_list == [tools.by_title("buy milk")["id"]]


def test_run_local_agent_complete_by_number_from_last_list() -> None:
    tools = FakeTools()
    tools.seed("buy milk")
    tools.seed("call mom")
    _say(tools, "show my tasks", "complete task 2")
    assert tools.by_title("call mom")["completed"]
    assert not tools.by_title("buy milk")["completed"]


def test_run_local_agent_bulk_delete_asks_then_deletes_on_yes() -> None:
    tools = FakeTools()
    tools.seed("a", done=True)
    tools.seed("b", done=True)
    tools.seed("c")
    first = _say(tools, "delete all completed tasks")
    assert first.confirmation is not None
    assert first.confirmation.action == "delete"
    assert sorted(first.confirmation.titles) == ["a", "b"]
    assert len(tools.tasks) == 3
    assert "delete_task" not in tools.changing_calls()
    second = _say(tools, "yes", memory=first.memory)
    assert tools.titles() == ["c"]
    assert "pending" not in second.memory.to_stored()


def test_run_local_agent_bulk_delete_no_keeps_everything() -> None:
    tools = FakeTools()
    tools.seed("one")
    tools.seed("two")
    reply = _say(tools, "delete all my tasks", "no")
    assert len(tools.tasks) == 2
    assert "kept" in reply.text.lower()


def test_run_local_agent_other_message_drops_pending_confirmation() -> None:
    tools = FakeTools()
    tools.seed("one")
    tools.seed("two")
    reply = _say(tools, "delete all my tasks", "show my tasks", "yes")
    assert len(tools.tasks) == 2
    assert "nothing waiting" in reply.text.lower()


def test_run_local_agent_it_refers_to_created_task() -> None:
    tools = FakeTools()
    _say(tools, "add call mom", "make it high priority")
    assert tools.by_title("call mom")["priority"] == "high"


def test_run_local_agent_ambiguous_asks_and_changes_nothing() -> None:
    tools = FakeTools()
    tools.seed("call mom")
    tools.seed("call dad")
    reply = _say(tools, "complete call")
    assert "call mom" in reply.text
    assert "call dad" in reply.text
    assert tools.changing_calls() == []


def test_run_local_agent_ambiguous_then_pick() -> None:
    tools = FakeTools()
    tools.seed("call mom")
    tools.seed("call dad")
    _say(tools, "complete call", "dad")
    assert tools.by_title("call dad")["completed"]
    assert not tools.by_title("call mom")["completed"]


def test_run_local_agent_not_found_says_so() -> None:
    tools = FakeTools()
    tools.seed("buy milk")
    reply = _say(tools, "complete walk the dog")
    assert "couldn't find" in reply.text
    assert "walk the dog" in reply.text
    assert tools.changing_calls() == []


def test_run_local_agent_undo_reports_what_was_undone() -> None:
    tools = FakeTools()
    tools.seed("buy milk")
    reply = _say(tools, "delete buy milk", "undo")
    assert tools.titles() == ["buy milk"]
    assert "buy milk" in reply.text


def test_run_local_agent_undo_names_the_kind_of_change() -> None:
    tools = FakeTools()
    tools.seed("buy milk", done=True)
    tools.seed("call mom")
    assert _say(tools, "reopen buy milk", "undo").text == 'Undone: reopening "buy milk".'
    assert _say(tools, "complete call mom", "undo").text == 'Undone: completing "call mom".'


def test_run_local_agent_undo_with_nothing_to_undo() -> None:
    reply = _say(FakeTools(), "undo")
    assert "nothing to undo" in reply.text.lower()


def test_run_local_agent_chatter_changes_nothing() -> None:
    tools = FakeTools()
    tools.seed("buy milk")
    for message in ["hello!", "thanks", "what can you do?", "asdkjh qwpoe", "yes", "no"]:
        _say(tools, message)
    assert tools.changing_calls() == []


def test_run_local_agent_help_mentions_every_capability() -> None:
    text = _say(FakeTools(), "what can you do?").text.lower()
    for word in ("add", "list", "complete", "delete", "undo"):
        assert word in text


def test_run_local_agent_tool_error_is_reported() -> None:
    def refusing(name: str, args: dict) -> dict:
        from app.agent.types import ToolError

        if name == "list_tasks":
            return {"tasks": [], "count": 0}
        raise ToolError("The database is read-only.")

    reply = run_local_agent("add buy milk", call_tool=refusing, memory=AgentMemory(), today=TODAY)
    assert "read-only" in reply.text


def test_run_local_agent_odd_input_never_crashes_or_changes() -> None:
    tools = FakeTools()
    tools.seed("buy milk")
    odd = [
        "",
        "   ",
        "🙂",
        "?!",
        "İstanbul ß",
        "x" * 5000,
        "delete",
        "complete",
        "add",
        "rename to",
        "0",
        "#",
        "--",
    ]
    for message in odd:
        reply = _say(tools, message)
        assert reply.text
    assert [c for c in tools.changing_calls() if c != "add_task"] == []
    assert tools.titles() == ["buy milk"]
