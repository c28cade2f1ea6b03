"""The chat page: the conversation sidebar and the open conversation with its composer."""

from __future__ import annotations

import reflex as rx

from app.components.layout import app_layout
from app.components.message import message_bubble
from app.components.thread_item import delete_dialog, thread_item
from app.states.chat import SUGGESTIONS, ChatState
from app.states.threads import ThreadsState


def sidebar() -> rx.Component:
    return rx.vstack(
        rx.button(
            rx.icon("square-pen", size=16), "New chat", on_click=ChatState.new_chat, width="100%", size="2"
        ),
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            placeholder="Search conversations",
            value=ThreadsState.thread_search,
            on_change=ThreadsState.set_thread_search.debounce(250),
            aria_label="Search conversations",
            type="search",
            size="2",
            width="100%",
        ),
        rx.hstack(
            rx.text(
                rx.cond(ThreadsState.show_archived, "Archived", "Conversations"), size="2", weight="bold"
            ),
            rx.spacer(),
            rx.button(
                rx.cond(ThreadsState.show_archived, "Back to chats", "Archived"),
                on_click=ThreadsState.toggle_archived_view,
                variant="ghost",
                size="1",
                color_scheme="gray",
                aria_pressed=rx.cond(ThreadsState.show_archived, "true", "false"),
            ),
            width="100%",
            align="center",
            padding_x="0.25em",
        ),
        rx.box(
            rx.cond(
                ThreadsState.threads.length() > 0,
                rx.box(
                    rx.foreach(ThreadsState.threads, thread_item), role="list", aria_label="Conversations"
                ),
                rx.text(
                    rx.cond(
                        ThreadsState.thread_search != "",
                        "No conversation matches.",
                        rx.cond(ThreadsState.show_archived, "Nothing archived.", "No conversations yet."),
                    ),
                    size="2",
                    color=rx.color("gray", 11),
                    padding="0.5em",
                ),
            ),
            rx.cond(
                ThreadsState.has_more_threads,
                rx.button(
                    "Load more",
                    on_click=ThreadsState.load_more_threads,
                    variant="ghost",
                    size="1",
                    width="100%",
                    margin_top="0.5em",
                    # Full width exactly: a ghost button has negative side margins and content-box sizing.
                    margin_x="0",
                    box_sizing="border-box",
                ),
            ),
            width="100%",
            flex="1",
            overflow_y="auto",
            min_height="0",
        ),
        spacing="3",
        height="100%",
        width="100%",
        padding="0.75em",
    )


def empty_thread() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("sparkles", size=32, color=rx.color("accent", 9)),
            rx.heading("What's on your list?", size="5", as_="h2"),
            rx.text(
                "Tell me what to do and when. I'll keep track of it.",
                color=rx.color("gray", 11),
                size="2",
                text_align="center",
            ),
            rx.flex(
                rx.foreach(
                    SUGGESTIONS,
                    lambda s: rx.button(
                        s,
                        on_click=ChatState.send_suggestion(s),
                        variant="surface",
                        size="2",
                        color_scheme="gray",
                        radius="full",
                    ),
                ),
                wrap="wrap",
                spacing="2",
                justify="center",
                max_width="520px",
            ),
            align="center",
            spacing="3",
        ),
        flex="1",
        padding="2em 1em",
    )


def conversation() -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.cond(
                ChatState.has_earlier,
                rx.center(
                    rx.button(
                        "Load earlier messages", on_click=ChatState.load_earlier, variant="soft", size="1"
                    ),
                    width="100%",
                ),
            ),
            rx.foreach(ChatState.messages, message_bubble),
            rx.box(id="chat-end", height="1px"),
            spacing="4",
            width="100%",
            max_width="820px",
            margin_x="auto",
            padding=["1em 0.75em", "1.5em 1.25em"],
        ),
        role="log",
        aria_label="Messages",
        aria_live="polite",
        flex="1",
        overflow_y="auto",
        min_height="0",
        width="100%",
    )


