"""The admin console's tabs (issue 18): Users, Settings, Audit log, as plain links so each tab is
its own address (bookmarkable, back button works) and every admin page shows the same row."""

from __future__ import annotations

import reflex as rx

from app import routes

TABS = (("Users", routes.ADMIN), ("Settings", routes.ADMIN_SETTINGS), ("Audit log", routes.ADMIN_AUDIT))


def _tab(label: str, href: str, current: bool) -> rx.Component:
    return rx.link(
        label,
        href=href,
        underline="none",
        size="2",
        weight="medium",
        padding_x="0.8em",
        padding_y="0.45em",
        color=rx.color("accent", 11) if current else rx.color("gray", 11),
        border_bottom=f"2px solid {rx.color('accent', 9)}" if current else "2px solid transparent",
        _hover={"color": rx.color("gray", 12)},
        aria_current="page" if current else None,
    )


def admin_tabs(current_route: str) -> rx.Component:
    """The tab row; ``current_route`` (one of ``routes.ADMIN_PAGES``) is marked as the current page."""
    return rx.el.nav(
        rx.hstack(
            *(_tab(label, href, href == current_route) for label, href in TABS),
            spacing="1",
            border_bottom=f"1px solid {rx.color('gray', 5)}",
            width="100%",
            overflow_x="auto",
        ),
        aria_label="Admin",
        width="100%",
    )
