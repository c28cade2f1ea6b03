"""Flatten a validated widget payload into a typed tree of plain props for the renderer.

The renderer (``app/components/widget.py``) is one self-recursive component; it gets only
these normalised, safe values (tokens mapped to Radix colours and sizes), never raw
payload fields, so nothing from a payload becomes an attribute or style of its own choosing.
"""

from __future__ import annotations

import dataclasses
from typing import Any

COLOR_TOKENS = {
    "primary": "indigo", "secondary": "gray", "info": "blue", "discovery": "purple", "success": "green",
    "caution": "amber", "warning": "amber", "danger": "red", "prose": "", "emphasis": "", "tertiary": "gray",
}  # fmt: skip
ICON_MAP = {
    "agent": "bot",
    "analytics": "chart-line",
    "atom": "atom",
    "batch": "layers",
    "bolt": "zap",
    "book-open": "book-open",
    "book-closed": "book",
    "book-clock": "book-marked",
    "bug": "bug",
    "calendar": "calendar",
    "chart": "chart-column",
    "check": "check",
    "check-circle": "circle-check",
    "check-circle-filled": "circle-check-big",
    "chevron-left": "chevron-left",
    "chevron-right": "chevron-right",
    "circle-question": "circle-help",
    "clock": "clock",
    "compass": "compass",
    "confetti": "party-popper",
    "cube": "box",
    "desktop": "monitor",
    "document": "file-text",
    "dot": "dot",
    "dots-horizontal": "ellipsis",
    "dots-vertical": "ellipsis-vertical",
    "empty-circle": "circle",
    "external-link": "external-link",
    "globe": "globe",
    "keys": "key-round",
    "lab": "flask-conical",
    "images": "images",
    "info": "info",
    "lifesaver": "life-buoy",
    "lightbulb": "lightbulb",
    "mail": "mail",
    "map-pin": "map-pin",
    "maps": "map",
    "mobile": "smartphone",
    "name": "id-card",
    "notebook": "notebook",
    "notebook-pencil": "notebook-pen",
    "page-blank": "file",
    "phone": "phone",
    "play": "play",
    "plus": "plus",
    "profile": "circle-user",
    "profile-card": "contact",
    "reload": "undo-2",
    "star": "star",
    "star-filled": "star",
    "search": "search",
    "sparkle": "sparkles",
    "sparkle-double": "sparkles",
    "square-code": "square-code",
    "square-image": "image",
    "square-text": "square-pen",
    "suitcase": "briefcase",
    "settings-slider": "sliders-horizontal",
    "user": "user",
    "wreath": "award",
    "write": "pencil",
    "write-alt": "pencil",
    "write-alt2": "pencil",
}
"""Every ChatKit icon name the models accept (``app.widgets.models.ICON_NAMES``) -> its Lucide icon.
``app/components/widget.py`` renders exactly the icons named here (``LUCIDE_ICONS``)."""
LUCIDE_ICONS: tuple[str, ...] = tuple(sorted(set(ICON_MAP.values())))
"""The Lucide icons a widget can show, each once."""
RADIX_COLORS = {
    "gray", "indigo", "blue", "purple", "green", "amber", "red", "orange", "yellow", "pink", "cyan",
    "teal", "violet", "crimson", "tomato", "grass", "sky", "mint", "lime", "brown", "iris", "jade",
}  # fmt: skip
SIZE = {"3xs": "1", "2xs": "1", "xs": "1", "sm": "1", "md": "2", "lg": "3", "xl": "3", "2xl": "4", "3xl": "4"}
TITLE_SIZE = {"sm": "3", "md": "4", "lg": "5", "xl": "6", "2xl": "7", "3xl": "8", "4xl": "8", "5xl": "9"}
TEXT_SIZE = {"xs": "1", "sm": "2", "md": "3", "lg": "4", "xl": "5"}


@dataclasses.dataclass
class Option:
    value: str = ""
    label: str = ""


@dataclasses.dataclass
class WNode:
    """One renderable node; ``path`` locates it in the stored payload (actions are looked up there)."""

    type: str = ""
    path: str = ""
    widget_id: str = ""
    version: int = 0
    text: str = ""
    color: str = ""
    variant: str = ""
    size: str = "2"
    weight: str = "regular"
    italic: bool = False
    line_through: bool = False
    direction: str = "column"
    gap: str = "2"
    wrap: str = "nowrap"
    grow: bool = False
    align: str = "stretch"
    justify: str = "start"
    icon: str = ""
    icon_end: str = ""
    src: str = ""
    alt: str = ""
    name: str = ""
    input_type: str = "text"
    default: str = ""
    placeholder: str = ""
    required: bool = False
    disabled: bool = False
    checked: bool = False
    options: list[Option] = dataclasses.field(default_factory=list)
    has_action: bool = False
    client_action: bool = False
    loading: str = "auto"
    submit: bool = False
    confirm_label: str = ""
    cancel_label: str = ""
    status_text: str = ""
    limit: int = 0
    block: bool = False
    children: list[WNode] = dataclasses.field(default_factory=list)


def _gap(value: Any) -> str:
    if isinstance(value, int | float):
        return str(max(0, min(int(value), 9)))
    return "2"


