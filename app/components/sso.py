"""The sign-in page's single sign-on parts (issue 18): the provider's button and, with SSO only,
the password form folded away behind a link for administrators (their way back in)."""

from __future__ import annotations

import reflex as rx

from app.components.alerts import error_callout
from app.states.sso import SsoState


def _divider() -> rx.Component:
    line = rx.box(height="1px", background=rx.color("gray", 6), flex="1")
    return rx.hstack(
        line,
        rx.text("or with your password", size="1", color=rx.color("gray", 11)),
        line,
        align="center",
        width="100%",
        spacing="3",
    )


def sso_options() -> rx.Component:
    """A refused single sign-on's reason, and the "Sign in with ..." button when SSO is set up."""
    return rx.fragment(
        error_callout(SsoState.sso_error, width="100%"),
        rx.cond(
            SsoState.sso_label != "",
            rx.vstack(
                rx.button(
                    rx.el.a(
                        rx.icon("key-round", size=18, aria_hidden="true"),
                        SsoState.sso_label,
                        href=SsoState.sso_href,
                        id="sso-sign-in",
                        # A full page load: the address is the server's (a redirect to the
                        # provider), not one of the app's pages for the client-side router.
                        custom_attrs={"reloadDocument": True},
                    ),
                    as_child=True,
                    size="3",
                    width="100%",
                    variant=rx.cond(SsoState.sso_only, "solid", "surface"),
                ),
                rx.cond(
                    SsoState.sso_only,
                    rx.text(
                        "This server signs people in through single sign-on.",
                        size="2",
                        color=rx.color("gray", 11),
                    ),
                    _divider(),
                ),
                spacing="3",
                width="100%",
            ),
        ),
    )


def password_form(form: rx.Component) -> rx.Component:
    """The password form; with SSO only, shown after "Administrators: sign in with a password"."""
    return rx.cond(
        ~SsoState.sso_only | SsoState.show_password,
        form,
        rx.button(
            "Administrators: sign in with a password",
            variant="ghost",
            size="2",
            on_click=SsoState.reveal_password,
            align_self="start",
        ),
    )
