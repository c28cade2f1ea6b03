"""A chat message bubble: markdown without raw HTML, copy, and an error state with Retry."""

from __future__ import annotations

import reflex as rx

from app.components.markdown import markdown_text
from app.components.widget import widget_tree
from app.states.chat import ChatState
from app.views.chat import MessageView


def typing_indicator() -> rx.Component:
    return rx.hstack(
        rx.box(class_name="ticked-dot"),
        rx.box(class_name="ticked-dot"),
        rx.box(class_name="ticked-dot"),
        spacing="1",
        aria_label="Assistant is typing",
        role="status",
        padding_y="0.4em",
    )


def copy_button(message: MessageView) -> rx.Component:
    return rx.icon_button(
        rx.icon("copy", size=14),
        on_click=[rx.set_clipboard(message.content), ChatState.copied],
        variant="ghost",
        color_scheme="gray",
        size="1",
        aria_label="Copy message",
        title="Copy",
    )


def user_bubble(message: MessageView) -> rx.Component:
    return rx.hstack(
        rx.spacer(),
        rx.vstack(
            rx.box(
                rx.text(message.content, white_space="pre-wrap", dir="auto", class_name="ticked-wrap"),
                background=rx.color("accent", 9),
                color="white",
                padding="0.6em 0.9em",
                border_radius="16px 16px 4px 16px",
                max_width="100%",
            ),
            rx.hstack(
                rx.text(message.time_label, size="1", color=rx.color("gray", 11)),
                copy_button(message),
                align="center",
                spacing="2",
            ),
            align="end",
            spacing="1",
            max_width=["88%", "75%"],
        ),
        width="100%",
    )


def assistant_bubble(message: MessageView) -> rx.Component:
    body = rx.cond(
        message.status == "pending",
        # The reply being streamed: its text lives in one small var, not in the message list.
        rx.cond(ChatState.stream_text != "", markdown_text(ChatState.stream_text), typing_indicator()),
        rx.cond(
            message.status == "error",
            rx.callout(
                rx.vstack(
                    # Markdown: an interrupted reply names the tasks it had changed, escaped for markdown.
                    markdown_text(
                        rx.cond(message.content != "", message.content, "The assistant could not answer.")
                    ),
                    rx.cond(message.error != "", rx.text("Reason: ", message.error, size="1")),
                    rx.button(
                        rx.icon("rotate-ccw", size=14),
                        "Retry",
                        on_click=ChatState.retry(message.id),
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        disabled=ChatState.sending,
                    ),
                    spacing="2",
                    align="start",
                ),
                icon="triangle-alert",
                color_scheme="red",
                role="alert",
            ),
            markdown_text(message.content),
        ),
    )
    return rx.hstack(
        rx.center(
            rx.icon("sparkles", size=16, color=rx.color("accent", 11)),
            width="28px",
            height="28px",
            border_radius="50%",
            background=rx.color("accent", 3),
            flex_shrink="0",
        ),
        rx.vstack(
            rx.box(
                body,
                background=rx.color("gray", 3),
                padding="0.6em 0.9em",
                border_radius="16px 16px 16px 4px",
                class_name="ticked-wrap",
                max_width="100%",
            ),
            rx.foreach(message.widgets, lambda w: rx.box(widget_tree(node=w), width="100%")),
            rx.cond(
                (message.status == "completed") & (message.content != ""),
                rx.hstack(
                    rx.text(message.time_label, size="1", color=rx.color("gray", 11)),
                    copy_button(message),
                    align="center",
                    spacing="2",
                ),
            ),
            align="start",
            spacing="1",
            max_width=["88%", "75%"],
            min_width="0",
        ),
        align="start",
        spacing="2",
        width="100%",
    )


def message_bubble(message: MessageView) -> rx.Component:
    return rx.box(
        rx.cond(message.role == "user", user_bubble(message), assistant_bubble(message)),
        width="100%",
        role="article",
        aria_label=rx.cond(message.role == "user", "Your message", "Assistant message"),
    )
