"""The admin console's users page (``/admin``, issue 18): everyone but an admin sees the missing page.

A table of the instance's people with search and paging, what each is (role, status, two-factor),
when they were last active and how many tasks and chats they have (counts, never content), and
per person a menu: disable or enable, make or remove admin, a password-reset link, reset two-factor,
delete (a dialog asking the admin's own password).
"""

from __future__ import annotations

import reflex as rx

from app import routes
from app.components.admin_nav import admin_tabs
from app.components.alerts import error_callout
from app.components.layout import app_layout
from app.components.not_found import not_found_view
from app.states.admin import AdminState

NARROW_ONLY = ["block", "block", "none"]
WIDE_ONLY = ["none", "none", "table-cell"]
"""Below 768 px the actions menu moves into the first column (the rest of the row scrolls)."""


def _cell(text: rx.Var | str, **props) -> rx.Component:
    return rx.table.cell(rx.text(text, size="2"), **props)


def _badge(text: rx.Var, on: rx.Var, on_color: str, off_color: str = "gray") -> rx.Component:
    return rx.badge(text, color_scheme=rx.cond(on, on_color, off_color), variant="soft", size="1")


def _actions(row: rx.Var) -> rx.Component:
    user_id = row["id"]
    active = row["active"] != ""
    admin = row["admin"] != ""
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(
                rx.icon("ellipsis", size=16),
                variant="ghost",
                color_scheme="gray",
                aria_label="Actions for " + row["email"],
                title="Actions",
            )
        ),
        rx.menu.content(
            rx.cond(
                active,
                rx.menu.item("Disable", on_click=AdminState.set_active(user_id, False)),
                rx.menu.item("Enable", on_click=AdminState.set_active(user_id, True)),
            ),
            rx.cond(
                admin,
                rx.menu.item("Remove admin", on_click=AdminState.set_admin(user_id, False)),
                rx.menu.item("Make admin", on_click=AdminState.set_admin(user_id, True)),
            ),
            rx.menu.item("Reset link", on_click=AdminState.reset_link(user_id)),
            rx.menu.item(
                "Reset two-factor",
                on_click=AdminState.reset_two_factor(user_id),
                disabled=row["two_factor_on"] == "",
            ),
            rx.menu.separator(),
            rx.menu.item("Delete…", color="red", on_click=AdminState.ask_delete(user_id)),
        ),
    )


def _user_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.hstack(
                rx.vstack(
                    rx.text(row["email"], size="2", weight="medium"),
                    rx.cond(row["name"] != "", rx.text(row["name"], size="1", color=rx.color("gray", 11))),
                    spacing="0",
                ),
                # On a phone the table scrolls sideways: the menu sits by the email, always in reach.
                rx.box(_actions(row), display=NARROW_ONLY),
                justify="between",
                align="center",
                spacing="2",
            ),
        ),
        rx.table.cell(_badge(row["role"], row["admin"] != "", "indigo")),
        rx.table.cell(_badge(row["status"], row["active"] != "", "green", "red")),
        _cell(row["last_active"], white_space="nowrap"),
        _cell(row["tasks"], text_align="right"),
        _cell(row["threads"], text_align="right"),
        rx.table.cell(_badge(row["two_factor"], row["two_factor_on"] != "", "green")),
        rx.table.cell(_actions(row), display=WIDE_ONLY),
        align="center",
    )


def _head(text: str, **props) -> rx.Component:
    return rx.table.column_header_cell(text, white_space="nowrap", **props)


def users_table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    _head("Email / Name"),
                    _head("Role"),
                    _head("Status"),
                    _head("Last active"),
                    _head("Tasks", text_align="right"),
                    _head("Chats", text_align="right"),
                    _head("2FA"),
                    rx.table.column_header_cell("Actions", display=WIDE_ONLY),
                )
            ),
            rx.table.body(rx.foreach(AdminState.rows, _user_row)),
            variant="surface",
            size="2",
            width="100%",
        ),
        width="100%",
        overflow_x="auto",
    )


def _toolbar() -> rx.Component:
    return rx.flex(
        rx.form(
            rx.hstack(
                rx.input(
                    name="q",
                    placeholder="Search email or name",
                    default_value=AdminState.query,
                    aria_label="Search email or name",
                    type="search",
                    width="100%",
                    max_width="320px",
                ),
                rx.button("Search", type="submit", variant="soft"),
                spacing="2",
                width="100%",
            ),
            on_submit=AdminState.search,
            flex="1",
            min_width="240px",
        ),
        rx.select.root(
            rx.select.trigger(aria_label="Sort"),
            rx.select.content(
                rx.select.item("Newest first", value="newest"),
                rx.select.item("By email", value="email"),
            ),
            value=AdminState.sort,
            on_change=AdminState.set_sort,
        ),
        spacing="3",
        wrap="wrap",
        align="center",
        width="100%",
    )


