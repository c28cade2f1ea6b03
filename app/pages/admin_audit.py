"""``/admin/audit``: the audit log for admins (issue 18); everyone else sees the missing page."""

from __future__ import annotations

import reflex as rx

from app import routes
from app.components.admin_nav import admin_tabs
from app.components.alerts import error_callout
from app.components.layout import app_layout
from app.components.not_found import not_found_view
from app.states.admin_audit import ANY, OUTCOME_CHOICES, AdminAuditState, AuditRow

COLUMNS = ("Time", "Person", "Action", "Target", "IP", "Surface", "Outcome", "Details")


def _label(text: str, html_for: str) -> rx.Component:
    return rx.el.label(
        text,
        html_for=html_for,
        style={"font-size": "var(--font-size-2)", "font-weight": "500", "color": "var(--gray-12)"},
    )


def _field(label: str, field_id: str, control: rx.Component, width: str = "12em") -> rx.Component:
    return rx.vstack(_label(label, field_id), control, spacing="1", width=["100%", width])


def _choice(value: rx.Var) -> rx.Component:
    return rx.select.item(rx.cond(value == ANY, "Any", value), value=value)


def filters() -> rx.Component:
    return rx.form(
        rx.flex(
            _field(
                "Action",
                "audit-action",
                rx.select.root(
                    rx.select.trigger(id="audit-action", width="100%"),
                    rx.select.content(rx.foreach(AdminAuditState.actions, _choice)),
                    value=AdminAuditState.action,
                    on_change=AdminAuditState.set_action,
                ),
                width="14em",
            ),
            _field(
                "Person (email)",
                "audit-email",
                rx.input(
                    id="audit-email",
                    name="email",
                    type="email",
                    default_value=AdminAuditState.email,
                    placeholder="ann@example.com",
                    max_length=320,
                    width="100%",
                ),
                width="16em",
            ),
            _field(
                "Outcome",
                "audit-outcome",
                rx.select.root(
                    rx.select.trigger(id="audit-outcome", width="100%"),
                    rx.select.content(*[_choice(rx.Var.create(o)) for o in OUTCOME_CHOICES]),
                    value=AdminAuditState.outcome,
                    on_change=AdminAuditState.set_outcome,
                ),
                width="9em",
            ),
            _field(
                "From",
                "audit-since",
                rx.input(
                    id="audit-since",
                    name="since",
                    type="date",
                    default_value=AdminAuditState.since,
                    width="100%",
                ),
                width="10em",
            ),
            _field(
                "To",
                "audit-until",
                rx.input(
                    id="audit-until",
                    name="until",
                    type="date",
                    default_value=AdminAuditState.until,
                    width="100%",
                ),
                width="10em",
            ),
            rx.hstack(
                rx.button("Apply filters", type="submit"),
                rx.button("Clear", type="button", variant="soft", on_click=AdminAuditState.clear_filters),
                spacing="2",
            ),
            spacing="3",
            wrap="wrap",
            align="end",
            width="100%",
        ),
        on_submit=AdminAuditState.apply_filters,
        aria_label="Filter the audit log",
        width="100%",
    )


def _cell(value: rx.Var, **props) -> rx.Component:
    return rx.table.cell(value, **props)


def _row(row: AuditRow) -> rx.Component:
    return rx.table.row(
        _cell(row.at, white_space="nowrap"),
        _cell(row.person, class_name="ticked-wrap"),
        _cell(rx.text(row.action, title=row.code, as_="span")),
        _cell(row.target, class_name="ticked-wrap"),
        _cell(row.ip, white_space="nowrap"),
        _cell(row.surface),
        _cell(_outcome(row)),
        _cell(row.details, class_name="ticked-wrap", size="1", color=rx.color("gray", 11)),
        data_event=row.id,
    )


def _outcome(row: AuditRow) -> rx.Component:
    return rx.badge(row.outcome, color_scheme=rx.cond(row.outcome == "ok", "green", "red"), variant="soft")


