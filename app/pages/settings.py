"""The settings page: account and password, time zone, reminders, chat history preferences, and
your data."""

from __future__ import annotations

from zoneinfo import available_timezones

import reflex as rx

from app.components.alerts import error_callout
from app.components.bell import bell_permission_offer
from app.components.layout import app_layout, section
from app.components.sessions_section import sessions_section
from app.components.settings_data import calendar_section, import_section
from app.components.tokens_section import tokens_section
from app.components.two_factor_section import two_factor_section
from app.states.auth import ZONE_SCRIPT
from app.states.settings import REMINDER_OPTIONS, RETENTION_OPTIONS, SettingsState

LEGACY_ZONE_PREFIXES = (
    "Etc/",
    "SystemV/",
    "US/",
    "posix/",
    "right/",
    "Brazil/",
    "Canada/",
    "Chile/",
    "Mexico/",
)
ZONE_NAMES = [
    "UTC",
    *sorted(n for n in available_timezones() if "/" in n and not n.startswith(LEGACY_ZONE_PREFIXES)),
]
"""The IANA names the time-zone box suggests (the service accepts any zone this server knows)."""


def _label(text: str, html_for: str) -> rx.Component:
    return rx.el.label(
        text,
        html_for=html_for,
        style={"font-size": "var(--font-size-2)", "font-weight": "500", "color": "var(--gray-12)"},
    )


def _password_field(label: str, field_id: str, name: str, autocomplete: str, hint: str = "") -> rx.Component:
    return rx.vstack(
        _label(label, field_id),
        rx.input(
            id=field_id,
            name=name,
            type="password",
            auto_complete=autocomplete,
            size="3",
            width="100%",
            max_length=128,
        ),
        rx.cond(hint != "", rx.text(hint, size="1", color=rx.color("gray", 11))),
        spacing="1",
        width="100%",
    )


def _alert(message: rx.Var) -> rx.Component:
    return error_callout(message, size="1", width="100%")


def _done(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="circle-check", color_scheme="green", role="status", size="1", width="100%"),
    )


def account_section() -> rx.Component:
    return section(
        "Account",
        "Who you are signed in as, and your password.",
        rx.flex(
            rx.text("Email", size="2", color=rx.color("gray", 11), min_width="5em"),
            rx.text(SettingsState.email, size="2", weight="medium", class_name="ticked-wrap"),
            spacing="3",
            align="baseline",
            wrap="wrap",
        ),
        rx.separator(size="4"),
        rx.heading("Change password", size="3", as_="h3"),
        rx.form(
            rx.vstack(
                _password_field(
                    "Current password", "current-password", "current_password", "current-password"
                ),
                _password_field(
                    "New password",
                    "new-password",
                    "new_password",
                    "new-password",
                    hint="At least 8 characters. Your other devices will be signed out.",
                ),
                _password_field(
                    "Confirm new password", "confirm-password", "confirm_password", "new-password"
                ),
                _alert(SettingsState.password_error),
                _done(SettingsState.password_status),
                rx.button(
                    "Change password",
                    type="submit",
                    size="3",
                    loading=SettingsState.password_busy,
                    width=["100%", "auto"],
                ),
                spacing="3",
                width="100%",
                max_width="420px",
            ),
            on_submit=SettingsState.change_password,
            width="100%",
        ),
    )


def _status(message: rx.Var) -> rx.Component:
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


def _switch_row(label: str, field_id: str, hint: str, checked: rx.Var, on_change) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            _label(label, field_id),
            rx.text(hint, size="1", color=rx.color("gray", 11)),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        rx.switch(id=field_id, checked=checked, on_change=on_change, size="3", margin_top="0.15em"),
        spacing="4",
        align="start",
        width="100%",
    )