def _color(value: Any) -> str:
    if isinstance(value, str):
        if value in COLOR_TOKENS:
            return COLOR_TOKENS[value]
        base = value.split("-")[0]
        return base if base in RADIX_COLORS else ""
    return ""


def _action_props(action: dict[str, Any] | None) -> dict[str, Any]:
    if not action:
        return {}
    return {
        "has_action": True,
        "client_action": action.get("handler") == "client",
        "loading": str(action.get("loadingBehavior") or "auto"),
    }


def to_view(payload: dict[str, Any], *, widget_id: str, version: int) -> WNode:
    """The typed tree for one stored widget payload."""
    return _node(payload, path="", widget_id=widget_id, version=version)


def _node(data: dict[str, Any], *, path: str, widget_id: str, version: int) -> WNode:
    kind = str(data.get("type", ""))
    node = WNode(type=kind, path=path, widget_id=widget_id, version=version)
    kids = data.get("children")
    if isinstance(kids, dict):
        kids = [kids]
    if isinstance(kids, list):
        base = f"{path}." if path else ""
        node.children = [
            _node(k, path=f"{base}children.{i}", widget_id=widget_id, version=version)
            for i, k in enumerate(kids)
            if isinstance(k, dict)
        ]
    node.text = str(data.get("value") if "value" in data else data.get("label") or "")
    node.color = _color(data.get("color"))
    node.weight = {"semibold": "bold", "bold": "bold", "medium": "medium"}.get(
        str(data.get("weight")), "regular"
    )
    node.italic = bool(data.get("italic"))
    node.line_through = bool(data.get("lineThrough"))
    node.gap = _gap(data.get("gap"))
    node.wrap = "wrap" if data.get("wrap") in ("wrap", "wrap-reverse") else "nowrap"
    node.grow = bool(data.get("flex"))
    align = str(data.get("align") or ("center" if kind == "Row" else "stretch"))
    node.align = align if align in ("start", "center", "end", "baseline", "stretch") else "stretch"
    justify = str(data.get("justify") or "start")
    node.justify = justify if justify in ("start", "center", "end", "between") else "start"
    node.direction = "row" if kind in ("Row",) or data.get("direction") == "row" else "column"
    node.disabled = bool(data.get("disabled"))
    node.block = bool(data.get("block"))
    if kind == "Title":
        node.size = TITLE_SIZE.get(str(data.get("size") or "md"), "4")
    elif kind in ("Text", "Caption", "Label"):
        node.size = TEXT_SIZE.get(str(data.get("size") or ("sm" if kind != "Text" else "md")), "2")
    else:
        node.size = SIZE.get(str(data.get("size") or "md"), "2")
    if kind == "Badge":
        node.variant = {"outline": "outline", "solid": "solid"}.get(str(data.get("variant")), "soft")
    if kind == "Button":
        node.variant = {"solid": "solid", "soft": "soft", "outline": "outline", "ghost": "ghost"}.get(
            str(data.get("variant")),
            "solid" if data.get("style") == "primary" or data.get("submit") else "soft",
        )
        node.icon = ICON_MAP.get(str(data.get("iconStart") or ""), "")
        node.icon_end = ICON_MAP.get(str(data.get("iconEnd") or ""), "")
        node.submit = bool(data.get("submit"))
        node.__dict__.update(_action_props(data.get("onClickAction")))
    if kind == "Icon":
        node.icon = ICON_MAP.get(str(data.get("name")), "circle")
    if kind == "Image":
        node.src, node.alt = str(data.get("src", "")), str(data.get("alt") or "")
    if kind in ("Input", "Textarea", "Select", "DatePicker", "Checkbox"):
        node.name = str(data.get("name", ""))
        node.placeholder = str(data.get("placeholder") or "")
        node.required = bool(data.get("required"))
        default = data.get("defaultValue")
        node.default = str(default)[:10] if kind == "DatePicker" and default else str(default or "")
        node.input_type = str(data.get("inputType") or "text")
        node.checked = bool(data.get("defaultChecked"))
        node.options = [
            Option(str(o.get("value", "")), str(o.get("label", ""))) for o in data.get("options") or []
        ]
    if kind == "Label":
        node.name = str(data.get("fieldName", ""))
    if kind == "Form":
        node.__dict__.update(_action_props(data.get("onSubmitAction")))
    if kind == "ListViewItem":
        node.__dict__.update(_action_props(data.get("onClickAction")))
    if kind == "Card":
        node.confirm_label = str((data.get("confirm") or {}).get("label") or "")
        node.cancel_label = str((data.get("cancel") or {}).get("label") or "")
    if kind in ("Card", "ListView"):
        node.status_text = str((data.get("status") or {}).get("text") or "")
    if kind == "ListView":
        limit = data.get("limit")
        node.limit = limit if isinstance(limit, int) else 10_000
    return node


def action_at(payload: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The action config a node declares (``confirm``/``cancel`` for a card's footer buttons)."""
    node: Any = payload
    if path in ("confirm", "cancel"):
        part = payload.get(path) or {}
        return part.get("action") if isinstance(part, dict) else None
    for part in [p for p in path.split(".") if p]:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    if not isinstance(node, dict):
        return None
    for name in ("onClickAction", "onSubmitAction", "onChangeAction"):
        if isinstance(node.get(name), dict):
            return node[name]
    return None
