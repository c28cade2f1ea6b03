"""Walks over widget payloads and the ChatKit drift check shared by the widget tests."""

from __future__ import annotations

import warnings
from typing import Any

from pydantic import TypeAdapter

with warnings.catch_warnings():
    # chatkit deprecates building widgets from its classes in code; parsing with them is what we want.
    warnings.simplefilter("ignore", DeprecationWarning)
    from chatkit import widgets as ck

CHATKIT_ROOT = TypeAdapter(ck.WidgetRoot)


def kids_of(node: dict[str, Any]) -> list[Any]:
    kids = node.get("children")
    return kids if isinstance(kids, list) else [kids] if isinstance(kids, dict) else []


def nodes(node: Any) -> list[dict[str, Any]]:
    """Every component of a payload, depth first (the root included)."""
    if not isinstance(node, dict):
        return []
    return [node] + [n for k in kids_of(node) for n in nodes(k)]


def types_in(node: Any) -> list[str]:
    return [n["type"] for n in nodes(node)]


def depth_of(node: Any) -> int:
    return 1 + max((depth_of(k) for k in kids_of(node)), default=0) if isinstance(node, dict) else 0


def _chatkit_types(node: Any) -> list[str]:
    if node is None:
        return []
    # ChatKit's unions fall back to a lenient "dynamic" model; landing there means drift.
    assert not isinstance(node, ck.DynamicWidgetComponent), f"ChatKit fell back to a dynamic model: {node!r}"
    kids = getattr(node, "children", None)
    return [node.type] + [t for k in (kids if isinstance(kids, list) else [kids]) for t in _chatkit_types(k)]


def assert_chatkit_parses(payload: dict[str, Any]) -> None:
    """The payload parses with ChatKit's own strict models, node for node."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        parsed = CHATKIT_ROOT.validate_python(payload)
    assert isinstance(parsed, ck.Card | ck.ListView)
    assert _chatkit_types(parsed) == types_in(payload)


def action_configs(node: Any) -> list[tuple[str, dict[str, Any]]]:
    """(field name, config) for every action config in a payload, depth first."""
    found: list[tuple[str, dict[str, Any]]] = []
    for n in nodes(node):
        found += [(f, n[f]) for f in ("onClickAction", "onSubmitAction", "onChangeAction") if f in n]
        found += [(f, n[f]["action"]) for f in ("confirm", "cancel") if f in n]
    return found