def _card(row: AuditRow) -> rx.Component:
    """One event on a narrow screen: the table's columns as lines (no sideways scrolling)."""
    muted = rx.color("gray", 11)
    return rx.el.li(
        rx.vstack(
            rx.hstack(
                rx.text(row.action, weight="medium", size="2", title=row.code),
                _outcome(row),
                justify="between",
                width="100%",
            ),
            rx.text(row.person, size="2", class_name="ticked-wrap"),
            rx.cond(row.target != "", rx.text("Target: ", row.target, size="1", class_name="ticked-wrap")),
            rx.text(
                row.at, " · ", row.surface, rx.cond(row.ip != "", " · " + row.ip, ""), size="1", color=muted
            ),
            rx.cond(row.details != "", rx.text(row.details, size="1", color=muted, class_name="ticked-wrap")),
            spacing="1",
            width="100%",
        ),
        data_event=row.id,
        style={"padding": "0.75em 0", "border-bottom": "1px solid var(--gray-a5)", "list-style": "none"},
    )


def events_table() -> rx.Component:
    return rx.cond(
        AdminAuditState.rows.length() > 0,
        rx.box(
            rx.tablet_and_desktop(
                rx.box(
                    rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(c) for c in COLUMNS])),
                        rx.table.body(rx.foreach(AdminAuditState.rows, _row)),
                        size="1",
                        variant="surface",
                        min_width="960px",
                    ),
                    overflow_x="auto",
                    width="100%",
                    tab_index=0,
                    role="region",
                    aria_label="Audit events",
                ),
            ),
            rx.mobile_only(
                rx.el.ul(
                    rx.foreach(AdminAuditState.rows, _card),
                    aria_label="Audit events",
                    style={"margin": "0", "padding": "0"},
                ),
            ),
            width="100%",
        ),
        rx.text("No events match these filters.", color=rx.color("gray", 11), role="status"),
    )


def paging() -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.icon("chevron-left", size=16),
            "Newer",
            variant="soft",
            disabled=AdminAuditState.starts.length() == 0,
            on_click=AdminAuditState.newer,
        ),
        rx.button(
            "Older",
            rx.icon("chevron-right", size=16),
            variant="soft",
            disabled=AdminAuditState.next_before == 0,
            on_click=AdminAuditState.older,
        ),
        spacing="2",
        aria_label="Pages",
    )


def tools() -> rx.Component:
    return rx.flex(
        rx.button(
            rx.icon("download", size=16),
            "Export CSV",
            variant="outline",
            loading=AdminAuditState.exporting,
            on_click=AdminAuditState.export_csv,
        ),
        rx.button(
            rx.icon("shield-check", size=16),
            "Verify",
            variant="outline",
            loading=AdminAuditState.verifying,
            on_click=AdminAuditState.verify_chain,
        ),
        rx.cond(
            AdminAuditState.chain != "",
            rx.text(
                AdminAuditState.chain,
                size="2",
                weight="medium",
                color=rx.cond(AdminAuditState.chain_ok, rx.color("green", 11), rx.color("red", 11)),
                role="status",
            ),
            rx.text(
                "Verify walks the whole hash chain (every event) and says whether anything was changed.",
                size="1",
                color=rx.color("gray", 11),
            ),
        ),
        spacing="3",
        align="center",
        wrap="wrap",
    )


def audit_content() -> rx.Component:
    return app_layout(
        rx.vstack(
            rx.heading("Admin", size="7", as_="h1"),
            admin_tabs(routes.ADMIN_AUDIT),
            rx.el.section(
                rx.vstack(
                    rx.heading("Audit log", size="4", as_="h2", id="audit-log-title"),
                    rx.text(
                        "Sign-ins, access, sharing, exports and account changes: who, what, when and from "
                        "where. Never what tasks or chats say. Times are in your time zone.",
                        size="2",
                        color=rx.color("gray", 11),
                    ),
                    filters(),
                    rx.cond(AdminAuditState.error != "", error_callout(AdminAuditState.error, size="1")),
                    tools(),
                    events_table(),
                    paging(),
                    spacing="4",
                    width="100%",
                ),
                aria_labelledby="audit-log-title",
                width="100%",
                min_width="0",
            ),
            spacing="4",
            width="100%",
            min_width="0",
            max_width="1200px",
            margin_x="auto",
            padding=["1em", "1.5em"],
        ),
    )


def admin_audit_page() -> rx.Component:
    return rx.match(
        AdminAuditState.status,
        ("ok", audit_content()),
        ("missing", not_found_view()),
        rx.center(rx.spinner(size="3"), height="60vh", aria_label="Loading"),
    )
