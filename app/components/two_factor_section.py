"""Settings section "Two-factor sign-in" (issue 18); the page's anchor ``#two-factor`` lands here.

Off: "Turn on" shows the QR code (its alt text carries the key, which also shows as text in groups
of four, for typing by hand) and a code field. On: recovery codes left, "New recovery codes" and
"Turn off", each confirmed in a dialog. New recovery codes show once, as a list to copy or download.
"""

from __future__ import annotations

import reflex as rx

from app.components.alerts import error_callout
from app.components.layout import section
from app.states.two_factor import TwoFactorState

ANCHOR = "two-factor"
SETUP_BANNER = "Your admin requires two-factor sign-in: set it up to continue."


def _label(text: str, html_for: str) -> rx.Component:
    return rx.el.label(
        text, html_for=html_for, style={"font-size": "var(--font-size-2)", "font-weight": "500"}
    )


def _done(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="circle-check", color_scheme="green", role="status", size="1", width="100%"),
    )


def _code_input(field_id: str) -> rx.Component:
    return rx.input(
        id=field_id,
        name="code",
        auto_complete="one-time-code",
        input_mode="numeric",
        placeholder="123456",
        max_length=32,
        spell_check=False,
        size="3",
        width="10em",
        style={"letter-spacing": "0.15em", "font-family": "var(--code-font-family)"},
    )


