"""The frame every signed-in page lives in: header, navigation, the notification bell, user menu,
colour mode.

The landmarks are real elements (``rx.el.header``, ``rx.el.nav``, ``rx.el.main``): Reflex's ``as_``
on a box or stack is not the element's tag (it ends up in its CSS), so they used to render as
plain divs that screen readers could not jump between.
"""

from __future__ import annotations

import reflex as rx

from app import routes
from app.components.bell import bell
from app.components.projects import visually_hidden
from app.states.auth import AuthState
from app.states.notifications import NotificationsState


def brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon("circle-check-big", size=22, color=rx.color("accent", 10)),
            rx.text("Ticked", weight="bold", size="5", color=rx.color("gray", 12)),
            align="center",
            spacing="2",
        ),
        href=routes.CHAT,
        underline="none",
        aria_label="Ticked home",
    )


def nav_link(label: str, href: str, icon: str, count: rx.Var[int] | None = None) -> rx.Component:
    """A header link; on phones only its icon shows (the label stays in its name, visually hidden).

    ``count`` (the tasks due today) shows beside the label when above zero and is read with it:
    "Tasks, 3 due today" (the visible "Tasks 3" stays inside the name, as axe's label-in-name asks).
    """
    path = rx.State.router.page.path
    active = (path == href) | (path == "/index") if href == routes.CHAT else path == href
    badge: rx.Component = rx.fragment()
    if count is not None:
        badge = rx.cond(
            count > 0,
            rx.badge(
                visually_hidden(", "),
                rx.cond(count > 99, "99+", count.to_string()),
                visually_hidden(" due today"),
                size="1",
                radius="full",
                variant="soft",
            ),
        )
    return rx.link(
        rx.hstack(
            rx.icon(icon, size=16, aria_hidden="true"),
            rx.text(label, size="2", weight="medium", class_name="ticked-nav-label"),
            badge,
            spacing="1",
            align="center",
        ),
        href=href,
        title=label,
        underline="none",
        padding_x="0.6em",
        padding_y="0.35em",
        border_radius="var(--radius-3)",
        color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 11)),
        background=rx.cond(active, rx.color("accent", 3), "transparent"),
        _hover={"background": rx.color("gray", 3)},
        aria_current=rx.cond(active, "page", "false"),
    )


def color_mode_button() -> rx.Component:
    return rx.icon_button(
        rx.color_mode_cond(light=rx.icon("moon", size=16), dark=rx.icon("sun", size=16)),
        on_click=rx.toggle_color_mode,
        variant="ghost",
        color_scheme="gray",
        aria_label="Toggle dark mode",
        title="Toggle dark mode",
    )


def header() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            brand(),
            rx.el.nav(
                rx.hstack(
                    nav_link("Chat", routes.CHAT, "message-circle"),
                    nav_link("Tasks", routes.TASKS, "list-checks", NotificationsState.today),
                    nav_link("Settings", routes.SETTINGS, "settings"),
                    rx.cond(AuthState.is_admin, nav_link("Admin", routes.ADMIN, "shield")),
                    spacing="1",
                ),
                aria_label="Main",
            ),
            rx.spacer(),
            rx.text(
                AuthState.user_email,
                size="2",
                color=rx.color("gray", 11),
                display=["none", "none", "block"],
                max_width="16em",
                overflow="hidden",
                text_overflow="ellipsis",
                white_space="nowrap",
            ),
            rx.cond(AuthState.signed_in, bell()),
            color_mode_button(),
            rx.button(
                rx.icon("log-out", size=14),
                rx.text("Sign out", display=["none", "inline"]),
                on_click=AuthState.sign_out,
                variant="soft",
                color_scheme="gray",
                size="2",
                aria_label="Sign out",
            ),
            align="center",
            spacing=rx.breakpoints(initial="2", sm="3"),  # 390 px holds four links, bell, mode, sign-out
            width="100%",
            max_width="1200px",
            margin_x="auto",
            padding_x=["0.75em", "1.25em"],
            height="56px",
        ),
        position="sticky",
        top="0",
        z_index="10",
        background=rx.color("gray", 1),
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        width="100%",
    )


def app_layout(*children: rx.Component, **props) -> rx.Component:
    """A signed-in page; nothing of it shows until the sign-in check has passed."""
    return rx.box(
        header(),
        rx.cond(
            AuthState.signed_in,
            rx.el.main(*children, width="100%", **props),
            rx.center(rx.spinner(size="3"), height="60vh", aria_label="Loading"),
        ),
        min_height="100vh",
        background=rx.color("gray", 1),
    )


def auth_card(*children: rx.Component) -> rx.Component:
    """A centred card for the sign-in and sign-up forms."""
    return rx.center(
        rx.el.main(
            rx.vstack(
                rx.hstack(brand(), color_mode_button(), justify="between", width="100%", align="center"),
                rx.card(rx.vstack(*children, spacing="4", width="100%"), size="3", width="100%"),
                spacing="4",
                width="100%",
            ),
            width="100%",
            max_width="420px",
        ),
        min_height="100vh",
        padding="1em",
        background=rx.color("gray", 2),
    )


def section(title: str, description: str, *children: rx.Component) -> rx.Component:
    """A titled card; a landmark (``region``) named by its title."""
    slug = title.lower().replace(" ", "-")
    return rx.el.section(
        rx.card(
            rx.vstack(
                rx.vstack(
                    rx.heading(title, size="4", as_="h2", id=f"{slug}-title"),
                    rx.text(description, size="2", color=rx.color("gray", 11)),
                    spacing="1",
                    width="100%",
                ),
                *children,
                spacing="4",
                width="100%",
            ),
            size="3",
            width="100%",
        ),
        aria_labelledby=f"{slug}-title",
        width="100%",
    )
