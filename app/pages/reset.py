"""The password-reset page (``/reset?token=...``, issue 18): a new password from an admin's link."""

from __future__ import annotations

import reflex as rx

from app import routes
from app.components.alerts import error_callout
from app.components.layout import auth_card
from app.core.security import MIN_PASSWORD_LENGTH
from app.states.reset import ResetState


def _field(label: str, name: str, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=name, style={"font-size": "var(--font-size-2)", "font-weight": "500"}),
        rx.input(
            id=name,
            name=name,
            type="password",
            required=True,
            auto_complete="new-password",
            size="3",
            width="100%",
        ),
        rx.text(hint, size="1", color=rx.color("gray", 11)) if hint else rx.fragment(),
        spacing="1",
        width="100%",
    )


def reset_page() -> rx.Component:
    return auth_card(
        rx.heading("Set a new password", size="6", as_="h1"),
        rx.cond(
            ResetState.done,
            rx.vstack(
                rx.callout(
                    "Your password is set. Every other session of your account was signed out.",
                    icon="circle-check",
                    color_scheme="green",
                    role="status",
                    width="100%",
                ),
                rx.link("Sign in", href=routes.LOGIN, underline="always"),
                spacing="3",
                width="100%",
            ),
            rx.cond(
                ResetState.link_error != "",
                rx.vstack(
                    error_callout(ResetState.link_error, width="100%"),
                    rx.link("Go to sign in", href=routes.LOGIN, underline="always"),
                    spacing="3",
                    width="100%",
                ),
                rx.cond(
                    ResetState.email != "",
                    rx.vstack(
                        rx.text(
                            "For ",
                            rx.text.strong(ResetState.email),
                            ".",
                            size="2",
                            color=rx.color("gray", 11),
                        ),
                        error_callout(ResetState.error, width="100%"),
                        rx.form(
                            rx.vstack(
                                _field(
                                    "New password", "password", f"At least {MIN_PASSWORD_LENGTH} characters."
                                ),
                                _field("Repeat the new password", "confirm"),
                                rx.button(
                                    "Set password",
                                    type="submit",
                                    size="3",
                                    width="100%",
                                    loading=ResetState.busy,
                                ),
                                spacing="3",
                                width="100%",
                            ),
                            on_submit=ResetState.submit,
                            width="100%",
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    rx.center(rx.spinner(size="3"), aria_label="Loading", width="100%"),
                ),
            ),
        ),
    )