def _enrol() -> rx.Component:
    return rx.vstack(
        rx.text(
            "1. Scan this QR code with an authenticator app (like Google Authenticator, Microsoft "
            "Authenticator, 1Password, Bitwarden or Aegis).",
            size="2",
        ),
        rx.image(
            src=TwoFactorState.qr,
            alt="QR code for your authenticator app. To add Ticked by hand, enter the key "
            + TwoFactorState.secret,
            width="184px",
            height="184px",
            style={"border-radius": "var(--radius-2)", "background": "white"},
        ),
        rx.text("Can't scan it? Enter this key in the app by hand:", size="2", color=rx.color("gray", 11)),
        rx.code(TwoFactorState.secret, id="two-factor-secret", size="3", style={"word-break": "break-word"}),
        rx.form(
            rx.vstack(
                _label("2. Enter the 6-digit code the app shows", "two-factor-code"),
                rx.flex(
                    _code_input("two-factor-code"),
                    rx.button("Confirm", type="submit", size="3", loading=TwoFactorState.busy),
                    rx.button(
                        "Cancel",
                        type="button",
                        size="3",
                        variant="soft",
                        color_scheme="gray",
                        on_click=TwoFactorState.cancel,
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=TwoFactorState.confirm,
            reset_on_submit=True,
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _codes() -> rx.Component:
    return rx.cond(
        TwoFactorState.codes.length() > 0,  # type: ignore[attr-defined]
        rx.vstack(
            rx.heading("Your recovery codes", size="3", as_="h3"),
            rx.text(
                "If you lose your phone, each of these signs you in once instead of a code. Keep them "
                "somewhere safe, like a password manager. They are shown only now.",
                size="2",
                color=rx.color("gray", 11),
            ),
            rx.el.ul(
                rx.foreach(
                    TwoFactorState.codes,
                    lambda c: rx.el.li(rx.code(c, size="3", variant="ghost")),
                ),
                id="recovery-codes",
                aria_label="Recovery codes",
                tab_index=-1,
                style={
                    "display": "grid",
                    "grid-template-columns": "repeat(auto-fill, minmax(8.5em, 1fr))",
                    "gap": "0.4em 1em",
                    "list-style": "none",
                    "padding": "0.75em 1em",
                    "margin": "0",
                    "width": "100%",
                    "border": "1px solid var(--gray-6)",
                    "border-radius": "var(--radius-3)",
                    "background": "var(--gray-2)",
                },
            ),
            rx.flex(
                rx.button(
                    rx.icon("copy", size=16), "Copy", variant="soft", on_click=TwoFactorState.copy_codes
                ),
                rx.button(
                    rx.icon("download", size=16),
                    "Download .txt",
                    variant="soft",
                    on_click=TwoFactorState.download_codes,
                ),
                rx.button("I saved them", on_click=TwoFactorState.saved_codes),
                spacing="2",
                wrap="wrap",
            ),
            spacing="3",
            width="100%",
        ),
    )


def _dialog(
    kind: str, title: str, description: str, field: rx.Component, confirm: str, on_submit, color: str
):
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title),
            rx.dialog.description(description, size="2", color=rx.color("gray", 11)),
            rx.form(
                rx.vstack(
                    field,
                    error_callout(TwoFactorState.dialog_error, size="1", width="100%"),
                    rx.flex(
                        rx.button(
                            "Cancel",
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            on_click=TwoFactorState.close_dialog,
                            disabled=TwoFactorState.busy,
                        ),
                        rx.button(confirm, type="submit", color_scheme=color, loading=TwoFactorState.busy),
                        justify="end",
                        spacing="3",
                        wrap="wrap",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=on_submit,
                margin_top="1em",
                width="100%",
            ),
            max_width="440px",
        ),
        open=TwoFactorState.dialog == kind,
        on_open_change=TwoFactorState.set_dialog_open,
    )


def _turned_on() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.badge(rx.icon("shield-check", size=14), "On", color_scheme="green", size="2"),
            rx.text(
                "Sign-in asks for a code from your app after your password. ",
                TwoFactorState.recovery_left,
                " recovery codes left.",
                size="2",
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.flex(
            rx.button(
                "New recovery codes",
                variant="soft",
                size="2",
                on_click=TwoFactorState.open_dialog("regenerate"),
            ),
            rx.button(
                "Turn off",
                variant="soft",
                color_scheme="red",
                size="2",
                on_click=TwoFactorState.open_dialog("disable"),
            ),
            spacing="2",
            wrap="wrap",
        ),
        _dialog(
            "regenerate",
            "New recovery codes?",
            "Your old recovery codes stop working. Enter a code from your authenticator app to confirm.",
            rx.vstack(
                _label("Code from your app", "regenerate-code"), _code_input("regenerate-code"), spacing="1"
            ),
            "Make new codes",
            TwoFactorState.regenerate,
            "blue",
        ),
        _dialog(
            "disable",
            "Turn off two-factor sign-in?",
            "Signing in will ask only for your password, and your recovery codes stop working. "
            "Enter your password to confirm.",
            rx.vstack(
                _label("Your password", "two-factor-off-password"),
                rx.input(
                    id="two-factor-off-password",
                    name="password",
                    type="password",
                    auto_complete="current-password",
                    max_length=128,
                    size="3",
                    width="100%",
                ),
                spacing="1",
                width="100%",
            ),
            "Turn off",
            TwoFactorState.turn_off,
            "red",
        ),
        spacing="3",
        width="100%",
    )


def _turned_off() -> rx.Component:
    return rx.cond(
        TwoFactorState.enrolling,
        _enrol(),
        rx.flex(
            rx.text("Two-factor sign-in is off.", size="2"),
            rx.button("Turn on", size="2", on_click=TwoFactorState.start),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
    )


def two_factor_section() -> rx.Component:
    return rx.box(
        section(
            "Two-factor sign-in",
            "After your password, sign-in also asks for a code from an authenticator app on your phone.",
            rx.box(on_mount=TwoFactorState.load, display="none"),
            rx.cond(
                TwoFactorState.required & ~TwoFactorState.enabled,
                rx.callout(
                    SETUP_BANNER, icon="shield-alert", color_scheme="amber", role="alert", width="100%"
                ),
            ),
            rx.cond(
                TwoFactorState.loaded,
                rx.cond(TwoFactorState.enabled, _turned_on(), _turned_off()),
            ),
            _codes(),
            error_callout(TwoFactorState.error, size="1", width="100%"),
            _done(TwoFactorState.status),
        ),
        id=ANCHOR,
        width="100%",
        style={"scroll-margin-top": "5em"},
    )
