"""One recursive renderer for every ChatKit widget tree (``app.views.widget.WNode``).

A self-recursive ``rx.memo`` component switches on the node type with ``rx.match`` and
renders children with ``rx.foreach``. Text is always text (markdown without raw HTML),
and only normalised tokens reach props, so a payload can't inject markup or styles.
"""

from __future__ import annotations

import reflex as rx

from app.components.markdown import markdown_text
from app.states.chat import ChatState
from app.views.widget import LUCIDE_ICONS, Option, WNode


def _icon(name: rx.Var) -> rx.Component:
    """The Lucide icon ``name`` (a value of ``ICON_MAP``); any other name renders nothing."""
    cases = [(icon, rx.icon(icon, size=16 if icon.startswith("circle") else 14)) for icon in LUCIDE_ICONS]
    return rx.match(name, *cases, rx.fragment())


def _kids(node: rx.Var[WNode]) -> rx.Component:
    return rx.foreach(node.children, lambda child: widget_tree(node=child))


def _click(node: rx.Var[WNode]) -> rx.Var[str]:
    """What a click sends: the node's path and the type of the action it shows (``WNode.click``)."""
    return rx.cond(node.click != "", node.click, node.path)


def _busy(node: rx.Var[WNode]) -> rx.Var[bool]:
    return ChatState.busy_action == node.widget_id + "|" + _click(node)


def _form_open(node: rx.Var[WNode]) -> rx.Var[bool]:
    return ChatState.open_forms.contains(node.widget_id + "|" + node.form_key)


def _widget_busy(node: rx.Var[WNode]) -> rx.Var[bool]:
    return ChatState.busy_widget == node.widget_id


def _field_id(node: rx.Var[WNode]) -> rx.Var[str]:
    return rx.cond(node.dom_id != "", node.dom_id, node.widget_id + "-" + node.name)


def _field_key(node: rx.Var[WNode]) -> rx.Var[str]:
    """A React key per widget, field and version for uncontrolled fields: without it React reuses a
    field of another card (list items are keyed by position) and keeps showing that card's value."""
    return node.widget_id + "|" + node.path + "|" + node.version.to_string()


def _button(node: rx.Var[WNode]) -> rx.Component:
    return rx.cond(node.toggles != "", _disclosure(node), _action_button(node))


def _action_button(node: rx.Var[WNode]) -> rx.Component:
    return rx.button(
        _icon(node.icon),
        node.text,
        _icon(node.icon_end),
        type=rx.cond(node.submit, "submit", "button"),
        on_click=rx.cond(
            node.submit | ~node.has_action,
            rx.noop(),
            ChatState.widget_click(node.widget_id, _click(node), node.version),
        ),
        variant=node.variant,
        color_scheme=rx.cond(node.color != "", node.color, "indigo"),
        size=node.size,
        loading=_busy(node) & (node.loading != "none") & (node.loading != "container"),
        disabled=node.disabled | _widget_busy(node),
        width=rx.cond(node.block, "100%", "auto"),
        aria_label=rx.cond(node.aria_label != "", node.aria_label, node.text),
    )


def _disclosure(node: rx.Var[WNode]) -> rx.Component:
    """A button that shows or folds a form of its card (Edit): ``aria-expanded`` says which."""
    opened = ChatState.open_forms.contains(node.widget_id + "|" + node.toggles)
    return rx.button(
        _icon(node.icon),
        node.text,
        type="button",
        on_click=ChatState.toggle_form(node.widget_id, node.toggles, node.dom_id),
        variant=rx.cond(opened, "soft", node.variant),
        color_scheme=rx.cond(node.color != "", node.color, "indigo"),
        size=node.size,
        disabled=_widget_busy(node),
        aria_label=rx.cond(node.aria_label != "", node.aria_label, node.text),
        aria_expanded=rx.cond(opened, "true", "false"),
        aria_controls=node.dom_id,
    )


def _text(node: rx.Var[WNode]) -> rx.Component:
    return rx.text(
        node.text,
        size=node.size,
        weight=node.weight,
        color_scheme=rx.cond(node.color != "", node.color, "gray"),
        high_contrast=node.color == "",
        white_space="pre-wrap",
        dir="auto",
        class_name="ticked-wrap",
        style={
            "text-decoration": rx.cond(node.line_through, "line-through", "none"),
            "font-style": rx.cond(node.italic, "italic", "normal"),
        },
    )


def _list_view(node: rx.Var[WNode]) -> rx.Component:
    expanded = ChatState.expanded_widgets.contains(node.widget_id)
    return rx.card(
        rx.cond(
            node.status_text != "",
            rx.hstack(
                rx.icon("list-checks", size=14),
                rx.text(node.status_text, size="2", weight="medium"),
                align="center",
                spacing="2",
                padding_bottom="0.5em",
                color=rx.color("gray", 11),
            ),
        ),
        rx.box(
            rx.foreach(
                node.children,
                lambda child, i: rx.cond((i < node.limit) | expanded, widget_tree(node=child)),
            ),
            role="list",
            aria_label=rx.cond(node.status_text != "", node.status_text, "Tasks"),
        ),
        rx.cond(
            (node.children.length() > node.limit) & ~expanded,
            rx.button(
                "Show more",
                on_click=ChatState.expand_widget(node.widget_id),
                variant="ghost",
                size="1",
                margin_top="0.5em",
            ),
        ),
        width="100%",
        size="1",
        opacity=rx.cond(_widget_busy(node), "0.7", "1"),
    )


