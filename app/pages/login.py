"""Sign-in and sign-up pages."""

from __future__ import annotations

import reflex as rx

from app import routes
from app.components.alerts import error_callout
from app.components.layout import auth_card
from app.components.sso import password_form, sso_options
from app.services.signup import CLOSED, INVITE_ONLY
from app.states.auth import ZONE_SCRIPT, AuthState
from app.states.sso import SsoState


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


def _second_step() -> rx.Component:
    """The two-factor code after a right password: the app's 6 digits, or a recovery code."""
    return rx.fragment(
        rx.heading("Two-factor code", size="6", as_="h1"),
        rx.text(
            rx.cond(
                AuthState.use_recovery,
                "Enter one of the recovery codes you saved when you turned on two-factor sign-in. "
                "Each works once.",
                "Enter the 6-digit code from your authenticator app.",
            ),
            color=rx.color("gray", 11),
            size="2",
        ),
        _error(),
        rx.form(
            rx.vstack(
                rx.vstack(
                    rx.el.label(
                        rx.cond(AuthState.use_recovery, "Recovery code", "Code from your app"),
                        html_for="otp",
                        style={"font-size": "var(--font-size-2)", "font-weight": "500"},
                    ),
                    rx.input(
                        id="otp",
                        name="code",
                        required=True,
                        auto_complete="one-time-code",
                        input_mode=rx.cond(AuthState.use_recovery, "text", "numeric"),
                        placeholder=rx.cond(AuthState.use_recovery, "xxxx-xxxx", "123456"),
                        max_length=32,
                        spell_check=False,
                        size="3",
                        width="100%",
                        style={"letter-spacing": "0.15em", "font-family": "var(--code-font-family)"},
                    ),
                    spacing="1",
                    width="100%",
                ),
                rx.button("Verify", type="submit", size="3", width="100%"),
                spacing="3",
                width="100%",
            ),
            on_submit=AuthState.verify_code,
            reset_on_submit=True,
            width="100%",
        ),
        rx.flex(
            rx.button(
                rx.cond(AuthState.use_recovery, "Use a code from your app", "Use a recovery code"),
                type="button",
                variant="ghost",
                size="2",
                on_click=AuthState.toggle_recovery,
            ),
            rx.button(
                "Back",
                type="button",
                variant="ghost",
                color_scheme="gray",
                size="2",
                on_click=AuthState.back_to_password,
            ),
            justify="between",
            wrap="wrap",
            gap="2",
            width="100%",
        ),
    )


def login_page() -> rx.Component:
    return auth_card(rx.cond(AuthState.second_step, _second_step(), _password_step()))


def _password_step() -> rx.Component:
    return rx.fragment(
        rx.heading("Sign in", size="6", as_="h1"),
        rx.text("Welcome back. Your tasks and chats are waiting.", color=rx.color("gray", 11), size="2"),
        _error(),
        sso_options(),
        password_form(
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
        ),
        rx.cond(
            ~SsoState.sso_only & (AuthState.signup_policy != "closed"),
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


def sso_page() -> rx.Component:
    """Where single sign-on lands: ``SsoState.redeem`` (on load) signs this browser in and moves on."""
    return auth_card(
        rx.heading("Signing you in", size="6", as_="h1"),
        rx.hstack(
            rx.spinner(size="2"),
            rx.text("Finishing single sign-on…", color=rx.color("gray", 11), size="2"),
            align="center",
            spacing="2",
        ),
    )
