"""Widget payloads for the validator: valid ones (every ChatKit type we accept) and invalid
ones, each with the path and message substring :func:`validate_widget` must report."""

from __future__ import annotations

from typing import Any

PNG_1PX = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def card(*children: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"type": "Card", "children": list(children), **fields}


def text(value: str = "hello", **fields: Any) -> dict[str, Any]:
    return {"type": "Text", "value": value, **fields}


def act(kind: str, payload: Any = None, handler: str = "server", loading: str = "auto") -> dict[str, Any]:
    """An action config with all four ChatKit fields set."""
    return {"type": kind, "payload": payload, "handler": handler, "loadingBehavior": loading}


def nested(depth: int) -> dict[str, Any]:
    """A Card whose deepest leaf is at ``depth`` levels (the Card itself is level 1)."""
    node: dict[str, Any] = text("leaf")
    kinds = ["Box", "Row", "Col"]
    for i in range(depth - 2):
        node = {"type": kinds[i % 3], "children": [node]}
    return card(node)


def image(src: str, **fields: Any) -> dict[str, Any]:
    return card({"type": "Image", "src": src, **fields})


def markdown(value: str) -> dict[str, Any]:
    return card({"type": "Markdown", "value": value})


THEME = {"dark": "gray-100", "light": "#1a1a1a"}

FORM_CHILDREN: list[dict[str, Any]] = [
    {"type": "Label", "value": "Title", "fieldName": "title", "size": "sm", "weight": "medium"},
    {"type": "Input", "name": "title", "defaultValue": "buy milk", "required": True},
    {"type": "Textarea", "name": "notes", "rows": 3, "autoResize": True, "maxRows": 8},
    {
        "type": "Select",
        "name": "priority",
        "defaultValue": "medium",
        "options": [
            {"value": "high", "label": "High", "description": "do first"},
            {"value": "medium", "label": "Medium"},
            {"value": "low", "label": "Low", "disabled": True},
        ],
    },
    {"type": "Checkbox", "name": "done", "label": "Done", "defaultChecked": False},
    {"type": "DatePicker", "name": "due_date", "defaultValue": "2027-03-01", "clearable": True},
    {"type": "Button", "label": "Save", "submit": True, "style": "primary"},
]