def time_zone_section() -> rx.Component:
    """The person's zone: "today", due times and reminders are read on its clock."""
    return section(
        "Time zone",
        '"Today", due times and reminders follow this clock.',
        rx.form(
            rx.vstack(
                _label("Your time zone", "time-zone"),
                rx.flex(
                    rx.input(
                        id="time-zone",
                        name="time_zone",
                        default_value=SettingsState.time_zone,
                        list="time-zone-names",
                        auto_complete="off",
                        spell_check=False,
                        max_length=64,
                        size="3",
                        # a column on phones: flex 1 there would squash its height, not its width
                        flex=rx.breakpoints(initial="0 0 auto", sm="1"),
                        min_width="0",
                        custom_attrs={"aria-describedby": "time-zone-hint"},
                    ),
                    rx.button("Save time zone", type="submit", size="3", variant="soft"),
                    spacing="2",
                    width="100%",
                    direction=rx.breakpoints(initial="column", sm="row"),
                ),
                rx.el.datalist(*[rx.el.option(value=name) for name in ZONE_NAMES], id="time-zone-names"),
                rx.text(
                    "Type to search, like Paris or New_York. Reminders keep their times on the clock.",
                    id="time-zone-hint",
                    size="1",
                    color=rx.color("gray", 11),
                ),
                spacing="2",
                width="100%",
                max_width="480px",
            ),
            on_submit=SettingsState.save_time_zone,
            on_mount=rx.call_script(ZONE_SCRIPT, callback=SettingsState.set_browser_zone),
            width="100%",
        ),
        rx.cond(
            (SettingsState.browser_zone != "") & (SettingsState.browser_zone != SettingsState.time_zone),
            rx.callout(
                rx.flex(
                    rx.text("Your browser says you are in ", rx.el.strong(SettingsState.browser_zone), "."),
                    rx.button(
                        "Use ",
                        SettingsState.browser_zone,
                        on_click=SettingsState.use_browser_zone,
                        size="1",
                        variant="soft",
                    ),
                    spacing="3",
                    align="center",
                    wrap="wrap",
                ),
                icon="globe",
                color_scheme="blue",
                size="1",
                width="100%",
            ),
        ),
        _alert(SettingsState.zone_error),
        _status(SettingsState.zone_status),
    )


