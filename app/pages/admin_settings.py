"""The admin console's settings page (``/admin/settings``, issue 18): who may sign up, invitation
links, security and retention. Anyone but an admin sees the missing page, nothing else."""

from __future__ import annotations

import reflex as rx

from app import routes
from app.components.admin_nav import admin_tabs
from app.components.alerts import error_callout
from app.components.layout import app_layout, section
from app.components.not_found import not_found_view
from app.states.admin_settings import POLICIES, AdminSettingsState


def _label(text: str, html_for: str) -> rx.Component:
    return rx.el.label(
        text,
        html_for=html_for,
        style={"font-size": "var(--font-size-2)", "font-weight": "500", "color": "var(--gray-12)"},
    )


def _hint(text, id_: str = "") -> rx.Component:
    return rx.text(text, size="1", color=rx.color("gray", 11), **({"id": id_} if id_ else {}))


def _saved(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.text(
            rx.icon("check", size=14, display="inline", vertical_align="-2px"),
            " ",
            message,
            size="1",
            color=rx.color("green", 11),
            role="status",
        ),
    )


def _from_env(flag: rx.Var) -> rx.Component:
    return rx.cond(flag, rx.badge("from the environment", variant="soft", color_scheme="gray", size="1"))


def _policy_option(value: str, label: str, description: str) -> rx.Component:
    field_id = f"policy-{value}"
    return rx.el.label(
        rx.hstack(
            rx.el.input(
                type="radio",
                id=field_id,
                name="signup_policy",
                value=value,
                default_checked=AdminSettingsState.policy == value,
                style={"margin-top": "0.3em", "accent-color": "var(--accent-9)"},
            ),
            rx.vstack(
                rx.text(label, size="2", weight="medium"),
                rx.text(
                    *[
                        rx.code(part, size="1") if i % 2 else part
                        for i, part in enumerate(description.split("`"))
                    ],
                    size="1",
                    color=rx.color("gray", 11),
                ),
                spacing="0",
                min_width="0",
            ),
            spacing="2",
            align="start",
        ),
        html_for=field_id,
        style={"cursor": "pointer", "width": "100%"},
    )


def signup_section() -> rx.Component:
    return section(
        "Sign-up",
        "Who may create an account on this server.",
        rx.form(
            rx.vstack(
                rx.el.fieldset(
                    rx.el.legend(
                        rx.hstack(
                            rx.text("Sign-up policy", size="2", weight="medium"),
                            _from_env(AdminSettingsState.policy_from_env),
                            spacing="2",
                            align="center",
                        ),
                        style={"margin-bottom": "0.5em"},
                    ),
                    rx.vstack(*[_policy_option(*p) for p in POLICIES], spacing="3"),
                    style={"border": "none", "padding": "0", "margin": "0"},
                    key=AdminSettingsState.policy,  # a saved change from elsewhere re-checks the radio
                ),
                rx.vstack(
                    rx.flex(
                        _label("Allowed email domains", "signup-domains"),
                        _from_env(AdminSettingsState.domains_from_env),
                        spacing="2",
                        align="center",
                        wrap="wrap",
                    ),
                    rx.input(
                        id="signup-domains",
                        name="domains",
                        default_value=AdminSettingsState.domains,
                        key=AdminSettingsState.domains,
                        placeholder="example.com, example.org",
                        size="3",
                        width="100%",
                        max_length=2000,
                        custom_attrs={"aria-describedby": "signup-domains-hint"},
                    ),
                    _hint(
                        "Comma-separated. Empty: any domain. Applies to invitations too, unless an "
                        "invitation names the exact email.",
                        "signup-domains-hint",
                    ),
                    spacing="1",
                    width="100%",
                ),
                error_callout(AdminSettingsState.signup_error, size="1", width="100%"),
                _saved(AdminSettingsState.signup_status),
                rx.button("Save sign-up settings", type="submit", size="3", width=["100%", "auto"]),
                spacing="4",
                width="100%",
                max_width="560px",
            ),
            on_submit=AdminSettingsState.save_signup,
            width="100%",
        ),
    )