VALID: list[tuple[str, dict[str, Any]]] = [
    ("text_minimal", card(text())),
    (
        "text_all_fields",
        card(
            text(
                "All of it",
                key="t1",
                id="text-1",
                streaming=False,
                italic=True,
                lineThrough=True,
                color="red-500",
                weight="semibold",
                width="50%",
                size="lg",
                textAlign="center",
                truncate=True,
                minLines=1,
                maxLines=3,
            )
        ),
    ),
    ("text_with_script_tag_is_text", card(text("<script>alert(1)</script> & <img src=x onerror=alert(1)>"))),
    ("text_javascript_url_is_text", card(text("javascript:alert(1)"))),
    (
        "title_and_caption",
        card(
            {"type": "Title", "value": "Heading", "size": "5xl", "weight": "bold", "maxLines": 2},
            {"type": "Caption", "value": "small print", "size": "sm", "color": "secondary", "truncate": True},
        ),
    ),
    ("markdown_safe", markdown("**bold**, _it_, `code`, [docs](https://example.com/a?b=1) and 3 < 4 > 2")),
    ("markdown_relative_link", markdown("see [the tasks](/tasks) and [help](help.md)")),
    (
        "badges_every_colour",
        card(
            {
                "type": "Row",
                "gap": 1,
                "wrap": "wrap",
                "children": [
                    {"type": "Badge", "label": c, "color": c, "variant": v, "size": "sm", "pill": True}
                    for c, v in [
                        ("secondary", "soft"),
                        ("success", "solid"),
                        ("danger", "outline"),
                        ("warning", "soft"),
                        ("info", "soft"),
                        ("discovery", "outline"),
                    ]
                ],
            }
        ),
    ),
    (
        "box_layout_fields",
        card(
            {
                "type": "Box",
                "direction": "row",
                "align": "baseline",
                "justify": "between",
                "wrap": "wrap-reverse",
                "flex": 1,
                "gap": "8px",
                "height": 120,
                "width": "100%",
                "minHeight": "2rem",
                "maxWidth": "40vw",
                "padding": {"top": 4, "x": "1.5em", "bottom": "2px"},
                "margin": 2,
                "border": {"top": 1, "bottom": {"size": 2, "color": "gray-200", "style": "dashed"}},
                "radius": "xl",
                "background": THEME,
                "aspectRatio": 1.5,
                "children": [text("in a box")],
            }
        ),
    ),
    (
        "row_col_border_single",
        card(
            {
                "type": "Row",
                "border": {"size": 1, "color": THEME, "style": "solid"},
                "children": [
                    {"type": "Col", "flex": "auto", "border": 2, "children": [text("a")]},
                    {"type": "Col", "padding": "12px", "children": [text("b")]},
                ],
            }
        ),
    ),
    ("deep_nesting_7", nested(7)),
    ("deep_nesting_max_16", nested(16)),
    (
        "theme_colours_everywhere",
        card(
            text("themed", color=THEME),
            {"type": "Title", "value": "t", "color": {"dark": "#fff", "light": "#000000"}},
            {"type": "Caption", "value": "c", "color": THEME},
            {"type": "Divider", "color": THEME, "size": 2, "spacing": "8px", "flush": True},
            {"type": "Icon", "name": "star", "color": THEME, "size": "lg"},
            {"type": "Label", "value": "L", "fieldName": "f", "color": THEME},
            background=THEME,
        ),
    ),
    ("image_https", image("https://example.com/cat.png", alt="a cat")),
    ("image_http", image("http://example.com/cat.jpg")),
    ("image_relative_absolute_path", image("/static/logo.png")),
    ("image_relative_dot_path", image("./img/a.png")),
    ("image_relative_bare_path", image("images/b.jpg?size=2#x")),
    ("image_data_png", image(PNG_1PX, alt="pixel")),
    ("image_data_jpeg", image("data:image/jpeg;base64,/9j/4AAQSkZJRg==")),
    (
        "image_all_fields",
        image(
            "https://example.com/x.webp",
            alt="x",
            fit="scale-down",
            position="top left",
            radius="full",
            frame=True,
            flush=False,
            height=64,
            width="64px",
            size=64,
            minHeight=10,
            minWidth="10px",
            minSize=8,
            maxHeight=200,
            maxWidth="50%",
            maxSize=300,
            margin={"y": 4},
            background="gray-100",
            aspectRatio="1",
            flex=1,
        ),
    ),
    (
        "button_click_action_all_fields",
        card(
            {
                "type": "Button",
                "label": "Complete",
                "onClickAction": act("task.complete", {"task_id": "t-1"}, "server", "self"),
                "iconStart": "check-circle",
                "iconEnd": "chevron-right",
                "iconSize": "lg",
                "color": "success",
                "variant": "outline",
                "size": "3xs",
                "pill": True,
                "uniform": False,
                "block": True,
                "disabled": False,
            }
        ),
    ),
    (
        "button_client_handler",
        card(
            {
                "type": "Button",
                "label": "Open",
                "style": "secondary",
                "onClickAction": act("task.open", {"title": "x"}, "client", "none"),
            }
        ),
    ),
    (
        "button_action_type_with_namespace",
        card({"type": "Button", "label": "Go", "onClickAction": {"type": "app:nav.go_to-page_2"}}),
    ),
    (
        "form_submit_action_all_fields",
        card(
            {
                "type": "Form",
                "direction": "col",
                "gap": 2,
                "onSubmitAction": act("task.update", {"task_id": "t-1"}, "server", "container"),
                "children": FORM_CHILDREN,
            }
        ),
    ),
    ("card_as_form", card(*FORM_CHILDREN, asForm=True)),
    (
        "select_change_action_all_fields",
        card(
            {
                "type": "Select",
                "name": "sort",
                "placeholder": "Sort by",
                "options": [{"value": "due", "label": "Due"}, {"value": "title", "label": "Title"}],
                "onChangeAction": act("list.sort", {"view": "all"}, "client", "self"),
                "variant": "soft",
                "size": "sm",
                "pill": True,
                "block": True,
                "clearable": True,
                "disabled": False,
            }
        ),
    ),
    (
        "checkbox_change_action_all_fields",
        card(
            {
                "type": "Checkbox",
                "name": "done",
                "label": "Done",
                "defaultChecked": True,
                "required": True,
                "onChangeAction": act("task.toggle", {"task_id": "t-1"}, "server", "container"),
            }
        ),
    ),
    (
        "datepicker_change_action_all_fields",
        card(
            {
                "type": "DatePicker",
                "name": "due",
                "placeholder": "Pick a day",
                "defaultValue": "2027-03-01T09:30:00",
                "min": "2026-01-01T00:00:00",
                "max": "2030-12-31T00:00:00",
                "side": "bottom",
                "align": "end",
                "variant": "outline",
                "onChangeAction": act("task.due", {"task_id": "t-1"}, "server", "auto"),
            }
        ),
    ),
    (
        "input_all_fields",
        card(
            {
                "type": "Input",
                "name": "email",
                "inputType": "email",
                "defaultValue": "a@example.com",
                "required": True,
                "pattern": "^[^@]+@[^@]+$",
                "placeholder": "you@example.com",
                "allowAutofillExtensions": True,
                "autoSelect": False,
                "autoFocus": True,
                "disabled": False,
                "variant": "outline",
                "size": "lg",
                "gutterSize": "md",
                "pill": True,
            }
        ),
    ),
    (
        "textarea_all_fields",
        card(
            {
                "type": "Textarea",
                "name": "notes",
                "defaultValue": "<b>not html, just text</b>",
                "required": False,
                "placeholder": "Notes",
                "autoFocus": False,
                "variant": "soft",
                "size": "md",
                "gutterSize": "xs",
                "rows": 4,
                "autoResize": True,
                "maxRows": 10,
            }
        ),
    ),
    (
        "card_confirm_cancel_all_fields",
        card(
            {"type": "Title", "value": "Delete 2 tasks?"},
            confirm={
                "label": "Delete",
                "action": act("tasks.delete", {"task_ids": ["a", "b"]}, "server", "self"),
            },
            cancel={"label": "Cancel", "action": act("tasks.cancel", {}, "client", "none")},
        ),
    ),
    (
        "card_all_fields",
        card(
            text("x"),
            key="root",
            id="card-1",
            asForm=False,
            background="#ffffff",
            size="full",
            padding={"x": 4, "y": "8px"},
            status={"text": "Working", "icon": "sparkle"},
            collapsed=False,
            theme="dark",
        ),
    ),
    (
        "card_status_favicon",
        card(text("x"), status={"text": "From the web", "favicon": "/favicon.ico", "frame": True}),
    ),
    (
        "listview_basic",
        {
            "type": "ListView",
            "children": [
                {"type": "ListViewItem", "key": "1", "children": [text("one")]},
                {"type": "ListViewItem", "key": "2", "children": [text("two")]},
            ],
        },
    ),
    (
        "listview_item_click_action_all_fields",
        {
            "type": "ListView",
            "limit": "auto",
            "theme": "light",
            "status": {"text": "3 tasks", "icon": "check-circle"},
            "children": [
                {
                    "type": "ListViewItem",
                    "gap": 2,
                    "align": "center",
                    "onClickAction": act("task.open", {"task_id": "t-1"}, "client", "self"),
                    "children": [{"type": "Icon", "name": "check"}, text("row")],
                }
            ],
        },
    ),
    (
        "listview_limit_and_favicon",
        {
            "type": "ListView",
            "limit": 2,
            "status": {"text": "Results", "favicon": "https://example.com/favicon.ico"},
            "children": [{"type": "ListViewItem", "children": [text(str(i))]} for i in range(5)],
        },
    ),
    (
        "transition_child",
        card({"type": "Transition", "key": "t", "children": {"type": "Row", "children": [text("swap")]}}),
    ),
    (
        "spacer_divider_icons",
        card(
            {
                "type": "Row",
                "children": [
                    {"type": "Icon", "name": "calendar", "size": "3xl", "color": "blue-500"},
                    {"type": "Spacer", "minSize": 12},
                    {"type": "Icon", "name": "write-alt2", "size": "xs"},
                    {"type": "Spacer"},
                ],
            },
            {"type": "Divider"},
            {"type": "Spacer", "minSize": "2rem"},
        ),
    ),
]

