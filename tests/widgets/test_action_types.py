"""The typed widget actions: one model per action type, parsed once at the edge, one handler each."""

from __future__ import annotations

import typing

import pytest
from pydantic import ValidationError

from app.orchestration.widget_actions import HANDLERS
from app.widgets import actions
from app.widgets.actions import (
    CancelDeleteTasks,
    CompleteTask,
    DeleteTasks,
    NotAServerAction,
    OpenTask,
    TaskIds,
    TaskRef,
    UpdateTask,
    parse_server_action,
)
from app.widgets.models import ActionConfig


def _union_members() -> set[type]:
    union, _field = typing.get_args(actions.ServerAction)
    return set(typing.get_args(union))


def test_action_types_every_server_action_has_exactly_one_handler() -> None:
    assert set(HANDLERS) == _union_members()
    assert sorted(actions.SERVER_ACTION_TYPES) == sorted(m.model_fields["type"].default for m in HANDLERS)


@pytest.mark.parametrize("model", sorted(_union_members(), key=lambda m: m.__name__))
def test_action_types_config_round_trips(model: type[actions.WidgetAction]) -> None:
    """What a builder declares parses back into the same typed action."""
    action = model.model_validate({"payload": {}})
    config = action.config(loading="container")
    assert isinstance(config, ActionConfig)
    assert (config.handler, config.loadingBehavior) == ("server", "container")
    assert parse_server_action(config) == action
    assert parse_server_action(config.model_dump()) == action


def test_action_types_parse_reads_typed_payloads() -> None:
    parsed = parse_server_action({"type": "task.complete", "payload": {"task_id": "t1", "extra": 1}})
    assert parsed == CompleteTask(payload=TaskRef(task_id="t1"))
    parsed = parse_server_action({"type": "tasks.delete", "payload": {"task_ids": ["a", "b"]}})
    assert isinstance(parsed, DeleteTasks)
    assert parsed.payload.task_ids == ["a", "b"]


@pytest.mark.parametrize("payload", [None, {}])
def test_action_types_missing_payload_reads_as_defaults(payload: object) -> None:
    """A stored config without a payload (nulls are dropped) still parses, as before."""
    assert parse_server_action({"type": "task.update", "payload": payload}) == UpdateTask(payload=TaskRef())
    assert parse_server_action({"type": "tasks.cancel"}) == CancelDeleteTasks()


@pytest.mark.parametrize(
    "config",
    [
        {"type": "task.open", "payload": {"title": "x"}, "handler": "client"},
        {"type": "task.open", "payload": {"title": "x"}},  # a client action even if marked server
        {"type": "task.complete", "payload": {"task_id": "t"}, "handler": "client"},
        {"type": "tasks.explode", "payload": {}},
        {"type": None},
    ],
)
def test_action_types_not_a_server_action(config: dict[str, object]) -> None:
    with pytest.raises(NotAServerAction, match=r"^'.*' is not an action the server runs\.$"):
        parse_server_action(config)


def test_action_types_bad_payload_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"'tasks.delete' has an invalid payload \(payload\.task_ids: "):
        parse_server_action({"type": "tasks.delete", "payload": {"task_ids": "not a list"}})


def test_action_types_client_action_declares_a_client_config() -> None:
    config = OpenTask.model_validate({"payload": {"title": "milk"}}).config(loading="none")
    assert config.model_dump() == {
        "type": "task.open",
        "payload": {"title": "milk"},
        "handler": "client",
        "loadingBehavior": "none",
    }


def test_action_types_type_is_fixed_per_model() -> None:
    with pytest.raises(ValidationError):
        DeleteTasks(type="tasks.cancel", payload=TaskIds())  # type: ignore[arg-type]
