"""Issue 15, item 2: a command that would change more than three tasks asks first."""

from __future__ import annotations

import datetime as dt
import json

from app.agent.offline import run_local_agent
from app.agent.types import AgentMemory, AgentReply
from tests.agent.fakes import TODAY, FakeTools

TOMORROW = (TODAY + dt.timedelta(days=1)).isoformat()


def _say(tools: FakeTools, *messages: str, memory: AgentMemory | None = None) -> AgentReply:
    reply = AgentReply("", memory if memory is not None else AgentMemory())
    for message in messages:
        reply = run_local_agent(message, call_tool=tools, memory=reply.memory, today=TODAY)
        stored = json.loads(json.dumps(reply.memory.to_stored()))
        assert AgentMemory.from_stored(stored) == reply.memory
    return reply


def _overdue(tools: FakeTools, n: int) -> list[str]:
    names = [f"overdue thing {i}" for i in range(1, n + 1)]
    for i, name in enumerate(names):
        tools.seed(name, due=TODAY - dt.timedelta(days=i + 1))
    tools.seed("not overdue", due=TODAY + dt.timedelta(days=5))
    tools.seed("done long ago", due=TODAY - dt.timedelta(days=3), done=True)
    return names


def test_moving_nine_overdue_tasks_asks_first_and_lists_them() -> None:
    tools = FakeTools()
    names = _overdue(tools, 9)
    before = json.dumps(tools.tasks, sort_keys=True)
    reply = _say(tools, "reschedule all overdue tasks to tomorrow")
    assert reply.confirmation is not None
    assert reply.confirmation.action == "move"
    assert sorted(reply.confirmation.titles) == sorted(names)
    assert len(reply.confirmation.calls) == 9
    assert all(
        c["tool"] == "update_task" and c["args"]["due_date"] == TOMORROW for c in reply.confirmation.calls
    )
    assert reply.text == "Move 9 overdue tasks to tomorrow? They are listed below; say yes or no."
    assert tools.changing_calls() == []
    assert json.dumps(tools.tasks, sort_keys=True) == before
    assert reply.memory.pending == reply.confirmation


def test_yes_moves_all_nine_and_one_undo_reverts_them() -> None:
    tools = FakeTools()
    names = _overdue(tools, 9)
    before = {n: tools.by_title(n)["due_date"] for n in names}
    reply = _say(tools, "reschedule all overdue tasks to tomorrow", "yes")
    assert all(tools.by_title(n)["due_date"] == TOMORROW for n in names)
    assert tools.by_title("not overdue")["due_date"] != TOMORROW
    # issue 17: one journaled change (reschedule_overdue) for exactly the tasks the question listed
    assert tools.changing_calls() == ["reschedule_overdue"]
    assert sorted(tools.calls[-1][1]["task_ids"]) == sorted(tools.by_title(n)["id"] for n in names)
    assert reply.text.startswith("Moved 9 tasks to tomorrow")
    assert reply.memory.pending is None
    assert reply.memory.last_changes == 1
    undone = _say(tools, "undo", memory=reply.memory)
    assert "9" in undone.text
    assert {n: tools.by_title(n)["due_date"] for n in names} == before


def test_no_changes_nothing() -> None:
    tools = FakeTools()
    _overdue(tools, 9)
    before = json.dumps(tools.tasks, sort_keys=True)
    reply = _say(tools, "reschedule all overdue tasks to tomorrow", "no")
    assert reply.text == "Okay, nothing changed."
    assert tools.changing_calls() == []
    assert json.dumps(tools.tasks, sort_keys=True) == before
    assert reply.memory.pending is None


def test_three_tasks_still_change_at_once() -> None:
    tools = FakeTools()
    names = [f"errand {i}" for i in range(3)]
    for name in names:
        tools.seed(name, tags=["errand"])
    reply = _say(tools, "move all tasks tagged errand to tomorrow")
    assert reply.confirmation is None
    assert all(tools.by_title(n)["due_date"] == TOMORROW for n in names)
    assert tools.changing_calls() == ["update_task"] * 3