def composer() -> rx.Component:
    return rx.box(
        rx.cond(
            ChatState.error != "",
            rx.callout(
                ChatState.error,
                icon="info",
                color_scheme="amber",
                role="alert",
                size="1",
                margin_bottom="0.5em",
            ),
        ),
        rx.form(
            rx.hstack(
                rx.text_area(
                    id="chat-input",
                    name="message",
                    placeholder="Add, find or change tasks…",
                    aria_label="Message",
                    rows="1",
                    max_length=10000,
                    auto_height=True,
                    custom_attrs={"data-enter-submits": "true"},
                    size="3",
                    flex="1",
                    class_name="ticked-composer",
                ),
                rx.cond(
                    ChatState.streaming,
                    rx.button(
                        rx.icon("square", size=14),
                        "Stop",
                        type="button",
                        on_click=ChatState.stop,
                        size="3",
                        color_scheme="gray",
                        variant="soft",
                    ),
                    rx.button(
                        rx.icon("send-horizontal", size=16),
                        "Send",
                        type="submit",
                        size="3",
                        disabled=ChatState.sending,
                        loading=ChatState.sending,
                    ),
                ),
                align="end",
                spacing="2",
                width="100%",
            ),
            on_submit=ChatState.send,
            reset_on_submit=False,
            width="100%",
        ),
        width="100%",
        max_width="820px",
        margin_x="auto",
        padding=["0.5em 0.75em 0.75em", "0.75em 1.25em 1.25em"],
    )


def chat_header() -> rx.Component:
    return rx.hstack(
        rx.icon_button(
            rx.icon("panel-left", size=16),
            on_click=ThreadsState.toggle_sidebar,
            variant="ghost",
            color_scheme="gray",
            display=["flex", "flex", "none"],
            aria_label="Show conversations",
        ),
        rx.heading(
            rx.cond(ChatState.thread_title != "", ChatState.thread_title, "New chat"),
            size="3",
            as_="h1",
            class_name="ticked-wrap",
            trim="both",
        ),
        rx.cond(ChatState.thread_archived, rx.badge("Archived", color_scheme="gray")),
        rx.spacer(),
        # On a phone the sidebar (and its New chat button) is folded away: one tap starts a chat.
        rx.icon_button(
            rx.icon("square-pen", size=16),
            on_click=ChatState.new_chat,
            variant="ghost",
            color_scheme="gray",
            display=["flex", "flex", "none"],
            aria_label="New chat",
            title="New chat",
            flex_shrink="0",
        ),
        align="center",
        spacing="2",
        padding="0.6em 1em",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        width="100%",
        min_height="48px",
    )


def chat_page() -> rx.Component:
    return app_layout(
        rx.hstack(
            rx.box(
                sidebar(),
                width="280px",
                flex_shrink="0",
                border_right=f"1px solid {rx.color('gray', 4)}",
                background=rx.color("gray", 2),
                display=["none", "none", "block"],
                height="100%",
            ),
            rx.cond(
                ThreadsState.sidebar_open,
                rx.box(
                    rx.box(
                        on_click=ThreadsState.toggle_sidebar,
                        position="fixed",
                        inset="0",
                        background="rgba(0,0,0,0.35)",
                        z_index="29",
                    ),
                    rx.box(
                        sidebar(),
                        position="fixed",
                        top="56px",
                        left="0",
                        bottom="0",
                        width="min(86vw, 320px)",
                        background=rx.color("gray", 2),
                        z_index="30",
                        box_shadow="var(--shadow-5)",
                    ),
                    display=["block", "block", "none"],
                ),
            ),
            rx.vstack(
                chat_header(),
                rx.cond(ChatState.messages.length() > 0, conversation(), empty_thread()),
                composer(),
                spacing="0",
                flex="1",
                min_width="0",
                height="100%",
            ),
            delete_dialog(),
            spacing="0",
            width="100%",
            height="calc(100dvh - 57px)",
        ),
    )