def _pager() -> rx.Component:
    shown = AdminState.rows.length()
    return rx.hstack(
        rx.text(
            rx.cond(
                AdminState.total == 0,
                "No one matches.",
                (AdminState.offset + 1).to_string()
                + "–"
                + (AdminState.offset + shown).to_string()
                + " of "
                + AdminState.total.to_string(),
            ),
            size="2",
            color=rx.color("gray", 11),
        ),
        rx.spacer(),
        rx.button(
            "Previous",
            variant="soft",
            color_scheme="gray",
            disabled=~AdminState.has_previous,
            on_click=AdminState.previous_page,
        ),
        rx.button(
            "Next",
            variant="soft",
            color_scheme="gray",
            disabled=~AdminState.has_next,
            on_click=AdminState.next_page,
        ),
        align="center",
        width="100%",
        spacing="2",
    )


def _delete_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Delete " + AdminState.dialog_email + "?"),
            rx.dialog.description(
                "Their account and everything they own go for good; shared projects stay with their "
                "other members. Enter your own password to confirm.",
                size="2",
                color=rx.color("gray", 11),
            ),
            rx.form(
                rx.vstack(
                    rx.el.label(
                        "Your password",
                        html_for="admin-delete-password",
                        style={"font-size": "var(--font-size-2)", "font-weight": "500"},
                    ),
                    rx.input(
                        id="admin-delete-password",
                        name="password",
                        type="password",
                        auto_complete="current-password",
                        width="100%",
                    ),
                    error_callout(AdminState.dialog_error, size="1", width="100%"),
                    rx.flex(
                        rx.button(
                            "Cancel",
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            on_click=AdminState.close_dialog,
                            disabled=AdminState.dialog_busy,
                        ),
                        rx.button(
                            "Delete", type="submit", color_scheme="red", loading=AdminState.dialog_busy
                        ),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=AdminState.delete,
                reset_on_submit=True,
                margin_top="1em",
                width="100%",
            ),
            max_width="440px",
            custom_attrs={"role": "alertdialog"},
        ),
        open=AdminState.dialog == "delete",
        on_open_change=AdminState.set_dialog_open,
    )


def _link_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Reset link for " + AdminState.dialog_email),
            rx.dialog.description(AdminState.link_note, size="2", color=rx.color("gray", 11)),
            rx.cond(
                AdminState.link_url != "",
                rx.vstack(
                    rx.input(
                        value=AdminState.link_url,
                        read_only=True,
                        aria_label="Reset link",
                        id="admin-reset-link",
                        width="100%",
                    ),
                    rx.button(
                        rx.icon("copy", size=14),
                        "Copy",
                        variant="soft",
                        on_click=[rx.set_clipboard(AdminState.link_url), rx.toast.success("Link copied.")],
                    ),
                    spacing="2",
                    margin_top="1em",
                    width="100%",
                ),
            ),
            rx.flex(
                rx.button("Done", variant="soft", color_scheme="gray", on_click=AdminState.close_dialog),
                justify="end",
                margin_top="1em",
            ),
            max_width="520px",
        ),
        open=AdminState.dialog == "link",
        on_open_change=AdminState.set_dialog_open,
    )


def console() -> rx.Component:
    return app_layout(
        rx.vstack(
            rx.vstack(
                rx.heading("Admin", size="7", as_="h1"),
                rx.text(
                    "The people of this Ticked and what they may do.", size="2", color=rx.color("gray", 11)
                ),
                spacing="1",
            ),
            admin_tabs(routes.ADMIN),
            rx.el.section(
                rx.vstack(
                    rx.heading("Users", size="4", as_="h2", id="admin-users-title"),
                    _toolbar(),
                    error_callout(AdminState.error, width="100%"),
                    users_table(),
                    _pager(),
                    spacing="3",
                    width="100%",
                ),
                aria_labelledby="admin-users-title",
                width="100%",
            ),
            _delete_dialog(),
            _link_dialog(),
            spacing="5",
            width="100%",
            max_width="1100px",
            margin_x="auto",
            padding=["1em", "1.5em"],
        )
    )


def admin_page() -> rx.Component:
    """The console for an admin; the missing page for anyone else; a spinner while that is asked."""
    return rx.cond(
        AdminState.allowed,
        console(),
        rx.cond(
            AdminState.checked,
            not_found_view(),
            rx.center(rx.spinner(size="3"), height="60vh", aria_label="Loading"),
        ),
    )
