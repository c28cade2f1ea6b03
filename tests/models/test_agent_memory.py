"""The assistant's thread memory: stored as plain JSON, read forgivingly (app/models/agent_memory.py)."""

from __future__ import annotations

import json

import pytest

from app.models import AgentMemory
from app.models.agent_memory import Confirmation, PendingChoice


def test_agent_memory_stores_only_what_it_holds() -> None:
    assert AgentMemory().to_stored() == {}
    memory = AgentMemory(
        focus=["t1"],
        last_changes=2,
        pending=Confirmation(action="delete", task_ids=["t1", "t2"], titles=["a", "b"]),
    )
    assert memory.to_stored() == {
        "focus": ["t1"],
        "last_changes": 2,
        "pending": {"action": "delete", "task_ids": ["t1", "t2"], "titles": ["a", "b"]},
    }
    assert AgentMemory.from_stored(json.loads(json.dumps(memory.to_stored()))) == memory


def test_agent_memory_reads_what_the_untyped_agent_stored() -> None:
    """A row written before the memory had a type (the same keys, as plain JSON) loads unchanged."""
    stored = {
        "focus": ["t1"],
        "last_list": ["t1", "t2"],
        "last_changes": 1,
        "choice": {"text": "complete report", "ids": ["t1", "t2"]},
    }
    memory = AgentMemory.from_stored(stored)
    assert memory.choice == PendingChoice(text="complete report", ids=["t1", "t2"])
    assert (memory.focus, memory.last_list, memory.last_changes) == (["t1"], ["t1", "t2"], 1)
    assert memory.to_stored() == stored


@pytest.mark.parametrize("raw", [None, [], "focus", 3, {}])
def test_agent_memory_that_is_not_an_object_reads_as_empty(raw: object) -> None:
    assert AgentMemory.from_stored(raw) == AgentMemory()


def test_agent_memory_ignores_unknown_keys_and_empties_bad_values() -> None:
    memory = AgentMemory.from_stored(
        {
            "it": "legacy",
            "focus": "t1",
            "last_list": ["t1", 2],
            "last_changes": "many",
            "pending": {"action": "delete"},
            "choice": ["t1"],
        }
    )
    assert memory == AgentMemory()
    # One bad value costs only that value.
    assert AgentMemory.from_stored({"focus": ["t1"], "last_list": 7}) == AgentMemory(focus=["t1"])