BIG_TEXT = "x" * (70 * 1024)
ROW_OF_BUTTONS = card(
    {"type": "Button", "label": "a"},
    {"type": "Button", "label": "b"},
    {"type": "Button", "label": "c", "onClickAction": {"type": 5}},
)

# (name, payload, the path the message must name, a substring of the message)
INVALID: list[tuple[str, Any, str, str]] = [
    ("unknown_type", card({"type": "Foo"}), "children[0]", "unknown widget type 'Foo'"),
    (
        "unknown_type_nested",
        card({"type": "Row", "children": [text(), {"type": "Script"}]}),
        "children[0].children[1]",
        "unknown widget type 'Script'",
    ),
    ("unknown_field", card(text(onClick="alert(1)")), "children[0].onClick", "is not a known field"),
    (
        "unknown_field_style",
        card({"type": "Box", "style": {"color": "red"}}),
        "children[0].style",
        "is not a known field",
    ),
    (
        "unknown_field_in_action",
        card({"type": "Button", "onClickAction": {"type": "a", "url": "x"}}),
        "children[0].onClickAction.url",
        "is not a known field",
    ),
    (
        "wrong_enum_text_size",
        card(text(size="huge")),
        "children[0].size",
        "Input should be 'xs', 'sm', 'md', 'lg' or 'xl'",
    ),
    (
        "wrong_enum_badge_color",
        card({"type": "Badge", "label": "x", "color": "pink"}),
        "children[0].color",
        "Input should be",
    ),
    ("wrong_enum_icon", card({"type": "Icon", "name": "skull"}), "children[0].name", "Input should be"),
    ("wrong_enum_card_size", card(text(), size="huge"), "size", "Input should be 'sm', 'md', 'lg' or 'full'"),
    ("wrong_type_text_value", card(text(5)), "children[0].value", "Input should be a valid string"),
    ("wrong_type_children", card(text(), children="nope"), "children", "Input should be a valid list"),
    (
        "wrong_type_nested_action_type",
        ROW_OF_BUTTONS,
        "children[2].onClickAction.type",
        "Input should be a valid string",
    ),
    ("missing_text_value", card({"type": "Text"}), "children[0].value", "Field required"),
    ("missing_image_src", card({"type": "Image", "alt": "x"}), "children[0].src", "Field required"),
    ("missing_card_children", {"type": "Card"}, "children", "Field required"),
    ("missing_cancel_action", card(text(), cancel={"label": "x"}), "cancel.action", "Field required"),
    (
        "root_box",
        {"type": "Box", "children": [text()]},
        "type",
        "root must be a Card or a ListView, not 'Box'",
    ),
    ("root_text", text(), "type", "root must be a Card or a ListView, not 'Text'"),
    ("root_without_type", {"children": []}, "type", "not None"),
    ("root_not_object", [card(text())], "(root)", "must be a JSON object"),
    ("root_not_json", card(text(), key={1, 2}), "(root)", "must be plain JSON"),
    ("depth_17", nested(17), "(root)", "nested too deep (17 levels; at most 16)"),
    ("too_big", card(text(BIG_TEXT)), "(root)", "too big"),
    ("image_javascript", image("javascript:alert(1)"), "children[0].src", "must be an http(s) URL"),
    ("image_vbscript", image("vbscript:msgbox(1)"), "children[0].src", "must be an http(s) URL"),
    (
        "image_javascript_mixed_case",
        image("JaVaScRiPt:alert(1)"),
        "children[0].src",
        "must be an http(s) URL",
    ),
    (
        "image_javascript_whitespace",
        image("  java\tscr\nipt :alert(1)"),
        "children[0].src",
        "must be an http(s) URL",
    ),
    (
        "image_javascript_control_chars",
        image("\x01java\x00script:alert(1)"),
        "children[0].src",
        "must be an http(s) URL",
    ),
    (
        "image_data_html",
        image("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
        "children[0].src",
        "must be an http(s) URL",
    ),
    (
        "image_data_svg",
        image("data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="),
        "children[0].src",
        "must be an http(s) URL",
    ),
    (
        "image_data_png_not_base64",
        image("data:image/png,<svg onload=alert(1)>"),
        "children[0].src",
        "must be an http(s) URL",
    ),
    ("image_protocol_relative", image("//evil.example/x.png"), "children[0].src", "must be an http(s) URL"),
    (
        "image_protocol_relative_backslash",
        image("/\\evil.example/x.png"),
        "children[0].src",
        "must be an http(s) URL",
    ),
    (
        "image_protocol_relative_backslashes",
        image("\\\\evil.example/x.png"),
        "children[0].src",
        "must be an http(s) URL",
    ),
    ("image_file_url", image("file:///etc/passwd"), "children[0].src", "must be an http(s) URL"),
    (
        "image_nested_path",
        card(
            {
                "type": "Row",
                "children": [text(), {"type": "Col", "children": [{"type": "Image", "src": "javascript:x"}]}],
            }
        ),
        "children[0].children[1].children[0].src",
        "must be an http(s) URL",
    ),
    (
        "status_favicon_javascript",
        card(text(), status={"text": "x", "favicon": "javascript:alert(1)"}),
        "status.favicon",
        "must be an http(s) URL",
    ),
    (
        "markdown_script",
        markdown("hi <script>alert(1)</script>"),
        "children[0].value",
        "may not contain raw HTML",
    ),
    (
        "markdown_img_onerror",
        markdown("![x](a.png) <img src=x onerror=alert(1)>"),
        "children[0].value",
        "may not contain raw HTML",
    ),
    (
        "markdown_iframe",
        markdown("<iframe src='https://evil.example'></iframe>"),
        "children[0].value",
        "may not contain raw HTML",
    ),
    (
        "markdown_autolink_javascript",
        markdown("<javascript:alert(1)>"),
        "children[0].value",
        "may not contain raw HTML",
    ),
    (
        "markdown_javascript_link",
        markdown("[click](javascript:alert(1))"),
        "children[0].value",
        "javascript:, vbscript: or data: links",
    ),
    (
        "markdown_javascript_link_obfuscated",
        markdown("[click](\n  JaVaScRiPt:alert(1))"),
        "children[0].value",
        "javascript:, vbscript: or data: links",
    ),
    (
        "markdown_vbscript_link",
        markdown("[click](vbscript:msgbox(1))"),
        "children[0].value",
        "javascript:, vbscript: or data: links",
    ),
    (
        "markdown_data_link",
        markdown("[click](data:text/html,<b>x</b>)"),
        "children[0].value",
        "may not contain",
    ),
    (
        "markdown_javascript_entity_link",
        markdown("[click](javascript&#58;alert(1))"),
        "children[0].value",
        "javascript:, vbscript: or data: links",
    ),
    (
        "markdown_javascript_reference_link",
        markdown("[click][x]\n\n[x]: javascript:alert(1)"),
        "children[0].value",
        "javascript:, vbscript: or data: links",
    ),
    (
        "css_injection_text_color",
        card(text(color="red;background:url(x)")),
        "children[0].color",
        "must be a colour token",
    ),
    (
        "css_injection_expression",
        card({"type": "Box", "background": "expression(alert(1))"}),
        "children[0].background",
        "must be a colour token",
    ),
    (
        "css_injection_theme_colour",
        card(text(color={"dark": "red", "light": "url(javascript:x)"})),
        "children[0].color.light",
        "must be a colour token",
    ),
    (
        "css_injection_border_colour",
        card({"type": "Box", "border": {"size": 1, "color": "red;x:y"}}),
        "children[0].border.color",
        "must be a colour token",
    ),
    (
        "css_injection_card_background",
        card(text(), background="#fff;position:fixed"),
        "background",
        "must be a colour token",
    ),
    (
        "css_injection_length",
        card({"type": "Box", "padding": {"top": "1px;color:red"}}),
        "children[0].padding.top",
        "must be a number or a CSS length",
    ),
    (
        "action_type_with_spaces",
        card({"type": "Button", "onClickAction": {"type": "delete all"}}),
        "children[0].onClickAction.type",
        "must be 1-64 letters",
    ),
    (
        "action_type_empty",
        card({"type": "Button", "onClickAction": {"type": ""}}),
        "children[0].onClickAction.type",
        "must be 1-64 letters",
    ),
    (
        "action_handler_bad",
        card({"type": "Button", "onClickAction": {"type": "a", "handler": "browser"}}),
        "children[0].onClickAction.handler",
        "Input should be 'client' or 'server'",
    ),
    (
        "action_loading_bad",
        card({"type": "Button", "onClickAction": {"type": "a", "loadingBehavior": "spin"}}),
        "children[0].onClickAction.loadingBehavior",
        "Input should be 'auto', 'none', 'self' or 'container'",
    ),
    (
        "submit_action_handler_bad",
        card({"type": "Form", "onSubmitAction": {"type": "a", "handler": "both"}}),
        "children[0].onSubmitAction.handler",
        "Input should be 'client' or 'server'",
    ),
    (
        "change_action_type_bad",
        card({"type": "Select", "name": "s", "options": [], "onChangeAction": {"type": "1abc"}}),
        "children[0].onChangeAction.type",
        "must be 1-64 letters",
    ),
    (
        "confirm_action_type_bad",
        card(text(), confirm={"label": "OK", "action": {"type": "rm -rf"}}),
        "confirm.action.type",
        "must be 1-64 letters",
    ),
    (
        "cancel_action_loading_bad",
        card(text(), cancel={"label": "No", "action": {"type": "x", "loadingBehavior": "all"}}),
        "cancel.action.loadingBehavior",
        "Input should be 'auto'",
    ),
    (
        "listview_child_not_item",
        {"type": "ListView", "children": [{"type": "ListViewItem", "children": []}, text()]},
        "children[1].type",
        "Input should be 'ListViewItem'",
    ),
    ("transition_without_child", card({"type": "Transition"}), "children[0].children", "Field required"),
    (
        "transition_null_child",
        card({"type": "Transition", "children": None}),
        "children[0].children",
        "Input should be",
    ),
    (
        "transition_child_unknown",
        card({"type": "Transition", "children": {"type": "Nope"}}),
        "children[0].children",
        "unknown widget type 'Nope'",
    ),
]
