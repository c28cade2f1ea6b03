"""Settings section "Access tokens" (issue 18): personal access tokens for scripts and MCP clients.

A landmark named by its heading, like the page's other sections. The list says of each token its
name, scope, first characters, when it was made, when it expires and when it was last used, with
a Revoke button that asks first (an ``alertdialog``: focus inside, Escape closes, focus back to
the list). The form below makes one; the new token then shows once, in a labelled read-only field
with a Copy button, until the person says they are done.
"""

from __future__ import annotations

import reflex as rx

from app.components.alerts import error_callout
from app.components.layout import section
from app.states.tokens import NEW_NAME_ID, SCOPE_HINTS, SECRET_ID, TokensState

_LABEL = {"font-size": "var(--font-size-2)", "font-weight": "500", "color": "var(--gray-12)"}


def _hint(text: str | rx.Var, hint_id: str = "") -> rx.Component:
    return rx.text(text, size="1", color=rx.color("gray", 11), id=hint_id or None)


def _new_secret() -> rx.Component:
    """The token just made: once, to copy."""
    return rx.cond(
        TokensState.new_secret != "",
        rx.box(
            rx.vstack(
                rx.text("Your new token ", rx.el.strong(TokensState.new_name), size="2", weight="medium"),
                rx.el.label("Token", html_for=SECRET_ID, style=_LABEL),
                rx.flex(
                    rx.input(
                        id=SECRET_ID,
                        value=TokensState.new_secret,
                        read_only=True,
                        size="3",
                        flex="1",
                        min_width="0",
                        spell_check=False,
                        auto_complete="off",
                        style={"font-family": "var(--code-font-family)"},
                        on_focus=rx.call_script(f"document.getElementById('{SECRET_ID}').select()"),
                        custom_attrs={"aria-describedby": "new-token-note"},
                    ),
                    rx.button(
                        rx.icon("copy", size=16),
                        "Copy",
                        type="button",
                        size="3",
                        on_click=TokensState.copy_secret,
                    ),
                    spacing="2",
                    width="100%",
                    direction=rx.breakpoints(initial="column", sm="row"),
                ),
                rx.text(
                    "Copy it now: it won't be shown again.",
                    id="new-token-note",
                    size="2",
                    weight="medium",
                    color=rx.color("amber", 11),
                ),
                rx.button(
                    "Done", type="button", variant="soft", size="2", on_click=TokensState.dismiss_secret
                ),
                spacing="2",
                width="100%",
            ),
            background=rx.color("green", 2),
            border=f"1px solid {rx.color('green', 6)}",
            border_radius="var(--radius-3)",
            padding="0.9em",
            width="100%",
        ),
    )


