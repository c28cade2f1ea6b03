"""Flatten a validated widget payload into a typed tree of plain props for the renderer.

The renderer (``app/components/widget.py``) is one self-recursive component; it gets only
these normalised, safe values (tokens mapped to Radix colours and sizes), never raw
payload fields, so nothing from a payload becomes an attribute or style of its own choosing.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from pydantic import BaseModel

from app.widgets.models import (
    ActionConfig,
    Badge,
    Button,
    Caption,
    Card,
    Checkbox,
    Col,
    DatePicker,
    Form,
    Icon,
    Image,
    Input,
    Label,
    ListView,
    ListViewItem,
    Row,
    Select,
    Text,
    Textarea,
    Title,
)
from app.widgets.validate import WidgetError, validate_widget

log = logging.getLogger(__name__)

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
    confirm_destructive: bool = False
    """The card's confirm button deletes (drawn red); other confirmations (Move, Apply) are not."""
    cancel_label: str = ""
    status_text: str = ""
    aria_label: str = ""
    """A button's accessible name when its label alone is ambiguous ("Complete buy milk", see
    :func:`_name_buttons`); empty: its label."""
    limit: int = 0
    block: bool = False
    click: str = ""
    """What a click on this node sends: its ``path`` and the type of the action it showed
    (``children.0#task.complete``), so a card that changed since it was shown (a row whose task was
    completed elsewhere now offers Reopen) never runs an action the person did not see."""
    toggles: str = ""
    """A disclosure button's folded form (its ``key``, e.g. ``edit:<task id>``); empty otherwise."""
    folded: bool = False
    """A form shown only once its disclosure button opens it (an Edit form)."""
    form_key: str = ""
    """The key of the form this node is in (a field's id and a folded form's open state use it)."""
    dom_id: str = ""
    """The element id: a field's (its label points at it), a folded form's (its button controls it),
    or, on a disclosure button, the form it controls."""
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


def _action_props(action: ActionConfig | None, path: str = "") -> dict[str, Any]:
    if action is None:
        return {}
    return {
        "has_action": True,
        "client_action": action.handler == "client",
        "loading": action.loadingBehavior,
        "click": f"{path}#{action.type}",
    }


TOGGLE_FORM = "form.toggle"
FOLDED_PREFIX = "edit:"


def dom_id(widget_id: str, *parts: str) -> str:
    """An element id made of the widget's id and parts (any character but letters, digits, - and _
    becomes -), unique per widget, form and field."""
    raw = "-".join([widget_id, *[p for p in parts if p]])
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in raw)


UNSHOWABLE = "This card can't be shown."


def to_view(payload: dict[str, Any], *, widget_id: str, version: int) -> WNode:
    """The typed tree for one stored widget payload.

    The payload is parsed with the widget models first (it passed the same gate when it was
    stored), so the tree is read from typed, validated fields. One that no longer parses (a
    payload stored before a rule was tightened) shows as a card saying so, never as raw fields.
    """
    try:
        root = validate_widget(payload)
    except WidgetError as exc:
        log.warning("Widget %s (version %s) no longer parses: %s", widget_id, version, exc)
        note = WNode(
            type="Text", path="", widget_id=widget_id, version=version, text=UNSHOWABLE, color="gray"
        )
        return WNode(type="Card", widget_id=widget_id, version=version, children=[note])
    return _node(root, path="", widget_id=widget_id, version=version, form_key="")


def _field(model: BaseModel, name: str) -> Any:
    """A field of whichever component this is (``None`` where its type has no such field)."""
    return getattr(model, name, None)


def _kids(model: BaseModel) -> list[BaseModel]:
    kids = _field(model, "children")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, list) else [kids]  # a Transition has one child


def _size(model: BaseModel) -> str:
    size = _field(model, "size")
    if isinstance(model, Title):
        return TITLE_SIZE.get(str(size or "md"), "4")
    if isinstance(model, Text | Caption | Label):
        return TEXT_SIZE.get(str(size or ("md" if isinstance(model, Text) else "sm")), "2")
    return SIZE.get(str(size or "md"), "2")


