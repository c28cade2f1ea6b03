"""The page a missing address shows, and what an admin page shows anyone but an admin (issue 18):
the same words, the same landmarks, so the admin console does not show that it exists."""

from __future__ import annotations

import reflex as rx

from app import routes
from app.components.layout import brand, color_mode_button

TITLE = "Ticked"
"""The tab title of the missing page and of every admin page (an admin page must not name itself)."""


def not_found_view() -> rx.Component:
    return rx.center(
        rx.el.main(
            rx.vstack(
                brand(),
                rx.heading("Page not found", size="6", as_="h1"),
                rx.text("There is nothing at this address.", color=rx.color("gray", 11)),
                rx.link("Go to your chats", href=routes.CHAT),
                spacing="3",
                align="center",
            ),
            width="100%",
            max_width="420px",
        ),
        rx.box(color_mode_button(), position="absolute", top="1em", right="1em"),
        min_height="100vh",
        padding="1em",
        background=rx.color("gray", 1),
    )
