"""The assistant's memory of a thread: what "it", "them" and "task 2" mean, and a pending question.

It is not a table: it lives in ``threads.metadata`` under ``"agent_memory"`` (encrypted with the
rest of the metadata), as the same JSON object it always was, so rows written before it had a
type load unchanged. Reading is forgiving because the stored JSON outlives the code that wrote it:
keys it does not know are ignored, and a value of the wrong shape reads as empty (the assistant
then only forgets that one thing; a turn never fails on its memory).
"""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
)
from pydantic_core.core_schema import ValidationInfo


class Confirmation(BaseModel):
    """A change the assistant will only make after the person says yes.

    Attributes:
        action: what to do on yes: ``"delete"``, or a change to many tasks (``"move"``,
            ``"update"``, ``"complete"``, ``"reopen"``).
        task_ids: the tasks it applies to.
        titles: their titles, to show on the confirm card.
        text: the command as the person wrote it, run again on yes against exactly ``task_ids``
            (empty for a delete, and in memories stored before it existed).
        calls: the change per task as tool calls (``{"tool": ..., "args": {...}}``), what the
            confirm card's button runs; empty for a delete.
    """

    action: str
    task_ids: list[str]
    titles: list[str]
    text: str = ""
    calls: list[dict[str, Any]] = Field(default_factory=list)


class PendingChoice(BaseModel):
    """A command that named several tasks, kept until the person picks one.

    Attributes:
        text: the command as the person wrote it, run again on the picked task.
        ids: the candidate tasks, in the order they were offered.
    """

    text: str
    ids: list[str]


class AgentMemory(BaseModel):
    """What one turn of a thread leaves for the next.

    Attributes:
        focus: the tasks just talked about ("it", "them").
        last_list: the tasks last shown, in order ("task 2", "the last one").
        last_changes: how many changes the last changing turn made (one "undo" reverts them all).
        pending: a question asked before changing anything (a bulk delete or a change to
            more than three tasks), answered by yes/no.
        choice: a command that matched several tasks, waiting for the person to pick one.
    """

    model_config = ConfigDict(extra="ignore")

    focus: list[str] = Field(default_factory=list)
    last_list: list[str] = Field(default_factory=list)
    last_changes: int = 0
    pending: Confirmation | None = None
    choice: PendingChoice | None = None

    @field_validator("*", mode="wrap")
    @classmethod
    def _empty_when_invalid(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        """A stored value of the wrong shape reads as that field's empty value, not as an error."""
        try:
            return handler(value)
        except ValidationError:
            assert info.field_name is not None
            return cls.model_fields[info.field_name].get_default(call_default_factory=True)

    @classmethod
    def from_stored(cls, raw: Any) -> AgentMemory:
        """The memory stored as ``raw`` (any JSON, or None): empty when it is not an object."""
        return cls.model_validate(raw) if isinstance(raw, dict) else cls()

    def to_stored(self) -> dict[str, Any]:
        """The JSON object to store: only the keys that hold something, as before it had a type."""
        return self.model_dump(mode="json", exclude_defaults=True)
