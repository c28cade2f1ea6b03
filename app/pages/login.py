"""Sign-in and sign-up pages."""

from __future__ import annotations

import reflex as rx

from app import routes
from app.components.alerts import error_callout
from app.components.layout import auth_card
from app.services.signup import CLOSED, INVITE_ONLY
from app.states.auth import ZONE_SCRIPT, AuthState


def _field(
    label: str,
    name: str,
    *,
    type_: str = "text",
    autocomplete: str = "",
    required: bool = True,
    hint: str = "",
) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=name, style={"font-size": "var(--font-size-2)", "font-weight": "500"}),
        rx.input(
            id=name,
            name=name,
            type=type_,
            required=required,
            auto_complete=autocomplete,
            size="3",
            width="100%",
        ),
        rx.cond(hint != "", rx.text(hint, size="1", color=rx.color("gray", 11))),
        spacing="1",
        width="100%",
    )


def _detect_zone():
    """Ask the browser its time zone as the form shows: sign-up stores it, sign-in may (AuthState)."""
    return rx.call_script(ZONE_SCRIPT, callback=AuthState.set_browser_zone)


def _error() -> rx.Component:
    return error_callout(AuthState.auth_error, width="100%")


def login_page() -> rx.Component:
    return auth_card(
        rx.heading("Sign in", size="6", as_="h1"),
        rx.text("Welcome back. Your tasks and chats are waiting.", color=rx.color("gray", 11), size="2"),
        _error(),
        rx.form(
            rx.vstack(
                _field("Email", "email", type_="email", autocomplete="username"),
                _field("Password", "password", type_="password", autocomplete="current-password"),
                rx.button("Sign in", type="submit", size="3", width="100%"),
                spacing="3",
                width="100%",
            ),
            on_submit=AuthState.sign_in,
            on_mount=_detect_zone(),
            width="100%",
        ),
        rx.cond(
            AuthState.signup_policy != "closed",
            rx.text(
                "New to Ticked? ",
                rx.link("Create an account", href=routes.SIGNUP, underline="always"),
                size="2",
            ),
        ),
    )


def _policy_note() -> rx.Component:
    """What the policy asks of this visitor: an invitation, or that they signed in with one."""
    return rx.cond(
        AuthState.signup_policy == "invite",
        rx.cond(
            AuthState.has_invite,
            rx.callout(
                "You were invited: create your account below.",
                icon="mail-check",
                color_scheme="green",
                size="1",
                width="100%",
            ),
            rx.callout(INVITE_ONLY, icon="info", color_scheme="blue", size="1", width="100%"),
        ),
    )


def _closed() -> rx.Component:
    return auth_card(
        rx.heading("Sign-up is closed", size="6", as_="h1"),
        rx.callout(CLOSED, icon="lock", color_scheme="gray", width="100%"),
        rx.text(
            "Already have an account? ", rx.link("Sign in", href=routes.LOGIN, underline="always"), size="2"
        ),
    )


def signup_page() -> rx.Component:
    return rx.cond(AuthState.signup_policy == "closed", _closed(), _signup_form())


def _signup_form() -> rx.Component:
    return auth_card(
        rx.heading("Create your account", size="6", as_="h1"),
        rx.text("Plan your day by typing it. It takes ten seconds.", color=rx.color("gray", 11), size="2"),
        _policy_note(),
        _error(),
        rx.form(
            rx.vstack(
                _field("Name (optional)", "name", autocomplete="name", required=False),
                _field("Email", "email", type_="email", autocomplete="username"),
                _field(
                    "Password",
                    "password",
                    type_="password",
                    autocomplete="new-password",
                    hint="At least 8 characters.",
                ),
                rx.button("Create account", type="submit", size="3", width="100%"),
                spacing="3",
                width="100%",
            ),
            on_submit=AuthState.sign_up,
            on_mount=_detect_zone(),
            width="100%",
        ),
        rx.text(
            "Already have an account? ", rx.link("Sign in", href=routes.LOGIN, underline="always"), size="2"
        ),
    )