def _node(model: BaseModel, *, path: str, widget_id: str, version: int, form_key: str) -> WNode:
    kind = str(_field(model, "type") or "")
    if isinstance(model, Form):
        form_key = str(model.key or "form")
    node = WNode(type=kind, path=path, widget_id=widget_id, version=version, form_key=form_key)
    base = f"{path}." if path else ""
    node.children = [
        _node(k, path=f"{base}children.{i}", widget_id=widget_id, version=version, form_key=form_key)
        for i, k in enumerate(_kids(model))
    ]
    has_value = "value" in type(model).model_fields  # Text, Title, Caption, Markdown, Label; else a label
    node.text = str(_field(model, "value") if has_value else _field(model, "label") or "")
    node.color = _color(_field(model, "color"))
    node.weight = {"semibold": "bold", "bold": "bold", "medium": "medium"}.get(
        str(_field(model, "weight")), "regular"
    )
    node.italic = bool(_field(model, "italic"))
    node.line_through = bool(_field(model, "lineThrough"))
    node.gap = _gap(_field(model, "gap"))
    node.wrap = "wrap" if _field(model, "wrap") in ("wrap", "wrap-reverse") else "nowrap"
    node.grow = bool(_field(model, "flex"))
    align = str(_field(model, "align") or ("center" if isinstance(model, Row) else "stretch"))
    node.align = align if align in ("start", "center", "end", "baseline", "stretch") else "stretch"
    justify = str(_field(model, "justify") or "start")
    node.justify = justify if justify in ("start", "center", "end", "between") else "start"
    node.direction = "row" if isinstance(model, Row) or _field(model, "direction") == "row" else "column"
    node.disabled = bool(_field(model, "disabled"))
    node.block = bool(_field(model, "block"))
    node.size = _size(model)
    if isinstance(model, Badge):
        node.variant = {"outline": "outline", "solid": "solid"}.get(str(model.variant), "soft")
    if isinstance(model, Button):
        node.variant = {"solid": "solid", "soft": "soft", "outline": "outline", "ghost": "ghost"}.get(
            str(model.variant), "solid" if model.style == "primary" or model.submit else "soft"
        )
        node.icon = ICON_MAP.get(str(model.iconStart or ""), "")
        node.icon_end = ICON_MAP.get(str(model.iconEnd or ""), "")
        node.submit = bool(model.submit)
        node.__dict__.update(_action_props(model.onClickAction, path))
        click = model.onClickAction
        if click is not None and click.type == TOGGLE_FORM and click.handler == "client":
            node.toggles = str((click.payload or {}).get("form") or "")
            node.dom_id = dom_id(widget_id, node.toggles)
    if isinstance(model, Icon):
        node.icon = ICON_MAP.get(str(model.name), "circle")
    if isinstance(model, Image):
        node.src, node.alt = model.src, str(model.alt or "")
    if isinstance(model, Input | Textarea | Select | DatePicker | Checkbox):
        node.name = model.name
        node.placeholder = str(_field(model, "placeholder") or "")
        node.required = bool(_field(model, "required"))
        default = _field(model, "defaultValue")
        node.default = str(default)[:10] if isinstance(model, DatePicker) and default else str(default or "")
        node.input_type = str(_field(model, "inputType") or "text")
        node.checked = bool(_field(model, "defaultChecked"))
        options = model.options if isinstance(model, Select) else []
        node.options = [Option(o.value, o.label) for o in options]
        node.dom_id = dom_id(widget_id, form_key, model.name)
    if isinstance(model, Label):
        node.name = model.fieldName
        node.dom_id = dom_id(widget_id, form_key, model.fieldName)
    if isinstance(model, Form):
        node.__dict__.update(_action_props(model.onSubmitAction, path))
        node.folded = form_key.startswith(FOLDED_PREFIX)
        node.dom_id = dom_id(widget_id, form_key)
    if isinstance(model, ListViewItem):
        node.__dict__.update(_action_props(model.onClickAction, path))
    if isinstance(model, Card):
        node.confirm_label = model.confirm.label if model.confirm else ""
        node.confirm_destructive = bool(model.confirm) and "delete" in str(model.confirm.action.type)
        node.cancel_label = model.cancel.label if model.cancel else ""
    if isinstance(model, Card | ListView):
        node.status_text = model.status.text if model.status else ""
    if isinstance(model, ListView):
        node.limit = model.limit if isinstance(model.limit, int) else 10_000
    if isinstance(model, ListViewItem) or (
        isinstance(model, Col) and str(model.key or "").startswith("change:")
    ):
        _name_buttons(node, _subject(node, "Title") or _subject(node, "Text"))
    elif isinstance(model, Card):
        _name_buttons(node, _subject(node, "Title"))
    return node


def _subject(node: WNode, kind: str) -> str:
    """The text of the first ``kind`` node under ``node`` (document order): what its buttons act on."""
    for kid in node.children:
        if kid.type == kind and kid.text.strip():
            return kid.text.strip()
        found = _subject(kid, kind)
        if found:
            return found
    return ""


def _name_buttons(node: WNode, subject: str) -> None:
    """Name each button under ``node`` after what it acts on: a list of tasks is a column of
    "Complete" buttons, which a screen reader's list of buttons can't tell apart; "Complete buy milk"
    can. The visible label stays; a button already named (an inner item's) keeps its name."""
    if not subject:
        return
    for kid in node.children:
        if kid.type == "Button" and kid.text and not kid.aria_label and subject not in kid.text:
            kid.aria_label = f"{kid.text} {subject}"
        _name_buttons(kid, subject)


def action_at(payload: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The action config a node declares (``confirm``/``cancel`` for a card's footer buttons).

    A ``path#type`` (a node's ``click``) finds it only if the node still declares an action of
    that type: a card that changed since it was shown answers None rather than another action.
    """
    path, _, want = path.partition("#")
    config = _action_at(payload, path)
    if config is not None and want and config.get("type") != want:
        return None
    return config


def _action_at(payload: dict[str, Any], path: str) -> dict[str, Any] | None:
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