def reminders_section() -> rx.Component:
    """The default reminder, reminder emails, the daily digest and desktop notifications."""
    return section(
        "Reminders",
        "How Ticked reminds you of what is due.",
        rx.vstack(
            _label("Default reminder", "default-reminder"),
            rx.el.select(
                *[rx.el.option(text, value=value) for value, text in REMINDER_OPTIONS],
                id="default-reminder",
                value=SettingsState.default_reminder,
                on_change=SettingsState.set_default_reminder,
                class_name="ticked-native-select",
                style={"min_width": "14em", "max_width": "100%"},
                custom_attrs={"aria-describedby": "default-reminder-hint"},
            ),
            rx.text(
                "Given to a task when it gets a due time and has no reminder of its own.",
                id="default-reminder-hint",
                size="1",
                color=rx.color("gray", 11),
            ),
            spacing="2",
            width="100%",
        ),
        rx.separator(size="4"),
        _switch_row(
            "Email reminders",
            "email-reminders",
            "Reminders also come by email (when this server is set up to send mail).",
            SettingsState.email_reminders,
            SettingsState.set_email_reminders,
        ),
        rx.separator(size="4"),
        _switch_row(
            "Daily digest email",
            "digest-on",
            "Once a day, at the time you choose, one email with what is due today and what is overdue.",
            SettingsState.digest_on,
            SettingsState.set_digest_on,
        ),
        rx.cond(
            SettingsState.digest_on,
            rx.hstack(
                _label("Send the digest at", "digest-at"),
                rx.input(
                    id="digest-at",
                    type="time",
                    default_value=SettingsState.digest_at,
                    on_change=SettingsState.set_digest_at,
                    size="2",
                    width="8.5em",
                ),
                rx.text("your time", size="1", color=rx.color("gray", 11)),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
        ),
        rx.separator(size="4"),
        rx.vstack(
            rx.text("Desktop notifications", size="2", weight="medium", color=rx.color("gray", 12)),
            rx.text(
                "While Ticked is open in a tab, reminders also show as notifications from your browser.",
                size="1",
                color=rx.color("gray", 11),
            ),
            bell_permission_offer(),
            spacing="2",
            width="100%",
        ),
        _alert(SettingsState.reminders_error),
        _status(SettingsState.reminders_status),
    )


def calendar_sections() -> list[rx.Component]:
    """The calendar feed and import settings (issue 17) go here, after Reminders: the calendar
    helper's section component is added to this list, e.g. ``[calendar_section()]``."""
    return [calendar_section(), import_section()]


def retention_hint() -> rx.Component:
    return rx.vstack(
        rx.cond(
            SettingsState.effective_days > 0,
            rx.text(
                "Conversations with no new message for ",
                SettingsState.effective_days,
                " days are deleted automatically. Your tasks are never deleted.",
                size="1",
                color=rx.color("gray", 11),
            ),
            rx.text("Conversations are kept until you delete them.", size="1", color=rx.color("gray", 11)),
        ),
        rx.cond(
            SettingsState.server_days > 0,
            rx.text(
                "This server keeps chats for at most ",
                SettingsState.server_days,
                " days, whatever you choose.",
                size="1",
                color=rx.color("amber", 11),
            ),
        ),
        spacing="1",
    )


def chat_history_section() -> rx.Component:
    return section(
        "Chat history",
        "How long conversations are kept, and what the assistant's model may see.",
        rx.vstack(
            _label("Keep chats for", "retention-days"),
            rx.el.select(
                *[rx.el.option(text, value=value) for value, text in RETENTION_OPTIONS],
                id="retention-days",
                value=SettingsState.retention,
                on_change=SettingsState.set_retention,
                class_name="ticked-native-select",
                style={"min_width": "14em", "max_width": "100%"},
            ),
            retention_hint(),
            spacing="2",
            width="100%",
        ),
        rx.separator(size="4"),
        rx.hstack(
            rx.vstack(
                _label("Hide sensitive details from the AI model", "redact-sensitive"),
                rx.text(
                    "Email addresses, phone numbers, card numbers and keys are replaced by placeholders "
                    "before a conversation is sent to an external AI model.",
                    size="1",
                    color=rx.color("gray", 11),
                ),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            rx.switch(
                id="redact-sensitive",
                checked=SettingsState.redact_sensitive,
                on_change=SettingsState.set_redact_sensitive,
                size="3",
                margin_top="0.15em",
            ),
            spacing="4",
            align="start",
            width="100%",
        ),
        _alert(SettingsState.prefs_error),
        rx.cond(
            SettingsState.prefs_status != "",
            rx.text(
                rx.icon("check", size=14, display="inline", vertical_align="-2px"),
                " ",
                SettingsState.prefs_status,
                size="1",
                color=rx.color("green", 11),
                role="status",
            ),
        ),
    )


def data_row(title: str, description: str, action: rx.Component) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(title, size="2", weight="medium"),
            rx.text(description, size="1", color=rx.color("gray", 11)),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        action,
        direction=rx.breakpoints(initial="column", sm="row"),
        align=rx.breakpoints(initial="stretch", sm="center"),
        spacing=rx.breakpoints(initial="3", sm="5"),
        width="100%",
    )


def your_data_section() -> rx.Component:
    return section(
        "Your data",
        "Take a copy of everything, or remove it.",
        data_row(
            "Download a copy",
            "One JSON file with your profile, preferences, tasks, conversations and their history.",
            rx.button(
                rx.icon("download", size=16),
                "Download my data",
                on_click=SettingsState.download_data,
                loading=SettingsState.download_busy,
                variant="soft",
                size="2",
            ),
        ),
        rx.separator(size="4"),
        data_row(
            "Delete all chats",
            "Removes every conversation and its messages. Your tasks stay as they are.",
            confirm_dialog(
                "chats",
                "Delete all chats?",
                "Every conversation and its messages will be deleted. Your tasks stay as they are. "
                "Enter your password to confirm.",
                "Delete all chats",
                SettingsState.delete_chats,
                rx.button(
                    rx.icon("message-circle-x", size=16),
                    "Delete all chats",
                    on_click=SettingsState.open_dialog("chats"),
                    custom_attrs={"data-opens-dialog": "chats"},
                    color_scheme="red",
                    variant="soft",
                    size="2",
                ),
            ),
        ),
        rx.separator(size="4"),
        data_row(
            "Delete your account",
            "Removes your account, tasks and chats for good and signs you out everywhere.",
            confirm_dialog(
                "account",
                "Delete your account?",
                "Your account, tasks and chats will be deleted for good, and you will be signed out "
                "everywhere. This can't be undone. Enter your password to confirm.",
                "Delete my account",
                SettingsState.delete_account,
                rx.button(
                    rx.icon("trash-2", size=16),
                    "Delete my account",
                    on_click=SettingsState.open_dialog("account"),
                    custom_attrs={"data-opens-dialog": "account"},
                    color_scheme="red",
                    size="2",
                ),
                extra=_project_fates(),
            ),
        ),
        _done(SettingsState.data_status),
    )


def _project_fates() -> rx.Component:
    """The projects the account owns and what becomes of each (passes on, or goes with it)."""
    return rx.cond(
        SettingsState.project_fates.length() > 0,
        rx.box(
            rx.text("Projects you own:", size="2", weight="medium"),
            rx.el.ul(
                rx.foreach(SettingsState.project_fates, lambda line: rx.el.li(rx.text(line, size="2"))),
                aria_label="What happens to your projects",
                style={"paddingLeft": "1.25em", "margin": "0.25em 0 0", "listStyle": "disc"},
            ),
            margin_top="0.75em",
        ),
    )


def confirm_dialog(
    kind: str,
    title: str,
    description: str,
    confirm: str,
    on_submit,
    opener: rx.Component,
    extra: rx.Component | None = None,
) -> rx.Component:
    """A password-confirmed destructive action opened by ``opener``; nothing happens until the
    password checks out.

    A Radix dialog named an ``alertdialog``: focus goes to the password, Tab stays inside,
    Escape or a click outside closes it (Radix's alert dialog ignores that click), and focus goes
    back to ``opener`` (``SettingsState``). Not a Radix ``Trigger``: Radix would give focus back to
    it, but its ``aria-controls`` names the dialog even while there is none (an axe violation).
    """
    field_id = f"confirm-{kind}-password"
    return rx.fragment(
        opener,
        rx.dialog.root(
            rx.dialog.content(
                rx.dialog.title(title),
                rx.dialog.description(description, size="2", color=rx.color("gray", 11)),
                extra if extra is not None else rx.fragment(),
                rx.form(
                    rx.vstack(
                        _password_field("Your password", field_id, "password", "current-password"),
                        _alert(SettingsState.dialog_error),
                        rx.flex(
                            rx.button(
                                "Cancel",
                                type="button",
                                variant="soft",
                                color_scheme="gray",
                                on_click=SettingsState.close_dialog,
                                disabled=SettingsState.dialog_busy,
                            ),
                            rx.button(
                                confirm, type="submit", color_scheme="red", loading=SettingsState.dialog_busy
                            ),
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
                custom_attrs={"role": "alertdialog"},
            ),
            open=SettingsState.dialog == kind,
            on_open_change=SettingsState.set_dialog_open,
        ),
    )


def team_sections() -> list[rx.Component]:
    """Sign-in security (issue 18): two-factor sign-in and the list of signed-in sessions."""
    return [two_factor_section(), sessions_section()]


def settings_page() -> rx.Component:
    return app_layout(
        rx.vstack(
            rx.vstack(
                rx.heading("Settings", size="7", as_="h1"),
                rx.text(
                    "Your account, time zone, reminders, chat history and data.",
                    size="2",
                    color=rx.color("gray", 11),
                ),
                spacing="1",
            ),
            rx.cond(
                SettingsState.loaded,
                rx.vstack(
                    account_section(),
                    *team_sections(),
                    time_zone_section(),
                    reminders_section(),
                    *calendar_sections(),
                    chat_history_section(),
                    tokens_section(),
                    your_data_section(),
                    spacing="4",
                    width="100%",
                ),
                rx.center(rx.spinner(size="3"), height="30vh", width="100%", aria_label="Loading settings"),
            ),
            spacing="5",
            width="100%",
            max_width="720px",
            margin_x="auto",
            padding=["1em 0.75em 4em", "1.5em 1.25em 4em"],
        )
    )
