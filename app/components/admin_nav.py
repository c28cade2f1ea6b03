"""The admin console's tabs (Users, Settings, Audit log).

A minimal stand-in made by the sign-up helper of issue 18; the admin helper's version replaces it.
"""

from __future__ import annotations

import reflex as rx

from app import routes

TABS: tuple[tuple[str, str], ...] = (
    ("Users", routes.ADMIN),
    ("Settings", routes.ADMIN_SETTINGS),
    ("Audit log", routes.ADMIN_AUDIT),
)


def admin_tabs(current: str) -> rx.Component:
    """Links to the console's pages; ``current`` (a path) is marked ``aria-current="page"``."""
    return rx.el.nav(
        rx.hstack(
            *[
                rx.link(
                    label,
                    href=href,
                    underline="none",
                    padding_x="0.75em",
                    padding_y="0.4em",
                    border_radius="var(--radius-3)",
                    weight="medium",
                    size="2",
                    color=rx.color("accent", 11) if href == current else rx.color("gray", 11),
                    background=rx.color("accent", 3) if href == current else "transparent",
                    aria_current="page" if href == current else "false",
                )
                for label, href in TABS
            ],
            spacing="1",
            wrap="wrap",
        ),
        aria_label="Admin",
        width="100%",
    )
