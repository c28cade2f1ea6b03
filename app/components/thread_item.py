"""A conversation in the sidebar: select, rename inline, archive, delete (with confirmation).

A change is followed by ``ChatState.follow_sidebar``, which shows its error and applies it to the
open conversation when it was that one (the sidebar's state does not know the chat's).
"""

from __future__ import annotations

import reflex as rx

from app.states.chat import ChatState
from app.states.threads import ThreadsState
from app.views.chat import ThreadView


def delete_dialog() -> rx.Component:
    """One confirmation dialog for the page, opened by a thread's Delete menu item.

    A Radix dialog (``rx.dialog``, named an ``alertdialog`` for screen readers): it takes focus
    (Cancel, the safe choice, first), keeps Tab inside, closes on Escape and on a click outside,
    and focus goes back to the menu button that opened it (``ThreadsState``: Radix gives it back
    only to a dialog's own trigger). Radix's alert dialog ignores clicks outside by design, and this
    one, opened from a menu without a close handler, ignored Escape.
    """
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Delete this conversation?"),
            rx.dialog.description(
                "“",
                # Isolated: a right-to-left override in the title must not reverse the sentence around it.
                rx.el.bdi(ThreadsState.confirm_delete_title),
                "” and all its messages will be deleted. Tasks stay as they are.",
                class_name="ticked-wrap",
            ),
            rx.hstack(
                rx.button(
                    "Cancel",
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    on_click=ThreadsState.cancel_delete,
                ),
                rx.button(
                    "Delete",
                    type="button",
                    color_scheme="red",
                    on_click=[ThreadsState.confirm_delete, ChatState.follow_sidebar],
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="420px",
            custom_attrs={"role": "alertdialog"},
        ),
        open=ThreadsState.confirm_delete_id != "",
        on_open_change=ThreadsState.set_delete_open,
    )


def thread_menu(thread: ThreadView) -> rx.Component:
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.icon_button(
                rx.icon("ellipsis", size=14),
                variant="ghost",
                color_scheme="gray",
                size="1",
                aria_label="Options for " + thread.title,
                # Where focus goes back when the delete dialog it opened closes (app.states.threads).
                custom_attrs={"data-thread-options": thread.id},
            ),
        ),
        rx.dropdown_menu.content(
            rx.dropdown_menu.item(
                rx.icon("pencil", size=14), "Rename", on_click=ThreadsState.start_rename(thread.id)
            ),
            rx.cond(
                thread.archived,
                rx.dropdown_menu.item(
                    rx.icon("archive-restore", size=14),
                    "Unarchive",
                    on_click=[ThreadsState.set_archived(thread.id, False), ChatState.follow_sidebar],
                ),
                rx.dropdown_menu.item(
                    rx.icon("archive", size=14),
                    "Archive",
                    on_click=[ThreadsState.set_archived(thread.id, True), ChatState.follow_sidebar],
                ),
            ),
            rx.dropdown_menu.separator(),
            rx.dropdown_menu.item(
                rx.icon("trash-2", size=14),
                "Delete",
                color="red",
                on_click=ThreadsState.ask_delete(thread.id),
            ),
        ),
    )


def thread_item(thread: ThreadView) -> rx.Component:
    active = ChatState.thread_id == thread.id
    return rx.box(
        rx.cond(
            thread.first_in_group & ~ThreadsState.show_archived,
            rx.text(
                thread.group,
                size="1",
                weight="medium",
                color=rx.color("gray", 11),
                padding="0.9em 0.5em 0.3em",
            ),
        ),
        rx.cond(
            ThreadsState.renaming_id == thread.id,
            rx.input(
                value=ThreadsState.rename_text,
                on_change=ThreadsState.set_rename_text,
                on_key_down=[ThreadsState.rename_key, ChatState.follow_sidebar],
                on_blur=ThreadsState.cancel_rename,
                auto_focus=True,
                aria_label="Conversation title",
                size="2",
                max_length=200,
            ),
            rx.hstack(
                rx.el.button(
                    thread.title,
                    id="thread-" + thread.id,  # app.states.threads.thread_button_id: focus returns here
                    on_click=ChatState.select_thread(thread.id),
                    aria_current=rx.cond(active, "page", "false"),
                    title=thread.title,
                    dir="auto",
                    class_name="ticked-thread-button",
                ),
                thread_menu(thread),
                align="center",
                spacing="1",
                padding_right="0.25em",
                border_radius="var(--radius-3)",
                background=rx.cond(active, rx.color("accent", 4), "transparent"),
                _hover={"background": rx.cond(active, rx.color("accent", 4), rx.color("gray", 3))},
            ),
        ),
        role="listitem",
    )
