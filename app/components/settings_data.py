"""Settings sections "Calendar feed" and "Import" (issue 17): the page includes
:func:`settings_data_sections` under its other sections.

Each section is a landmark named by its heading, like the page's own. The feed's URL sits in a
labelled read-only field with a Copy button; the import's preview is a table with a caption,
in a box that scrolls sideways (and takes focus, so keyboards scroll it too) on a 390 px phone.
"""

from __future__ import annotations

import reflex as rx

from app.components.alerts import error_callout
from app.components.layout import section
from app.services.importer import MAX_BYTES
from app.states.imports import ACCEPT, UPLOAD_ID, ImportState


def _done(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="circle-check", color_scheme="green", role="status", size="1", width="100%"),
    )


def _buttons(*children: rx.Component) -> rx.Component:
    return rx.flex(*children, spacing="3", wrap="wrap", width="100%")


def calendar_section() -> rx.Component:
    return section(
        "Calendar feed",
        "See your tasks with due dates in Google Calendar, Apple Calendar or Thunderbird: subscribe "
        "to your private feed URL. Anyone with the URL can read those tasks, so keep it to yourself.",
        rx.box(on_mount=ImportState.load, display="none"),
        rx.cond(
            ImportState.feed_url != "",
            rx.vstack(
                rx.el.label(
                    "Your feed URL",
                    html_for="calendar-feed-url",
                    style={"font-size": "var(--font-size-2)", "font-weight": "500"},
                ),
                rx.input(
                    id="calendar-feed-url",
                    value=ImportState.feed_url,
                    read_only=True,
                    size="3",
                    width="100%",
                    on_focus=rx.call_script("document.getElementById('calendar-feed-url').select()"),
                ),
                spacing="1",
                width="100%",
            ),
        ),
        rx.cond(
            ImportState.feed_on,
            rx.text(
                "Your feed is on.",
                rx.cond(
                    ImportState.feed_url == "",
                    " Its URL was shown when you made it; to see a URL again, make a new one "
                    "(the old one then stops working).",
                    "",
                ),
                size="2",
            ),
            rx.text("Your feed is off.", size="2"),
        ),
        error_callout(ImportState.feed_error, size="1", width="100%"),
        _done(ImportState.feed_status),
        _buttons(
            rx.cond(
                ImportState.feed_url != "",
                rx.button("Copy URL", type="button", size="3", on_click=ImportState.copy_feed),
            ),
            rx.button(
                rx.cond(ImportState.feed_on, "Make a new URL", "Turn on calendar feed"),
                type="button",
                size="3",
                variant=rx.cond(ImportState.feed_on, "soft", "solid"),
                loading=ImportState.feed_busy,
                on_click=ImportState.make_feed,
            ),
            rx.cond(
                ImportState.feed_on,
                rx.button(
                    "Turn off",
                    type="button",
                    size="3",
                    variant="soft",
                    color_scheme="red",
                    on_click=ImportState.stop_feed,
                ),
            ),
        ),
    )


def _issue_list(title: str, items: rx.Var) -> rx.Component:
    return rx.cond(
        items.length() > 0,  # type: ignore[attr-defined]
        rx.vstack(
            rx.heading(title, size="2", as_="h4"),
            rx.el.ul(
                rx.foreach(
                    items,
                    lambda i: rx.el.li(
                        rx.text(i["where"], ": ", rx.text.strong(i["what"]), " (", i["why"], ")", size="2")
                    ),
                ),
                style={"padding-left": "1.2em", "margin": "0"},
            ),
            spacing="1",
            width="100%",
        ),
    )


COLUMNS = (
    ("Task", "title"),
    ("Under", "parent"),
    ("Due", "due"),
    ("Repeats", "repeats"),
    ("Priority", "priority"),
    ("Tags", "tags"),
)


_CELL = {"padding": "0.35em 0.6em", "text-align": "left", "border-bottom": "1px solid var(--gray-5)"}