def _invite_row(row: rx.Var) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.hstack(
                rx.text(row["email"], size="2", weight="medium", class_name="ticked-wrap"),
                rx.badge(
                    row["status_label"],
                    color_scheme=rx.match(
                        row["status"], ("open", "green"), ("used", "blue"), ("revoked", "red"), "gray"
                    ),
                    variant="soft",
                    size="1",
                ),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            _hint(row["note"]),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        rx.cond(
            row["status"] == "open",
            rx.button(
                "Revoke",
                on_click=AdminSettingsState.revoke_invite(row["id"]),
                variant="soft",
                color_scheme="red",
                size="2",
                aria_label="Revoke the invitation for " + row["email"].to(str),
            ),
        ),
        direction="row",
        align="center",
        spacing="3",
        width="100%",
        padding_y="0.5em",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        role="listitem",
    )


def invitations_section() -> rx.Component:
    return section(
        "Invitations",
        "Single-use sign-up links. They work while sign-up is open or by invitation.",
        rx.form(
            rx.flex(
                rx.vstack(
                    _label("Email (optional)", "invite-email"),
                    rx.input(
                        id="invite-email",
                        name="email",
                        type="email",
                        placeholder="Anyone with the link",
                        size="3",
                        width="100%",
                        max_length=320,
                    ),
                    spacing="1",
                    flex="1",
                    min_width="0",
                    width="100%",
                ),
                rx.vstack(
                    _label("Valid for (days)", "invite-days"),
                    rx.input(
                        id="invite-days",
                        name="days",
                        type="number",
                        min=1,
                        max=30,
                        default_value="7",
                        size="3",
                        width=["100%", "8em"],
                    ),
                    spacing="1",
                ),
                rx.button("Create invitation link", type="submit", size="3", width=["100%", "auto"]),
                direction=rx.breakpoints(initial="column", sm="row"),
                align=rx.breakpoints(initial="stretch", sm="end"),
                spacing="3",
                width="100%",
            ),
            on_submit=AdminSettingsState.create_invite,
            reset_on_submit=True,
            width="100%",
        ),
        error_callout(AdminSettingsState.invite_error, size="1", width="100%"),
        rx.cond(
            AdminSettingsState.new_link != "",
            rx.callout(
                rx.vstack(
                    rx.text(AdminSettingsState.invite_status, size="2"),
                    rx.flex(
                        rx.input(
                            value=AdminSettingsState.new_link,
                            read_only=True,
                            aria_label="Invitation link",
                            size="2",
                            flex="1",
                            min_width="0",
                            width="100%",
                        ),
                        rx.button(
                            rx.icon("copy", size=14),
                            "Copy",
                            on_click=AdminSettingsState.copy_link,
                            size="2",
                            variant="soft",
                        ),
                        spacing="2",
                        width="100%",
                        align="center",
                    ),
                    spacing="2",
                    width="100%",
                ),
                icon="link",
                color_scheme="green",
                role="status",
                width="100%",
            ),
            _saved(AdminSettingsState.invite_status),
        ),
        rx.cond(
            AdminSettingsState.invites.length() > 0,
            rx.vstack(
                rx.heading("Invitation links", size="3", as_="h3"),
                rx.box(
                    rx.foreach(AdminSettingsState.invites, _invite_row),
                    role="list",
                    aria_label="Invitation links",
                    width="100%",
                ),
                spacing="2",
                width="100%",
            ),
            _hint("No invitation links yet."),
        ),
    )


def _switch_row(label: str, field_id: str, hint, checked: rx.Var, on_change, **props) -> rx.Component:
    return rx.hstack(
        rx.vstack(_label(label, field_id), _hint(hint), spacing="1", flex="1", min_width="0"),
        rx.switch(id=field_id, checked=checked, on_change=on_change, size="3", margin_top="0.15em", **props),
        spacing="4",
        align="start",
        width="100%",
    )