def _card(node: rx.Var[WNode]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.cond(node.status_text != "", rx.text(node.status_text, size="1", color=rx.color("gray", 10))),
            _kids(node),
            rx.cond(
                (node.confirm_label != "") | (node.cancel_label != ""),
                rx.hstack(
                    rx.cond(
                        node.cancel_label != "",
                        rx.button(
                            node.cancel_label,
                            variant="soft",
                            color_scheme="gray",
                            size="2",
                            on_click=ChatState.widget_click(node.widget_id, "cancel", node.version),
                            disabled=_widget_busy(node),
                        ),
                    ),
                    rx.cond(
                        node.confirm_label != "",
                        rx.button(
                            node.confirm_label,
                            color_scheme=rx.cond(node.confirm_destructive, "red", "indigo"),
                            size="2",
                            on_click=ChatState.widget_click(node.widget_id, "confirm", node.version),
                            loading=_widget_busy(node),
                            disabled=_widget_busy(node),
                        ),
                    ),
                    justify="end",
                    spacing="2",
                    width="100%",
                    padding_top="0.25em",
                ),
            ),
            spacing="2",
            width="100%",
            align="stretch",  # a row spans the card: its buttons line up at the right edge
        ),
        width="100%",
        size="2",
        role="group",
        aria_busy=rx.cond(_widget_busy(node), "true", "false"),
        opacity=rx.cond(_widget_busy(node), "0.75", "1"),
    )


def _option(option: rx.Var[Option]) -> rx.Component:
    return rx.el.option(option.label, value=option.value)


@rx.memo
def widget_tree(node: rx.Var[WNode]) -> rx.Component:
    """Render one node and, through itself, its whole subtree."""
    return rx.match(
        node.type,
        ("Card", _card(node)),
        ("ListView", _list_view(node)),
        (
            "ListViewItem",
            rx.box(
                _kids(node),
                role="listitem",
                padding="0.4em 0.2em",
                border_bottom=f"1px solid {rx.color('gray', 4)}",
                width="100%",
            ),
        ),
        (
            "Box",
            rx.flex(
                _kids(node),
                direction=node.direction,
                spacing=node.gap,
                wrap=node.wrap,
                align=node.align,
                justify=node.justify,
                flex_grow=rx.cond(node.grow, "1", "0"),
                min_width="0",
            ),
        ),
        (
            "Row",
            rx.flex(
                _kids(node),
                direction="row",
                spacing=node.gap,
                wrap=node.wrap,
                align=node.align,
                justify=node.justify,
                flex_grow=rx.cond(node.grow, "1", "0"),
                min_width="0",
                width="100%",
            ),
        ),
        (
            "Col",
            rx.flex(
                _kids(node),
                direction="column",
                spacing=node.gap,
                align=node.align,
                justify=node.justify,
                flex_grow=rx.cond(node.grow, "1", "0"),
                min_width="0",
            ),
        ),
        (
            "Form",
            rx.cond(
                ~node.folded | _form_open(node),
                rx.box(
                    rx.form(
                        rx.flex(_kids(node), direction=node.direction, spacing=node.gap, width="100%"),
                        on_submit=lambda data: ChatState.widget_submit(
                            data, node.widget_id, _click(node), node.version
                        ),
                        reset_on_submit=False,
                        width="100%",
                    ),
                    id=node.dom_id,
                    width="100%",
                    padding_top=rx.cond(node.folded, "0.25em", "0"),
                ),
            ),
        ),
        ("Transition", rx.box(_kids(node))),
        ("Text", _text(node)),
        ("Title", rx.heading(node.text, size=node.size, dir="auto", class_name="ticked-wrap", as_="h3")),
        (
            "Caption",
            rx.text(node.text, size="1", color=rx.color("gray", 10), dir="auto", class_name="ticked-wrap"),
        ),
        (
            "Markdown",
            markdown_text(node.text),
        ),
        (
            "Badge",
            rx.badge(
                node.text,
                variant=node.variant,
                color_scheme=rx.cond(node.color != "", node.color, "gray"),
                radius="full",
            ),
        ),
        ("Button", _button(node)),
        ("Divider", rx.separator(size="4")),
        ("Spacer", rx.spacer()),
        ("Icon", _icon(node.icon)),
        ("Image", rx.image(src=node.src, alt=node.alt, max_width="100%", border_radius="var(--radius-3)")),
        ("Label", rx.el.label(node.text, html_for=_field_id(node), class_name="ticked-widget-label")),
        (
            "Input",
            rx.input(
                id=_field_id(node),
                key=_field_key(node),
                name=node.name,
                default_value=node.default,
                type=node.input_type,
                placeholder=node.placeholder,
                required=node.required,
                disabled=node.disabled,
                size="2",
            ),
        ),
        (
            "Textarea",
            rx.text_area(
                id=_field_id(node),
                key=_field_key(node),
                name=node.name,
                default_value=node.default,
                placeholder=node.placeholder,
                required=node.required,
                disabled=node.disabled,
            ),
        ),
        (
            "DatePicker",
            rx.input(
                id=_field_id(node),
                key=_field_key(node),
                name=node.name,
                type="date",
                default_value=node.default,
                disabled=node.disabled,
                size="2",
            ),
        ),
        (
            "Select",
            rx.el.select(
                rx.foreach(node.options, _option),
                id=_field_id(node),
                key=_field_key(node),
                name=node.name,
                default_value=node.default,
                disabled=node.disabled,
                class_name="ticked-native-select ticked-widget-select",
            ),
        ),
        (
            "Checkbox",
            rx.el.label(
                rx.el.input(
                    type="checkbox", name=node.name, default_checked=node.checked, key=_field_key(node)
                ),
                " ",
                node.text,
                class_name="ticked-widget-label",
            ),
        ),
        rx.fragment(),
    )