def test_rescheduling_even_two_overdue_tasks_asks_first_then_one_undo() -> None:
    """Issue 17: "reschedule my overdue tasks to tomorrow" always asks, then is one change."""
    tools = FakeTools()
    names = _overdue(tools, 2)
    before = {n: tools.by_title(n)["due_date"] for n in names}
    asked = _say(tools, "reschedule my overdue tasks to tomorrow")
    assert asked.confirmation is not None
    assert asked.confirmation.action == "move"
    assert asked.text == "Move 2 overdue tasks to tomorrow? They are listed below; say yes or no."
    assert tools.changing_calls() == []
    done = _say(tools, "yes", memory=asked.memory)
    assert (
        done.text == 'Moved "overdue thing 1" and "overdue thing 2" to tomorrow. Say "undo" to put them back.'
    )
    assert all(tools.by_title(n)["due_date"] == TOMORROW for n in names)
    undone = _say(tools, "undo", memory=done.memory)
    assert undone.text.startswith("Undone")
    assert {n: tools.by_title(n)["due_date"] for n in names} == before
    assert tools.changing_calls() == ["reschedule_overdue", "undo"]


def test_completing_five_asks_and_counts_only_open_tasks() -> None:
    tools = FakeTools()
    for i in range(5):
        tools.seed(f"open {i}")
    tools.seed("finished", done=True)
    reply = _say(tools, "complete all my tasks")
    assert reply.confirmation is not None
    assert reply.confirmation.action == "complete"
    assert sorted(reply.confirmation.titles) == [f"open {i}" for i in range(5)]
    assert reply.text.startswith("Mark 5 tasks as done?")
    assert tools.changing_calls() == []
    _say(tools, "yes", memory=reply.memory)
    assert all(t["completed"] for t in tools.tasks.values())
    assert tools.changing_calls() == ["complete_task"] * 5


def test_four_tasks_already_in_that_state_are_not_counted() -> None:
    tools = FakeTools()
    for i in range(4):
        tools.seed(f"task {i}", priority="high")
    tools.seed("low one", priority="low")
    reply = _say(tools, "make all my tasks high priority")
    assert reply.confirmation is None
    assert tools.by_title("low one")["priority"] == "high"


def test_a_memory_stored_before_the_new_fields_still_loads() -> None:
    old = {"pending": {"action": "delete", "task_ids": ["1", "2"], "titles": ["a", "b"]}}
    memory = AgentMemory.from_stored(old)
    assert memory.pending is not None
    assert memory.pending.text == ""
    assert memory.pending.calls == []


def _day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def test_moving_all_my_tasks_leaves_completed_ones_alone() -> None:
    """ "all my tasks" selects the open ones, as a listing does, unless completed ones are asked for
    (it asked to move 7 tasks where 5 were open, and moved the finished ones too)."""
    tools = FakeTools()
    tools.seed("open one")
    tools.seed("open two", due=TODAY)
    tools.seed("finished", due=TODAY - dt.timedelta(days=3), done=True)
    reply = _say(tools, "move all my tasks to tomorrow")
    assert reply.confirmation is None, reply.text
    assert reply.text == 'Moved "open one" and "open two" to tomorrow.'
    assert tools.by_title("finished")["due_date"] == _day(-3)
    moved = _say(tools, "move all completed tasks to friday")
    assert tools.by_title("finished")["due_date"] != _day(-3), moved.text


def test_pushing_everything_back_a_day_moves_the_dated_open_tasks() -> None:
    """A task with no date has none to push back: "push everything back a day" gave it tomorrow."""
    tools = FakeTools()
    tools.seed("today thing", due=TODAY)
    tools.seed("later thing", due=TODAY + dt.timedelta(days=2))
    tools.seed("someday thing")
    tools.seed("done thing", due=TODAY - dt.timedelta(days=1), done=True)
    reply = _say(tools, "push everything back a day")
    assert reply.confirmation is None, reply.text
    assert reply.text.startswith('Moved "today thing" and "later thing" 1 day later.'), reply.text
    assert tools.by_title("today thing")["due_date"] == _day(1)
    assert tools.by_title("later thing")["due_date"] == _day(3)
    assert tools.by_title("someday thing")["due_date"] is None
    assert tools.by_title("done thing")["due_date"] == _day(-1)
