"""The header's bell (issue 17): unread count, a popover of recent notifications, "Mark all read",
and the one polite place (besides settings) to turn on desktop notifications."""

from __future__ import annotations

import reflex as rx

from app.states.notifications import POLL_SECONDS, NotificationsState
from app.views.notifications import BellItem

KIND_COLOURS = {"reminder": "indigo", "missed": "amber", "failed": "red", "digest": "gray"}
SR_ONLY = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "overflow": "hidden",
    "clip": "rect(0 0 0 0)",
    "white-space": "nowrap",
}
"""Read by screen readers, not shown."""
ITEM_STYLE = {
    "display": "block",
    "width": "100%",
    "text-align": "left",
    "padding": "var(--space-2) var(--space-2)",
    "border-radius": "var(--radius-3)",
    "background": "transparent",
    "border": "none",
    "cursor": "pointer",
    "font": "inherit",
    "color": "inherit",
    "position": "relative",
    "&:hover": {"background": "var(--gray-3)"},
    "&:focus-visible": {"outline": "2px solid var(--accent-8)", "outline-offset": "-2px"},
}
BADGE_STYLE = {
    "position": "absolute",
    "top": "-4px",
    "right": "-6px",
    "min-width": "18px",
    "height": "18px",
    "padding": "0 5px",
    "border-radius": "9px",
    "background": "#c62a2f",
    "color": "white",
    "font-size": "11px",
    "font-weight": "700",
    "line-height": "18px",
    "text-align": "center",
    "pointer-events": "none",
}
KIND_ICONS = {"reminder": "alarm-clock", "missed": "clock-alert", "failed": "mail-x", "digest": "newspaper"}


def _kind_icon(kind: rx.Var) -> rx.Component:
    return rx.match(
        kind,
        *[(k, rx.icon(icon, size=16, color=rx.color(KIND_COLOURS[k], 11))) for k, icon in KIND_ICONS.items()],
        rx.icon("bell", size=16, color=rx.color("gray", 11)),
    )


def _item(item: BellItem) -> rx.Component:
    """One notification: a button that marks it read and opens its task."""
    return rx.el.li(
        rx.el.button(
            rx.hstack(
                rx.box(_kind_icon(item.kind), padding_top="2px", flex_shrink="0"),
                rx.vstack(
                    rx.text(
                        item.title,
                        size="2",
                        weight=rx.cond(item.unread, "bold", "regular"),
                        color=rx.color("gray", 12),
                        class_name="ticked-wrap",
                    ),
                    rx.text(
                        item.kind_label,
                        " · ",
                        item.when,
                        size="1",
                        color=rx.color("gray", 11),
                    ),
                    spacing="0",
                    align="start",
                    flex="1",
                    min_width="0",
                ),
                rx.cond(
                    item.unread,
                    rx.box(
                        width="8px",
                        height="8px",
                        border_radius="50%",
                        background=rx.color("accent", 9),
                        margin_top="6px",
                        flex_shrink="0",
                    ),
                ),
                spacing="3",
                align="start",
                width="100%",
            ),
            rx.cond(item.unread, rx.el.span(", unread", style=SR_ONLY)),
            type="button",
            on_click=NotificationsState.open_item(item.id),
            custom_attrs={"data-unread": rx.cond(item.unread, "true", "false")},
            style=ITEM_STYLE,
        ),
        list_style="none",
    )


def _desktop_offer() -> rx.Component:
    """Ask for desktop notifications only when the person clicks; say so when the browser refuses."""
    return rx.match(
        NotificationsState.permission,
        (
            "default",
            rx.button(
                rx.icon("monitor-smartphone", size=14),
                "Turn on desktop notifications",
                on_click=NotificationsState.ask_permission,
                variant="ghost",
                size="1",
            ),
        ),
        (
            "denied",
            rx.text(
                "Desktop notifications are blocked in this browser's site settings.",
                size="1",
                color=rx.color("gray", 11),
            ),
        ),
        rx.fragment(),
    )


def bell_permission_offer() -> rx.Component:
    """Settings' version: the same button, and where things stand in this browser."""
    return rx.match(
        NotificationsState.permission,
        (
            "default",
            rx.button(
                rx.icon("monitor-smartphone", size=16),
                "Turn on desktop notifications",
                on_click=NotificationsState.ask_permission,
                variant="soft",
                size="2",
            ),
        ),
        (
            "granted",
            rx.text(
                rx.icon("check", size=14, display="inline", vertical_align="-2px"),
                " On in this browser.",
                size="2",
                color=rx.color("green", 11),
            ),
        ),
        (
            "denied",
            rx.text(
                "Blocked in this browser: allow notifications for this site in the browser's settings.",
                size="2",
                color=rx.color("amber", 11),
            ),
        ),
        (
            "unsupported",
            rx.text("This browser can't show notifications.", size="2", color=rx.color("gray", 11)),
        ),
        rx.fragment(),
    )


def bell_panel() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Notifications", size="3", as_="h2"),
            rx.spacer(),
            rx.button(
                "Mark all read",
                on_click=NotificationsState.mark_all_read,
                variant="ghost",
                size="1",
                disabled=NotificationsState.unread == 0,
            ),
            align="center",
            width="100%",
        ),
        rx.cond(
            NotificationsState.items.length() > 0,
            rx.el.ul(
                rx.foreach(NotificationsState.items, _item),
                aria_label="Recent notifications",
                style={"margin": "0", "padding": "0", "width": "100%"},
            ),
            rx.text(
                "Nothing yet. Reminders you set on tasks show up here.",
                size="2",
                color=rx.color("gray", 11),
                padding_y="0.75em",
            ),
        ),
        _desktop_offer(),
        spacing="2",
        width="100%",
    )


def bell() -> rx.Component:
    """The bell button with its unread badge, its popover, and the hidden timer target."""
    return rx.fragment(
        rx.popover.root(
            rx.popover.trigger(
                rx.icon_button(
                    rx.icon("bell", size=18),
                    rx.cond(
                        NotificationsState.unread > 0,
                        rx.el.span(NotificationsState.badge, aria_hidden="true", style=BADGE_STYLE),
                    ),
                    variant="ghost",
                    color_scheme="gray",
                    aria_label=NotificationsState.bell_label,
                    title=NotificationsState.bell_label,
                    position="relative",
                    custom_attrs={"data-bell": "true"},
                ),
            ),
            rx.popover.content(
                bell_panel(),
                width="min(380px, calc(100vw - 24px))",
                max_height="min(70vh, 560px)",
                overflow_y="auto",
                align="end",
                side="bottom",
                side_offset=6,
                collision_padding=12,
                aria_label="Notifications",
            ),
            open=NotificationsState.is_open,
            on_open_change=NotificationsState.set_open,
        ),
        rx.el.button(
            type="button",
            hidden=True,
            tab_index=-1,
            on_click=NotificationsState.poll,
            custom_attrs={
                "data-bell-poll": str(POLL_SECONDS * 1000),
                "data-desktop": NotificationsState.desktop_json,
            },
        ),
        rx.box(on_mount=NotificationsState.load, display="none"),
    )
