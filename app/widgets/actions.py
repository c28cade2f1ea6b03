"""The actions our widgets declare, one typed model each, as ChatKit types them (``chatkit/actions.py``).

A widget's JSON carries an action as a plain :class:`~app.widgets.models.ActionConfig` (type,
payload, handler, loading behaviour). Here each action the server runs is a model of its own, a
``Literal`` type and a typed payload, so the builders cannot declare an action with a misspelt type
or a missing field, and a click is parsed once, at the edge, into exactly one of them
(:func:`parse_server_action`); the click's handler then reads typed fields, never dict keys.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError, field_validator, model_validator

from app.widgets.models import ActionConfig

Handler = Literal["client", "server"]
LoadingBehavior = Literal["auto", "none", "self", "container"]


class TaskRef(BaseModel):
    """The task a row or card button acts on."""

    task_id: str = ""


class OperationRef(BaseModel):
    """The journaled change an Undo button reverts."""

    operation_id: str = ""


class TaskIds(BaseModel):
    """The tasks a confirmation card would delete."""

    task_ids: list[str] = Field(default_factory=list)


class TaskCall(BaseModel):
    """One task's change on a bulk confirmation card: a registry tool and its arguments."""

    tool: Literal["update_task", "complete_task", "reopen_task"]
    args: dict[str, Any]

    @field_validator("args")
    @classmethod
    def _names_a_task(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(value.get("task_id"), str) or not value["task_id"]:
            raise ValueError("each change needs a task_id")
        return value


class TaskChanges(BaseModel):
    """The tasks a bulk confirmation card would change, and each one's change."""

    task_ids: list[str] = Field(default_factory=list)
    calls: list[TaskCall] = Field(default_factory=list)

    @model_validator(mode="after")
    def _only_listed_tasks(self) -> TaskChanges:
        if any(c.args["task_id"] not in self.task_ids for c in self.calls):
            raise ValueError("a change names a task the card does not list")
        return self


class ShareRef(BaseModel):
    """What a share confirmation's button shares: a project (its id), with whom and as what (the
    registry's ``share_project`` checks them when it runs)."""

    project: str = ""
    email: str = ""
    role: Literal["editor", "viewer"] = "editor"


class OperationRefs(BaseModel):
    """The journaled changes an "Undo all" button reverts (newest first)."""

    operation_ids: list[str] = Field(default_factory=list)


class FormRef(BaseModel):
    """The folded form (its ``key``) a disclosure button opens and closes, and the task it edits."""

    form: str = ""
    task_id: str = ""


class NoPayload(BaseModel):
    """An action that needs nothing but its type (dumped as ``{}``, as ChatKit clients send it)."""


class TaskTitle(BaseModel):
    """What the client-side "Open in Tasks" searches for."""

    title: str = ""


class WidgetAction(BaseModel):
    """One declared action: a ``Literal`` type and its typed payload.

    A missing or ``null`` payload reads as the payload's defaults, the way a stored widget whose
    config has no payload was always read.
    """

    type: str
    payload: Any = None
    handler: ClassVar[Handler] = "server"

    @field_validator("payload", mode="before")
    @classmethod
    def _missing_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    def config(self, *, loading: LoadingBehavior = "self") -> ActionConfig:
        """The ChatKit action config a widget declares for this action."""
        return ActionConfig(
            type=self.type,
            payload=self.payload.model_dump(mode="json"),
            handler=self.handler,
            loadingBehavior=loading,
        )


class CompleteTask(WidgetAction):
    type: Literal["task.complete"] = "task.complete"
    payload: TaskRef


class ReopenTask(WidgetAction):
    type: Literal["task.reopen"] = "task.reopen"
    payload: TaskRef


class DeleteTask(WidgetAction):
    type: Literal["task.delete"] = "task.delete"
    payload: TaskRef


class UndoOperation(WidgetAction):
    type: Literal["task.undo"] = "task.undo"
    payload: OperationRef


class UndoOperations(WidgetAction):
    """A summary card's "Undo all": every change of that turn, each through the undo tool."""

    type: Literal["task.undo_all"] = "task.undo_all"
    payload: OperationRefs


class UpdateTask(WidgetAction):
    """The edit form's submit; the changes come in the click's form, not in the payload."""

    type: Literal["task.update"] = "task.update"
    payload: TaskRef


class DeleteTasks(WidgetAction):
    type: Literal["tasks.delete"] = "tasks.delete"
    payload: TaskIds


class ApplyTaskChanges(WidgetAction):
    """A bulk confirmation's confirm button: each listed task's change, through the registry."""

    type: Literal["tasks.apply"] = "tasks.apply"
    payload: TaskChanges


class AddSubtasks(WidgetAction):
    """A subtask proposal's "Add these": the subtasks as the person left them in the card's form
    (fields ``subtask_1``..``subtask_N``; blanks skipped), added under the task in one change."""

    type: Literal["task.add_subtasks"] = "task.add_subtasks"
    payload: TaskRef


class ShareProject(WidgetAction):
    """A share confirmation's confirm button: the project shared through the registry (owners only)."""

    type: Literal["project.share"] = "project.share"
    payload: ShareRef


class CancelDeleteTasks(WidgetAction):
    """A confirmation card's Cancel (of a delete or of any bulk change)."""

    type: Literal["tasks.cancel"] = "tasks.cancel"
    payload: NoPayload = Field(default_factory=NoPayload)


class OpenTask(WidgetAction):
    """Runs in the browser (it opens the task page); the server refuses to run it."""

    type: Literal["task.open"] = "task.open"
    payload: TaskTitle
    handler: ClassVar[Handler] = "client"


class ToggleForm(WidgetAction):
    """A disclosure ("Edit"): shows or hides a folded form of the card; runs in the browser only."""

    type: Literal["form.toggle"] = "form.toggle"
    payload: FormRef
    handler: ClassVar[Handler] = "client"


ServerAction = Annotated[
    CompleteTask
    | ReopenTask
    | DeleteTask
    | UndoOperation
    | UndoOperations
    | UpdateTask
    | DeleteTasks
    | ApplyTaskChanges
    | AddSubtasks
    | ShareProject
    | CancelDeleteTasks,
    Field(discriminator="type"),
]
"""Every action the server runs, told apart by ``type``."""
SERVER_ACTION = TypeAdapter(ServerAction)
SERVER_ACTION_TYPES: tuple[str, ...] = tuple(
    model.model_fields["type"].default
    for model in (
        CompleteTask, ReopenTask, DeleteTask, UndoOperation, UndoOperations, UpdateTask, DeleteTasks,
        ApplyTaskChanges, AddSubtasks, ShareProject, CancelDeleteTasks,
    )
)  # fmt: skip


class NotAServerAction(ValueError):
    """The config names no action the server runs (a client action, or an unknown type)."""


def parse_server_action(config: ActionConfig | dict[str, Any]) -> WidgetAction:
    """The typed action a declared config asks the server to run.

    Raises :class:`NotAServerAction` for a client-handled or unknown type, and ``ValueError``
    (with the field at fault) for a payload that does not fit its type.
    """
    data = config.model_dump() if isinstance(config, ActionConfig) else dict(config)
    kind = data.get("type")
    if data.get("handler") == "client" or kind not in SERVER_ACTION_TYPES:
        raise NotAServerAction(f"'{kind}' is not an action the server runs.")
    try:
        return SERVER_ACTION.validate_python({"type": kind, "payload": data.get("payload")})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, err['loc'][1:]))}: {err['msg']}" for err in exc.errors())
        raise ValueError(f"'{kind}' has an invalid payload ({problems}).") from exc
