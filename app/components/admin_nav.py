"""STUB (audit-log helper, issue 18): the admin console's tabs. Another helper owns this module;
their version replaces this one at merge. ``admin_tabs(current)`` marks the current tab."""

from __future__ import annotations

import reflex as rx

from app import routes

TABS = (("Users", routes.ADMIN), ("Settings", routes.ADMIN_SETTINGS), ("Audit log", routes.ADMIN_AUDIT))


def admin_tabs(current: str) -> rx.Component:
    return rx.el.nav(
        rx.hstack(
            *[
                rx.link(
                    label,
                    href=href,
                    aria_current="page" if href == current else None,
                    weight="bold" if href == current else "regular",
                    underline="always" if href == current else "hover",
                    size="3",
                )
                for label, href in TABS
            ],
            spacing="5",
            wrap="wrap",
        ),
        aria_label="Admin",
    )
