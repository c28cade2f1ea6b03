"""Settings section "Sessions" (issue 18): the devices signed in to this account, each with a
"Sign out", and "Sign out everywhere else"."""

from __future__ import annotations

import reflex as rx

from app.components.alerts import error_callout
from app.components.layout import section
from app.states.sessions import SessionsState


def _row(item: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.icon("monitor-smartphone", size=16, color=rx.color("gray", 11)),
                    rx.text(item["device"], size="2", weight="medium"),
                    rx.cond(item["current"], rx.badge("This device", color_scheme="green", size="1")),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.text("From ", item["ip"], size="1", color=rx.color("gray", 11)),
                rx.text(
                    "Signed in ",
                    item["signed_in"],
                    " · last seen ",
                    item["last_seen"],
                    size="1",
                    color=rx.color("gray", 11),
                ),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            rx.cond(
                item["current"],
                rx.fragment(),
                rx.button(
                    "Sign out",
                    size="2",
                    variant="soft",
                    color_scheme="red",
                    on_click=SessionsState.sign_out_session(item["id"]),
                    aria_label="Sign out "
                    + item["device"].to(str)
                    + ", signed in "
                    + item["signed_in"].to(str),
                ),
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            align=rx.breakpoints(initial="start", sm="center"),
            spacing="3",
            width="100%",
        ),
        style={"padding": "0.75em 0", "border-bottom": "1px solid var(--gray-4)"},
    )


def sessions_section() -> rx.Component:
    return section(
        "Sessions",
        "Where your account is signed in. Sign out a device you don't recognise or no longer use.",
        rx.box(on_mount=SessionsState.load, display="none"),
        rx.el.ul(
            rx.foreach(SessionsState.sessions, _row),
            aria_label="Your sessions",
            style={"list-style": "none", "padding": "0", "margin": "0", "width": "100%"},
        ),
        rx.cond(
            SessionsState.sessions.length() > 1,  # type: ignore[attr-defined]
            rx.button(
                "Sign out everywhere else",
                size="2",
                variant="soft",
                color_scheme="red",
                on_click=SessionsState.sign_out_others,
                width=rx.breakpoints(initial="100%", sm="auto"),
            ),
            rx.text("You are signed in only here.", size="2", color=rx.color("gray", 11)),
        ),
        error_callout(SessionsState.error, size="1", width="100%"),
        rx.cond(
            SessionsState.status != "",
            rx.callout(
                SessionsState.status,
                icon="circle-check",
                color_scheme="green",
                role="status",
                size="1",
                width="100%",
            ),
        ),
    )