def _token_row(token: rx.Var, index: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.flex(
            rx.vstack(
                rx.flex(
                    rx.text(token["name"], size="2", weight="bold", class_name="ticked-wrap"),
                    rx.badge(token["scope"], variant="soft", color_scheme="gray", size="1"),
                    rx.cond(
                        token["status"] == "expired",
                        rx.badge("expired", variant="soft", color_scheme="red", size="1"),
                    ),
                    rx.code(token["prefix"], "…", size="1", variant="ghost"),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(
                    token["created"],
                    " · ",
                    token["expires"],
                    " · ",
                    token["last_used"],
                    size="1",
                    color=rx.color("gray", 11),
                ),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            rx.button(
                "Revoke",
                type="button",
                size="2",
                variant="soft",
                color_scheme="red",
                on_click=TokensState.ask_revoke(index),
                aria_label="Revoke token " + token["name"].to(str),
                custom_attrs={"data-token-revoke": ""},
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            align=rx.breakpoints(initial="start", sm="center"),
            spacing="3",
            width="100%",
        ),
        style={"padding": "0.75em 0", "border-bottom": "1px solid var(--gray-5)", "list-style": "none"},
    )


def _token_list() -> rx.Component:
    return rx.cond(
        TokensState.tokens.length() > 0,
        rx.el.ul(
            rx.foreach(TokensState.tokens, _token_row),
            aria_label="Your access tokens",
            style={"margin": "0", "padding": "0", "width": "100%"},
        ),
        rx.text("You have no access tokens.", size="2", color=rx.color("gray", 11)),
    )


def _select(field_id: str, value: rx.Var, on_change, options: rx.Component, hint_id: str) -> rx.Component:
    return rx.el.select(
        options,
        id=field_id,
        name=field_id.removeprefix("token-"),
        value=value,
        on_change=on_change,
        class_name="ticked-native-select",
        style={"min_width": "12em", "max_width": "100%"},
        custom_attrs={"aria-describedby": hint_id},
    )


def _create_form() -> rx.Component:
    scopes = rx.fragment(
        rx.el.option("Read", value="read"),
        rx.el.option("Write", value="write"),
        rx.cond(TokensState.can_admin, rx.el.option("Admin", value="admin")),
    )
    expiries = rx.foreach(TokensState.expiry_choices, lambda o: rx.el.option(o[1], value=o[0]))
    return rx.form(
        rx.vstack(
            rx.heading("New token", size="3", as_="h3"),
            rx.vstack(
                rx.el.label("Name", html_for=NEW_NAME_ID, style=_LABEL),
                rx.input(
                    id=NEW_NAME_ID,
                    name="name",
                    placeholder="e.g. laptop MCP client",
                    max_length=100,
                    size="3",
                    width="100%",
                    auto_complete="off",
                    custom_attrs={"aria-describedby": "token-name-hint"},
                ),
                _hint("What it is for, so you know which one to revoke later.", "token-name-hint"),
                spacing="1",
                width="100%",
                max_width="420px",
            ),
            rx.flex(
                rx.vstack(
                    rx.el.label("Scope", html_for="token-scope", style=_LABEL),
                    _select("token-scope", TokensState.scope, TokensState.set_scope, scopes, "scope-hint"),
                    _hint(
                        rx.match(
                            TokensState.scope,
                            ("write", SCOPE_HINTS["write"]),
                            ("admin", SCOPE_HINTS["admin"]),
                            SCOPE_HINTS["read"],
                        ),
                        "scope-hint",
                    ),
                    spacing="1",
                    flex="1",
                    min_width="0",
                ),
                rx.vstack(
                    rx.el.label("Expires after", html_for="token-expiry", style=_LABEL),
                    _select(
                        "token-expiry", TokensState.expiry, TokensState.set_expiry, expiries, "expiry-hint"
                    ),
                    _hint(
                        rx.cond(
                            TokensState.max_days > 0,
                            "This server allows tokens of at most " + TokensState.max_days.to(str) + " days.",
                            "You can revoke it any time.",
                        ),
                        "expiry-hint",
                    ),
                    spacing="1",
                    flex="1",
                    min_width="0",
                ),
                spacing="4",
                width="100%",
                direction=rx.breakpoints(initial="column", sm="row"),
            ),
            error_callout(TokensState.error, size="1", width="100%"),
            rx.button(
                rx.icon("key-round", size=16),
                "Create token",
                type="submit",
                size="3",
                loading=TokensState.busy,
                width=["100%", "auto"],
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=TokensState.create,
        width="100%",
    )


def _revoke_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Revoke this token?"),
            rx.dialog.description(
                "Scripts and apps using ",
                rx.el.strong(TokensState.revoke_name),
                " will stop working at once. This can't be undone.",
                size="2",
                color=rx.color("gray", 11),
            ),
            rx.flex(
                rx.button(
                    "Cancel",
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    on_click=TokensState.cancel_revoke,
                    disabled=TokensState.revoke_busy,
                ),
                rx.button(
                    "Revoke token",
                    type="button",
                    color_scheme="red",
                    high_contrast=True,  # white on red-9 is below AA contrast
                    loading=TokensState.revoke_busy,
                    on_click=TokensState.confirm_revoke,
                ),
                justify="end",
                spacing="3",
                wrap="wrap",
                margin_top="1em",
            ),
            max_width="440px",
            custom_attrs={"role": "alertdialog"},
        ),
        open=TokensState.revoke_name != "",
        on_open_change=TokensState.set_revoke_open,
    )


def tokens_section() -> rx.Component:
    return section(
        "Access tokens",
        "Let scripts and MCP clients act as you without your password. Send a token as "
        "'Authorization: Bearer <token>'; keep it secret like a password.",
        rx.box(on_mount=TokensState.load, display="none"),
        _new_secret(),
        rx.cond(
            TokensState.status != "",
            rx.text(
                rx.icon("check", size=14, display="inline", vertical_align="-2px"),
                " ",
                TokensState.status,
                size="1",
                color=rx.color("green", 11),
                role="status",
            ),
        ),
        rx.cond(
            TokensState.loaded,
            _token_list(),
            rx.center(rx.spinner(size="2"), width="100%", aria_label="Loading access tokens"),
        ),
        rx.separator(size="4"),
        _create_form(),
        _revoke_dialog(),
    )