def _days_form(
    field_id: str, name: str, label: str, hint: str, value: rx.Var, placeholder: str
) -> rx.Component:
    return rx.vstack(
        _label(label, field_id),
        rx.input(
            id=field_id,
            name=name,
            type="number",
            min=0,
            default_value=value,
            key=value,
            placeholder=placeholder,
            size="3",
            width=["100%", "10em"],
            custom_attrs={"aria-describedby": f"{field_id}-hint"},
        ),
        _hint(hint, f"{field_id}-hint"),
        spacing="1",
        width="100%",
    )


def security_section() -> rx.Component:
    return section(
        "Security",
        "Sign-in rules for everyone on this server.",
        _switch_row(
            "Require two-factor sign-in",
            "require-2fa",
            "Everyone sets up a second step (an authenticator app) at their next sign-in.",
            AdminSettingsState.require_2fa,
            AdminSettingsState.set_require_2fa,
        ),
        rx.separator(size="4"),
        _switch_row(
            "Single sign-on only",
            "sso-only",
            rx.cond(
                AdminSettingsState.sso_configured,
                "Password sign-in is turned off; people sign in with your identity provider.",
                "Not available: single sign-on is not set up on this server (set OIDC_ISSUER).",
            ),
            AdminSettingsState.sso_only,
            AdminSettingsState.set_sso_only,
            disabled=~AdminSettingsState.sso_configured,
        ),
        rx.separator(size="4"),
        rx.form(
            rx.vstack(
                _days_form(
                    "token-max-days",
                    "token_max_days",
                    "Access token maximum lifetime (days)",
                    "Empty: no maximum (tokens may never expire).",
                    AdminSettingsState.token_max_days,
                    "No maximum",
                ),
                rx.button("Save token lifetime", type="submit", size="2", variant="soft"),
                spacing="3",
                align="start",
                width="100%",
            ),
            on_submit=AdminSettingsState.save_token_days,
            width="100%",
        ),
        error_callout(AdminSettingsState.security_error, size="1", width="100%"),
        _saved(AdminSettingsState.security_status),
    )


def retention_section() -> rx.Component:
    return section(
        "Retention",
        "How long chats and the audit log are kept.",
        rx.form(
            rx.vstack(
                _days_form(
                    "chat-retention-days",
                    "chat_days",
                    "Delete chats after (days)",
                    "The longest anyone's chats are kept; people can choose shorter. Empty: kept "
                    "until people delete them. Tasks are never deleted.",
                    AdminSettingsState.chat_days,
                    "Keep",
                ),
                _days_form(
                    "audit-retention-days",
                    "audit_days",
                    "Keep the audit log for (days)",
                    "At least 30 days.",
                    AdminSettingsState.audit_days,
                    "365",
                ),
                error_callout(AdminSettingsState.retention_error, size="1", width="100%"),
                _saved(AdminSettingsState.retention_status),
                rx.button("Save retention", type="submit", size="3", width=["100%", "auto"]),
                spacing="4",
                width="100%",
            ),
            on_submit=AdminSettingsState.save_retention,
            width="100%",
        ),
    )


def _console() -> rx.Component:
    return app_layout(
        rx.vstack(
            rx.heading("Admin", size="7", as_="h1"),
            admin_tabs(routes.ADMIN_SETTINGS),
            signup_section(),
            invitations_section(),
            security_section(),
            retention_section(),
            spacing="5",
            width="100%",
            max_width="760px",
            margin_x="auto",
            padding=["1em", "1.5em"],
        ),
    )


def admin_settings_page() -> rx.Component:
    return rx.cond(
        AdminSettingsState.allowed,
        _console(),
        rx.cond(
            AdminSettingsState.checked,
            not_found_view(),
            rx.box(min_height="100vh", background=rx.color("gray", 1)),
        ),
    )
