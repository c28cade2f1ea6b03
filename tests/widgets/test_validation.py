"""validate_widget over a corpus: valid payloads pass and also parse with ChatKit's own
models (no drift); invalid ones fail with a message naming the right path."""

from __future__ import annotations

from typing import Any

import pytest

from app.orchestration.widget_actions import declared_actions
from app.widgets.models import COMPONENT_TYPES
from app.widgets.validate import MAX_BYTES, MAX_DEPTH, WidgetError, dump, validate_widget
from tests.widgets.corpus import INVALID, VALID, card, nested, text
from tests.widgets.helpers import action_configs, assert_chatkit_parses, depth_of, nodes, types_in

ACTION_FIELDS = {"type", "payload", "handler", "loadingBehavior"}


@pytest.mark.parametrize(("name", "payload"), VALID, ids=[n for n, _ in VALID])
def test_validation_valid_payload_passes_and_parses_with_chatkit(name: str, payload: dict[str, Any]) -> None:
    widget = validate_widget(payload)
    stored = dump(widget)
    assert dump(validate_widget(stored)) == stored, "the stored form must validate again unchanged"
    assert types_in(stored) == types_in(payload)
    assert_chatkit_parses(payload)
    assert_chatkit_parses(stored)


def test_validation_valid_corpus_covers_every_type() -> None:
    seen = {t for _, p in VALID for t in types_in(p)}
    assert seen == set(COMPONENT_TYPES)
    assert len(COMPONENT_TYPES) == 24


def test_validation_valid_corpus_covers_features() -> None:
    payloads = [p for _, p in VALID]
    assert len(payloads) >= 30
    assert max(depth_of(p) for p in payloads) == MAX_DEPTH
    assert any(6 <= depth_of(p) < MAX_DEPTH for p in payloads)
    srcs = [n["src"] for p in payloads for n in nodes(p) if n["type"] == "Image"]
    assert any(s.startswith("data:image/png;base64,") for s in srcs)
    assert any(not s.startswith(("http", "data:")) for s in srcs), "relative image paths"
    assert any(isinstance(n.get("color"), dict) for p in payloads for n in nodes(p)), "theme colours"
    configs = [c for p in payloads for c in action_configs(p)]
    for field in ("onClickAction", "onSubmitAction", "onChangeAction", "confirm", "cancel"):
        full = [c for f, c in configs if f == field and set(c) == ACTION_FIELDS]
        assert full, f"no {field} with all of {sorted(ACTION_FIELDS)}"
    assert {c["handler"] for _, c in configs if "handler" in c} == {"client", "server"}
    assert {c["loadingBehavior"] for _, c in configs if "loadingBehavior" in c} == {
        "auto",
        "none",
        "self",
        "container",
    }


@pytest.mark.parametrize(("name", "payload", "path", "message"), INVALID, ids=[i[0] for i in INVALID])
def test_validation_invalid_payload_names_the_path(name: str, payload: Any, path: str, message: str) -> None:
    with pytest.raises(WidgetError) as info:
        validate_widget(payload)
    text_ = str(info.value)
    assert f"{path}: " in text_, text_
    assert message in text_, text_
    detail = next(part for part in text_.split("; ") if part.startswith(f"{path}: "))
    assert message in detail or message in text_.split(f"{path}: ", 1)[1]


def test_validation_invalid_corpus_is_large() -> None:
    assert len(INVALID) >= 30
    assert len({name for name, *_ in INVALID}) == len(INVALID)


def test_validation_text_with_script_stays_text() -> None:
    value = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    stored = dump(validate_widget(card(text(value))))
    assert stored["children"][0] == {"type": "Text", "value": value}


def test_validation_depth_boundary() -> None:
    assert depth_of(nested(MAX_DEPTH)) == MAX_DEPTH
    validate_widget(nested(MAX_DEPTH))
    with pytest.raises(WidgetError, match=r"^\(root\): the widget is nested too deep \(17 levels"):
        validate_widget(nested(MAX_DEPTH + 1))


def test_validation_very_deep_payload_is_a_widget_error() -> None:
    """Far past the limit (deeper than Python's recursion limit) is still a clear WidgetError."""
    with pytest.raises(WidgetError, match="nested too deep"):
        validate_widget(nested(5000))


def test_validation_size_boundary() -> None:
    overhead = len('{"type": "Card", "children": [{"type": "Text", "value": ""}]}')
    validate_widget(card(text("x" * (MAX_BYTES - overhead))))
    with pytest.raises(WidgetError, match=r"too big \(65,537 bytes; at most 65,536\)"):
        validate_widget(card(text("x" * (MAX_BYTES - overhead + 1))))


def test_validation_size_counts_utf8_bytes() -> None:
    with pytest.raises(WidgetError, match="too big"):
        validate_widget(card(text("é" * (MAX_BYTES // 2 + 10))))


def test_validation_declared_actions_found_in_corpus() -> None:
    """declared_actions (what perform() trusts) sees every action config, confirm/cancel included."""
    for _, payload in VALID:
        assert declared_actions(payload) == [c for _, c in action_configs(payload)]


def _has_null(node: Any) -> bool:
    if isinstance(node, dict):
        return any(v is None or _has_null(v) for v in node.values())
    if isinstance(node, list):
        return any(v is None or _has_null(v) for v in node)
    return False


def test_validation_dump_has_no_nulls_at_any_depth_nor_in_a_part_dumped_alone() -> None:
    """Stored cards are ChatKit's JSON with no nulls: in the card, in a component deep inside it,
    in an action's payload, and in a component dumped on its own (the builders size rows that way)."""
    action = {"type": "task.complete", "payload": {"task_id": "t1", "note": None, "tags": [None, "x"]}}
    deep: dict[str, Any] = {"type": "Button", "label": "Complete", "onClickAction": action}
    for _ in range(5):
        deep = {"type": "Row", "children": [deep, {"type": "Text", "value": "row"}]}
    widget = validate_widget(card(deep))
    stored = dump(widget)
    assert not _has_null(stored)
    [button] = [n for n in nodes(stored) if n.get("type") == "Button"]
    assert button["onClickAction"]["payload"] == {"task_id": "t1", "tags": ["x"]}
    row = widget.children[0]  # a component dumped alone
    assert not _has_null(row.model_dump(mode="json"))
    assert row.model_dump(mode="json") == stored["children"][0]
