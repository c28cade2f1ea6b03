"""The chat page (the assistant arrives with its own issue; this is its frame)."""

from __future__ import annotations

import reflex as rx

from app.components.layout import app_layout


def chat_page() -> rx.Component:
    return app_layout(
        rx.center(
            rx.vstack(
                rx.heading("Chat", size="6", as_="h1"),
                rx.text("Your assistant will live here.", color=rx.color("gray", 11)),
                align="center",
            ),
            padding="2em",
        )
    )
