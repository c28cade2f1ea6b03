"""Pydantic models mirroring OpenAI ChatKit's widget JSON, strictly.

Names, ``type`` discriminators and camelCase fields follow ChatKit (``chatkit/widgets.py``
and ``chatkit/actions.py``), so every widget we store also parses with ChatKit's own
models (a test checks it). We are stricter than ChatKit where safety needs it: unknown
fields are refused, colours and lengths must look like colours and lengths (nothing
becomes a style that can run script), image URLs must be http(s), relative or a raster
``data:image``, and Markdown may not carry raw HTML or ``javascript:`` links.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

_ICONS = """
agent analytics atom batch bolt book-open book-closed book-clock bug calendar chart check
check-circle check-circle-filled chevron-left chevron-right circle-question clock compass
confetti cube desktop document dot dots-horizontal dots-vertical empty-circle external-link
globe keys lab images info lifesaver lightbulb mail map-pin maps mobile name notebook notebook-pencil
 page-blank phone play plus profile profile-card reload star star-filled search sparkle
sparkle-double square-code square-image square-text suitcase settings-slider user wreath write
write-alt write-alt2
"""
ICON_NAMES: tuple[str, ...] = tuple(_ICONS.split())
"""ChatKit's built-in icon names (``chatkit.icons.IconName``)."""
WidgetIcon = Literal[ICON_NAMES]  # type: ignore[valid-type]