def _preview_table() -> rx.Component:
    """A plain table in a box that scrolls sideways and takes focus (a Radix table's scroller can't)."""
    return rx.box(
        rx.el.table(
            rx.el.caption(
                "The first tasks, as they will be imported",
                style={"text-align": "left", "font-size": "var(--font-size-1)", "color": "var(--gray-11)"},
            ),
            rx.el.thead(
                rx.el.tr(
                    *[
                        rx.el.th(label, scope="col", style={**_CELL, "font-weight": "600"})
                        for label, _ in COLUMNS
                    ]
                ),
            ),
            rx.el.tbody(
                rx.foreach(
                    ImportState.rows,
                    lambda row: rx.el.tr(
                        rx.el.th(row["title"], scope="row", style={**_CELL, "font-weight": "500"}),
                        *[rx.el.td(row[key], style=_CELL) for _, key in COLUMNS[1:]],
                    ),
                )
            ),
            style={"border-collapse": "collapse", "width": "100%", "font-size": "var(--font-size-2)"},
        ),
        overflow_x="auto",
        width="100%",
        tab_index=0,
        role="region",
        aria_label="Import preview",
    )


def _file_picker() -> rx.Component:
    picker = rx.upload.root(
        rx.vstack(
            rx.button(rx.icon("upload", size=16), "Choose a file", type="button", size="3"),
            rx.text(
                f"or drop it here. CSV or JSON, at most {MAX_BYTES // (1024 * 1024)} MB.",
                size="1",
                color=rx.color("gray", 11),
            ),
            align="start",
            spacing="1",
        ),
        id=UPLOAD_ID,
        accept=ACCEPT,
        multiple=False,
        max_files=1,
        no_keyboard=True,
        on_drop=ImportState.upload(rx.upload_files(upload_id=UPLOAD_ID)),  # type: ignore[call-arg]
        border=f"1px dashed {rx.color('gray', 7)}",
        border_radius="var(--radius-3)",
        padding="1em",
        width="100%",
    )
    # react-dropzone's visually hidden file input takes no props from rx.upload: name it here.
    file_input = picker.children[0].children[0]
    file_input.custom_attrs["aria-label"] = "File to import"
    return picker


def import_section() -> rx.Component:
    return section(
        "Import",
        "Move in from Todoist (a project's CSV export) or restore Ticked's own export (the .json file "
        "from Download my data, into an empty account). You see what will happen before anything is "
        "imported.",
        _file_picker(),
        rx.cond(
            ImportState.import_busy & (ImportState.kind == ""), rx.spinner(aria_label="Reading the file")
        ),
        error_callout(ImportState.import_error, size="1", width="100%"),
        rx.cond(
            ImportState.kind != "",
            rx.vstack(
                rx.heading("Preview", size="3", as_="h3"),
                rx.text(ImportState.summary, size="2", role="status"),
                rx.cond(
                    ImportState.kind == "todoist",
                    rx.form(
                        rx.flex(
                            rx.el.label(
                                "Project",
                                html_for="import-project",
                                style={"font-size": "var(--font-size-2)", "font-weight": "500"},
                            ),
                            rx.input(
                                id="import-project",
                                value=ImportState.project,
                                on_change=ImportState.set_project,
                                max_length=100,
                                size="2",
                                width=["100%", "16em"],
                            ),
                            rx.button("Update preview", type="submit", size="2", variant="soft"),
                            spacing="2",
                            align="center",
                            wrap="wrap",
                        ),
                        on_submit=lambda _form: ImportState.refresh_preview,
                        width="100%",
                    ),
                ),
                _preview_table(),
                _issue_list("Will be skipped", ImportState.skipped),
                _issue_list(
                    "Imported, with what could not be read kept in the description", ImportState.kept
                ),
                rx.foreach(ImportState.notes, lambda n: rx.text(n, size="1", color=rx.color("gray", 11))),
                _buttons(
                    rx.button(
                        "Import",
                        type="button",
                        size="3",
                        loading=ImportState.import_busy,
                        on_click=ImportState.run_import,
                    ),
                    rx.button(
                        "Cancel",
                        type="button",
                        size="3",
                        variant="soft",
                        color_scheme="gray",
                        on_click=ImportState.cancel,
                    ),
                ),
                spacing="3",
                width="100%",
            ),
        ),
        rx.cond(
            ImportState.report != "",
            rx.vstack(
                rx.callout(
                    ImportState.report,
                    icon="circle-check",
                    color_scheme="green",
                    role="status",
                    size="1",
                    width="100%",
                ),
                _issue_list("Skipped", ImportState.report_skipped),
                _issue_list("Kept with notes in the description", ImportState.report_kept),
                spacing="2",
                width="100%",
            ),
        ),
    )


def settings_data_sections() -> rx.Component:
    """Both sections, for the settings page."""
    return rx.fragment(calendar_section(), import_section())
