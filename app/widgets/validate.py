"""The one gate every widget payload passes: size, depth and schema, with readable errors.

Messages name the path of the problem in the payload, e.g.
``children[2].onClickAction.type: Input should be a valid string``.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from app.widgets.models import COMPONENT_TYPES, Card, ListView, WidgetRoot

MAX_DEPTH = 16
MAX_BYTES = 64 * 1024

_ROOT = TypeAdapter(WidgetRoot)
_UNION_BRANCHES = {
    "str",
    "int",
    "float",
    "bool",
    "ThemeColor",
    "Border",
    "Borders",
    "Spacing",
    "date",
    "datetime",
}


class WidgetError(ValueError):
    """A payload that is not a valid widget; ``str()`` is a clear message."""


def _depth(node: Any, level: int = 1) -> int:
    if isinstance(node, dict):
        kids = node.get("children")
        if isinstance(kids, list):
            return max((_depth(k, level + 1) for k in kids), default=level)
        if isinstance(kids, dict):
            return _depth(kids, level + 1)
    return level


def _path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for i, item in enumerate(loc):
        if isinstance(item, int):
            parts.append(f"[{item}]")
            continue
        is_tag = item in COMPONENT_TYPES and (
            i == 0 or isinstance(loc[i - 1], int) or loc[i - 1] == "children"
        )
        if is_tag:
            continue
        if str(item) in _UNION_BRANCHES or "[" in str(item) or str(item).startswith("function-"):
            continue
        parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(root)"


def describe(exc: ValidationError) -> str:
    seen, lines = set(), []
    for err in exc.errors():
        msg = str(err.get("msg", "is invalid")).removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            msg = "is not a known field"
        elif err.get("type") == "union_tag_invalid":
            tag = (err.get("ctx") or {}).get("tag")
            msg = f"unknown widget type {tag!r}"
        path = _path(tuple(err.get("loc", ())))
        if path not in seen:
            seen.add(path)
            lines.append(f"{path}: {msg}")
    return "; ".join(lines[:5]) + (f" (and {len(lines) - 5} more)" if len(lines) > 5 else "")


def payload_size(payload: Any) -> int:
    """The bytes a payload takes as stored JSON (what :data:`MAX_BYTES` limits)."""
    return len(json.dumps(payload, ensure_ascii=False).encode())


def _check_limits(payload: dict[str, Any]) -> None:
    """Size and depth: the limits a schema cannot say."""
    try:
        size = payload_size(payload)
    except RecursionError as exc:
        raise WidgetError(f"(root): the widget is nested too deep (at most {MAX_DEPTH} levels)") from exc
    except (TypeError, ValueError) as exc:
        raise WidgetError("(root): a widget must be plain JSON") from exc
    if size > MAX_BYTES:
        raise WidgetError(f"(root): the widget is too big ({size:,} bytes; at most {MAX_BYTES:,})")
    if payload.get("type") not in ("Card", "ListView"):
        kind = payload.get("type")
        raise WidgetError(f"type: a widget's root must be a Card or a ListView, not {kind!r}")
    if (depth := _depth(payload)) > MAX_DEPTH:
        raise WidgetError(f"(root): the widget is nested too deep ({depth} levels; at most {MAX_DEPTH})")


def validate_widget(payload: Any) -> Card | ListView:
    """Parse a widget payload or raise :class:`WidgetError` saying what is wrong and where."""
    if not isinstance(payload, dict):
        raise WidgetError("(root): a widget must be a JSON object")
    _check_limits(payload)
    try:
        return _ROOT.validate_python(payload)
    except ValidationError as exc:
        raise WidgetError(describe(exc)) from exc


def dump(widget: Card | ListView) -> dict[str, Any]:
    """The stored JSON form (ChatKit's: camelCase, no nulls)."""
    return widget.model_dump(mode="json")


def finish(widget: Card | ListView) -> dict[str, Any]:
    """The stored form of a widget built from the models, once it passes the size and depth limits.

    Building with the models checks every field as it is set; what is left of the gate of
    :func:`validate_widget` is what only the whole payload shows.
    """
    payload = dump(widget)
    _check_limits(payload)
    return payload