_COLOR_RE = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-z]+(-[0-9]{2,3})?)$")
_LENGTH_RE = re.compile(r"^-?\d+(\.\d+)?(px|%|rem|em|vh|vw|fr)?$|^(auto|none)$")
_ACTION_TYPE_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_.:-]{0,63}$")
_HTML_TAG_RE = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*>")
_JS_LINK_RE = re.compile(r"\](\(|:)\s*<?\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)
_DATA_IMAGE_RE = re.compile(r"^data:image/(png|jpeg|jpg|gif|webp|avif);base64,[A-Za-z0-9+/=\s]+$")


def _color(value: str) -> str:
    if not _COLOR_RE.match(value):
        raise ValueError("must be a colour token (like 'secondary' or 'red-500') or a hex colour")
    return value


def _length(value: float | str) -> float | str:
    if isinstance(value, str) and not _LENGTH_RE.match(value.strip()):
        raise ValueError("must be a number or a CSS length like '12px' or '50%'")
    return value


def _safe_url(value: str) -> str:
    text = value.strip()
    lowered = re.sub(r"[\s\x00-\x1f]", "", text).lower().replace("\\", "/")
    if lowered.startswith(("http://", "https://")) or _DATA_IMAGE_RE.match(text):
        return text
    if re.match(r"^[a-z][a-z0-9+.-]*:", lowered) or lowered.startswith("//"):
        raise ValueError("must be an http(s) URL, a relative path or a data:image (png, jpeg, gif, webp)")
    return text


def _markdown(value: str) -> str:
    if _HTML_TAG_RE.search(value):
        raise ValueError("may not contain raw HTML")
    # Links as browsers see them: entities decoded (&#58; is ':'), tabs and newlines dropped;
    # inline [x](url) and reference definitions [x]: url alike.
    if _JS_LINK_RE.search(re.sub(r"[\t\r\n\x00-\x1f]", "", html.unescape(value))):
        raise ValueError("may not contain javascript:, vbscript: or data: links")
    return value


Color = Annotated[str, AfterValidator(_color)]
Length = Annotated[float | str, AfterValidator(_length)]
SafeUrl = Annotated[str, Field(max_length=60_000), AfterValidator(_safe_url)]
MarkdownText = Annotated[str, AfterValidator(_markdown)]
RadiusValue = Literal["2xs", "xs", "sm", "md", "lg", "xl", "2xl", "3xl", "4xl", "full", "100%", "none"]
TextAlign = Literal["start", "center", "end"]
TextSize = Literal["xs", "sm", "md", "lg", "xl"]
IconSize = Literal["xs", "sm", "md", "lg", "xl", "2xl", "3xl"]
TitleSize = Literal["sm", "md", "lg", "xl", "2xl", "3xl", "4xl", "5xl"]
CaptionSize = Literal["sm", "md", "lg"]
Alignment = Literal["start", "center", "end", "baseline", "stretch"]
Justification = Literal["start", "center", "end", "between", "around", "evenly", "stretch"]
ControlVariant = Literal["solid", "soft", "outline", "ghost"]
ControlSize = Literal["3xs", "2xs", "xs", "sm", "md", "lg", "xl", "2xl", "3xl"]
Weight = Literal["normal", "medium", "semibold", "bold"]
BadgeColor = Literal["secondary", "success", "danger", "warning", "info", "discovery"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ThemeColor(_Strict):
    dark: Color
    light: Color


AnyColor = Color | ThemeColor


class Spacing(_Strict):
    top: Length | None = None
    right: Length | None = None
    bottom: Length | None = None
    left: Length | None = None
    x: Length | None = None
    y: Length | None = None


class Border(_Strict):
    size: int = Field(ge=0, le=64)
    color: AnyColor | None = None
    style: Literal["solid", "dashed", "dotted", "double", "groove", "ridge", "inset", "outset"] | None = None


class Borders(_Strict):
    top: int | Border | None = None
    right: int | Border | None = None
    bottom: int | Border | None = None
    left: int | Border | None = None
    x: int | Border | None = None
    y: int | Border | None = None


class ActionConfig(_Strict):
    """ChatKit's action config: what a click, submit or change asks the server (or client) to do."""

    type: str
    payload: Any = None
    handler: Literal["client", "server"] = "server"
    loadingBehavior: Literal["auto", "none", "self", "container"] = "auto"

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if not _ACTION_TYPE_RE.match(value):
            raise ValueError("must be 1-64 letters, digits or _ . : -, starting with a letter")
        return value


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value if v is not None]
    return value


class Component(_Strict):
    """Fields every ChatKit component has; ``None`` fields are left out when dumped."""

    key: str | None = Field(default=None, max_length=200)
    id: str | None = Field(default=None, max_length=200)

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        """The dump without nulls (ChatKit's JSON has none), dropped in one walk of the whole dump.

        Not a model serializer: pydantic calls one back into Python for every component nested in
        the dump, which cost more than half of reading a stored card fresh (issue 19); this way
        pydantic dumps the tree natively and only the outermost call walks it.
        """
        return _drop_none(super().model_dump(**kwargs))


class BoxBase(_Strict):
    children: list[WidgetComponent] | None = None
    align: Alignment | None = None
    justify: Justification | None = None
    wrap: Literal["nowrap", "wrap", "wrap-reverse"] | None = None
    flex: int | Length | None = None
    gap: int | Length | None = None
    height: Length | None = None
    width: Length | None = None
    size: Length | None = None
    minHeight: Length | None = None
    minWidth: Length | None = None
    minSize: Length | None = None
    maxHeight: Length | None = None
    maxWidth: Length | None = None
    maxSize: Length | None = None
    padding: Length | Spacing | None = None
    margin: Length | Spacing | None = None
    border: int | Border | Borders | None = None
    radius: RadiusValue | None = None
    background: AnyColor | None = None
    aspectRatio: Length | None = None


class WidgetStatus(_Strict):
    text: str = Field(max_length=500)
    icon: WidgetIcon | None = None
    favicon: SafeUrl | None = None
    frame: bool | None = None


class Text(Component):
    type: Literal["Text"] = "Text"
    value: str
    streaming: bool | None = None
    italic: bool | None = None
    lineThrough: bool | None = None
    color: AnyColor | None = None
    weight: Weight | None = None
    width: Length | None = None
    size: TextSize | None = None
    textAlign: TextAlign | None = None
    truncate: bool | None = None
    minLines: int | None = Field(default=None, ge=1, le=100)
    maxLines: int | None = Field(default=None, ge=1, le=100)


class Title(Component):
    type: Literal["Title"] = "Title"
    value: str
    color: AnyColor | None = None
    weight: Weight | None = None
    size: TitleSize | None = None
    textAlign: TextAlign | None = None
    truncate: bool | None = None
    maxLines: int | None = Field(default=None, ge=1, le=100)


class Caption(Component):
    type: Literal["Caption"] = "Caption"
    value: str
    color: AnyColor | None = None
    weight: Weight | None = None
    size: CaptionSize | None = None
    textAlign: TextAlign | None = None
    truncate: bool | None = None
    maxLines: int | None = Field(default=None, ge=1, le=100)


class Markdown(Component):
    type: Literal["Markdown"] = "Markdown"
    value: MarkdownText
    streaming: bool | None = None


class Badge(Component):
    type: Literal["Badge"] = "Badge"
    label: str = Field(max_length=200)
    color: BadgeColor | None = None
    variant: Literal["solid", "soft", "outline"] | None = None
    size: Literal["sm", "md", "lg"] | None = None
    pill: bool | None = None


class Box(Component, BoxBase):
    type: Literal["Box"] = "Box"
    direction: Literal["row", "col"] | None = None


class Row(Component, BoxBase):
    type: Literal["Row"] = "Row"


class Col(Component, BoxBase):
    type: Literal["Col"] = "Col"


class Form(Component, BoxBase):
    type: Literal["Form"] = "Form"
    onSubmitAction: ActionConfig | None = None
    direction: Literal["row", "col"] | None = None


class Divider(Component):
    type: Literal["Divider"] = "Divider"
    color: AnyColor | None = None
    size: int | Length | None = None
    spacing: int | Length | None = None
    flush: bool | None = None


class Spacer(Component):
    type: Literal["Spacer"] = "Spacer"
    minSize: int | Length | None = None


class Icon(Component):
    type: Literal["Icon"] = "Icon"
    name: WidgetIcon
    color: AnyColor | None = None
    size: IconSize | None = None


class Image(Component):
    type: Literal["Image"] = "Image"
    src: SafeUrl
    alt: str | None = Field(default=None, max_length=500)
    fit: Literal["cover", "contain", "fill", "scale-down", "none"] | None = None
    position: (
        Literal[
            "top left", "top", "top right", "left", "center", "right", "bottom left", "bottom", "bottom right"
        ]
        | None
    ) = None
    radius: RadiusValue | None = None
    frame: bool | None = None
    flush: bool | None = None
    height: Length | None = None
    width: Length | None = None
    size: Length | None = None
    minHeight: Length | None = None
    minWidth: Length | None = None
    minSize: Length | None = None
    maxHeight: Length | None = None
    maxWidth: Length | None = None
    maxSize: Length | None = None
    margin: Length | Spacing | None = None
    background: AnyColor | None = None
    aspectRatio: Length | None = None
    flex: int | Length | None = None


class Button(Component):
    type: Literal["Button"] = "Button"
    submit: bool | None = None
    label: str | None = Field(default=None, max_length=200)
    onClickAction: ActionConfig | None = None
    iconStart: WidgetIcon | None = None
    iconEnd: WidgetIcon | None = None
    style: Literal["primary", "secondary"] | None = None
    iconSize: Literal["sm", "md", "lg", "xl", "2xl"] | None = None
    color: (
        Literal["primary", "secondary", "info", "discovery", "success", "caution", "warning", "danger"] | None
    ) = None
    variant: ControlVariant | None = None
    size: ControlSize | None = None
    pill: bool | None = None
    uniform: bool | None = None
    block: bool | None = None
    disabled: bool | None = None


class SelectOption(_Strict):
    value: str = Field(max_length=200)
    label: str = Field(max_length=200)
    disabled: bool | None = None
    description: str | None = Field(default=None, max_length=500)


class Select(Component):
    type: Literal["Select"] = "Select"
    name: str = Field(min_length=1, max_length=100)
    options: list[SelectOption] = Field(max_length=200)
    onChangeAction: ActionConfig | None = None
    placeholder: str | None = Field(default=None, max_length=200)
    defaultValue: str | None = None
    variant: ControlVariant | None = None
    size: ControlSize | None = None
    pill: bool | None = None
    block: bool | None = None
    clearable: bool | None = None
    disabled: bool | None = None


class DatePicker(Component):
    type: Literal["DatePicker"] = "DatePicker"
    name: str = Field(min_length=1, max_length=100)
    onChangeAction: ActionConfig | None = None
    placeholder: str | None = Field(default=None, max_length=200)
    defaultValue: datetime | date | None = None
    min: datetime | date | None = None
    max: datetime | date | None = None
    variant: ControlVariant | None = None
    size: ControlSize | None = None
    side: Literal["top", "bottom", "left", "right"] | None = None
    align: Literal["start", "center", "end"] | None = None
    pill: bool | None = None
    block: bool | None = None
    clearable: bool | None = None
    disabled: bool | None = None


class Checkbox(Component):
    type: Literal["Checkbox"] = "Checkbox"
    name: str = Field(min_length=1, max_length=100)
    label: str | None = Field(default=None, max_length=200)
    defaultChecked: bool | None = None
    onChangeAction: ActionConfig | None = None
    disabled: bool | None = None
    required: bool | None = None


class Input(Component):
    type: Literal["Input"] = "Input"
    name: str = Field(min_length=1, max_length=100)
    inputType: Literal["number", "email", "text", "password", "tel", "url"] | None = None
    defaultValue: str | None = None
    required: bool | None = None
    pattern: str | None = Field(default=None, max_length=500)
    placeholder: str | None = Field(default=None, max_length=200)
    allowAutofillExtensions: bool | None = None
    autoSelect: bool | None = None
    autoFocus: bool | None = None
    disabled: bool | None = None
    variant: Literal["soft", "outline"] | None = None
    size: ControlSize | None = None
    gutterSize: Literal["2xs", "xs", "sm", "md", "lg", "xl"] | None = None
    pill: bool | None = None


class Textarea(Component):
    type: Literal["Textarea"] = "Textarea"
    name: str = Field(min_length=1, max_length=100)
    defaultValue: str | None = None
    required: bool | None = None
    pattern: str | None = Field(default=None, max_length=500)
    placeholder: str | None = Field(default=None, max_length=200)
    autoSelect: bool | None = None
    autoFocus: bool | None = None
    disabled: bool | None = None
    variant: Literal["soft", "outline"] | None = None
    size: ControlSize | None = None
    gutterSize: Literal["2xs", "xs", "sm", "md", "lg", "xl"] | None = None
    rows: int | None = Field(default=None, ge=1, le=50)
    autoResize: bool | None = None
    maxRows: int | None = Field(default=None, ge=1, le=50)
    allowAutofillExtensions: bool | None = None


class Label(Component):
    type: Literal["Label"] = "Label"
    value: str = Field(max_length=500)
    fieldName: str = Field(min_length=1, max_length=100)
    size: TextSize | None = None
    weight: Weight | None = None
    textAlign: TextAlign | None = None
    color: AnyColor | None = None


class Transition(Component):
    type: Literal["Transition"] = "Transition"
    children: WidgetComponent  # ChatKit requires it, and a stored payload drops nulls


class ListViewItem(Component):
    type: Literal["ListViewItem"] = "ListViewItem"
    children: list[WidgetComponent]
    onClickAction: ActionConfig | None = None
    gap: int | Length | None = None
    align: Alignment | None = None


class ListView(Component):
    type: Literal["ListView"] = "ListView"
    children: list[ListViewItem]
    limit: int | Literal["auto"] | None = None
    status: WidgetStatus | None = None
    theme: Literal["light", "dark"] | None = None


class CardAction(_Strict):
    label: str = Field(max_length=100)
    action: ActionConfig


class Card(Component):
    type: Literal["Card"] = "Card"
    asForm: bool | None = None
    children: list[WidgetComponent]
    background: AnyColor | None = None
    size: Literal["sm", "md", "lg", "full"] | None = None
    padding: Length | Spacing | None = None
    status: WidgetStatus | None = None
    collapsed: bool | None = None
    confirm: CardAction | None = None
    cancel: CardAction | None = None
    theme: Literal["light", "dark"] | None = None


WidgetComponent = Annotated[
    Text
    | Title
    | Caption
    | Markdown
    | Badge
    | Box
    | Row
    | Col
    | Form
    | Divider
    | Spacer
    | Icon
    | Image
    | Button
    | Select
    | DatePicker
    | Checkbox
    | Input
    | Textarea
    | Label
    | Transition
    | ListViewItem,
    Field(discriminator="type"),
]
WidgetRoot = Annotated[Card | ListView, Field(discriminator="type")]
COMPONENT_TYPES = (
    "Card", "ListView", "ListViewItem", "Box", "Row", "Col", "Text", "Title", "Caption", "Markdown", "Badge",
    "Button", "Divider", "Spacer", "Icon", "Image", "Form", "Input", "Textarea", "Select", "Checkbox",
    "DatePicker", "Label", "Transition",
)  # fmt: skip

for _model in (BoxBase, Box, Row, Col, Form, Transition, ListViewItem, ListView, Card):
    _model.model_rebuild()
