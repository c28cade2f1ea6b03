"""The task page's teamwork parts (issue 16): the project list, the project header with its
members, and the project, confirmation and Share dialogs.

Every dialog is a Radix dialog opened by state: focus moves into it, Tab stays inside, Escape or
a click outside closes it, and focus goes back to the button that opened it (``ProjectsState``
uses ``app.states.focus``, since Radix returns focus only to a dialog's own trigger). A change
that alters the list is followed by ``TasksState.follow_projects`` (chained here), which shows
the right view and reloads the list and the address.
"""

from __future__ import annotations

import reflex as rx

from app import routes
from app.components.alerts import error_callout
from app.states.projects import (
    ALL,
    ASSIGNED,
    INBOX,
    PROJECT_COLORS,
    PROJECT_NAME_MAX,
    InviteRow,
    MemberRow,
    ProjectItem,
    ProjectsState,
)
from app.states.tasks import TasksState

FOLLOW = TasksState.follow_projects
"""Chained after a change that alters the list: called with no arguments, or after a form with it."""


VISUALLY_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "padding": "0",
    "margin": "-1px",
    "overflow": "hidden",
    "clip": "rect(0, 0, 0, 0)",
    "white-space": "nowrap",
    "border": "0",
}


def visually_hidden(*children) -> rx.Component:
    """Text for screen readers only (", 3 open" after a project's name)."""
    return rx.el.span(*children, style=VISUALLY_HIDDEN)


def avatar(initials, tone, label, size: str = "2", *, decorative: bool = False) -> rx.Component:
    """A person's initials in a coloured circle; ``label`` is what a screen reader hears, unless
    ``decorative`` (the name is written right beside it, so it would be read twice)."""
    circle = rx.avatar(
        fallback=initials,
        color_scheme=tone,
        variant="soft",
        radius="full",
        size=size,
        high_contrast=True,
        flex_shrink="0",
        aria_hidden="true",
    )
    if decorative:
        return circle
    return rx.box(circle, role="img", aria_label=label, title=label, display="inline-flex", flex_shrink="0")


def color_dot(color, size: str = "10px") -> rx.Component:
    return rx.box(
        width=size,
        height=size,
        min_width=size,
        border_radius="999px",
        background=rx.match(color, *[(c, rx.color(c, 9)) for c in PROJECT_COLORS], rx.color("gray", 9)),
        aria_hidden="true",
    )


def _nav_link(view, label, icon_or_dot: rx.Component, count, href) -> rx.Component:
    """One list in the project list: a real link (it can be opened in a new tab or shared), which
    on a click switches the view in place."""
    active = ProjectsState.view == view
    return rx.el.li(
        rx.link(
            rx.hstack(
                icon_or_dot,
                rx.text(
                    label,
                    size="2",
                    weight=rx.cond(active, "medium", "regular"),
                    class_name="ticked-wrap",
                    flex="1",
                    min_width="0",
                ),
                rx.cond(
                    count > 0,
                    rx.text(
                        visually_hidden(", "),
                        count,
                        visually_hidden(" open"),
                        size="1",
                        color=rx.color("gray", 11),
                    ),
                ),
                align="center",
                spacing="2",
                width="100%",
            ),
            href=href,
            on_click=TasksState.set_project(view).prevent_default,
            aria_current=rx.cond(active, "page", "false"),
            underline="none",
            display="block",
            padding="0.45em 0.6em",
            border_radius="var(--radius-3)",
            color=rx.cond(active, rx.color("accent", 12), rx.color("gray", 12)),
            background=rx.cond(active, rx.color("accent", 4), "transparent"),
            _hover={"background": rx.cond(active, rx.color("accent", 5), rx.color("gray", 3))},
            _focus_visible={"outline": f"2px solid {rx.color('accent', 8)}", "outline_offset": "1px"},
        ),
        list_style="none",
    )


def _icon(name: str) -> rx.Component:
    return rx.icon(name, size=16, color=rx.color("gray", 11), aria_hidden="true", flex_shrink="0")


def _project_link(item: ProjectItem) -> rx.Component:
    return _nav_link(
        item.id,
        item.name,
        color_dot(item.color),
        item.open_count,
        routes.TASKS + "?project=" + item.id,
    )


def project_nav() -> rx.Component:
    """All tasks, Inbox, Assigned to me, then the user's projects and New project."""
    return rx.el.nav(
        rx.el.ul(
            _nav_link(ALL, "All tasks", _icon("layers"), ProjectsState.all_open, routes.TASKS),
            _nav_link(
                INBOX,
                "Inbox",
                _icon("inbox"),
                ProjectsState.inbox_open,
                routes.page_url(routes.TASKS, project=INBOX),
            ),
            _nav_link(
                ASSIGNED,
                "Assigned to me",
                _icon("user-check"),
                ProjectsState.assigned_open,
                routes.page_url(routes.TASKS, project=ASSIGNED),
            ),
            margin="0",
            padding="0",
        ),
        rx.hstack(
            rx.heading("Projects", as_="h2", size="2", color=rx.color("gray", 11), weight="medium"),
            rx.spacer(),
            rx.icon_button(
                rx.icon("plus", size=16, aria_hidden="true"),
                id="new-project-button",
                on_click=ProjectsState.open_new,
                variant="ghost",
                color_scheme="gray",
                size="1",
                aria_label="New project",
                aria_haspopup="dialog",
                title="New project",
            ),
            align="center",
            padding="1em 0.6em 0.25em",
        ),
        rx.cond(
            ProjectsState.shared_projects.length() > 0,
            rx.el.ul(rx.foreach(ProjectsState.shared_projects, _project_link), margin="0", padding="0"),
            rx.text(
                "No projects yet. Make one to share a list with your team.",
                size="1",
                color=rx.color("gray", 11),
                padding="0 0.6em",
            ),
        ),
        rx.cond(
            ProjectsState.archived.length() > 0,
            rx.box(
                rx.button(
                    rx.icon(
                        rx.cond(ProjectsState.show_archived, "chevron-down", "chevron-right"),
                        size=14,
                        aria_hidden="true",
                    ),
                    "Archived",
                    on_click=ProjectsState.toggle_archived,
                    aria_expanded=rx.cond(ProjectsState.show_archived, "true", "false"),
                    aria_controls="archived-projects",
                    variant="ghost",
                    color_scheme="gray",
                    size="1",
                    margin="0.75em 0.4em 0.25em",
                ),
                rx.cond(
                    ProjectsState.show_archived,
                    rx.el.ul(
                        rx.foreach(ProjectsState.archived, _project_link),
                        id="archived-projects",
                        margin="0",
                        padding="0",
                    ),
                ),
            ),
        ),
        aria_label="Projects",
        id="project-nav",
        width="100%",
    )


def nav_button() -> rx.Component:
    """The phone's one button for the project list: a disclosure naming the list shown."""
    return rx.button(
        rx.icon("panel-left", size=16, aria_hidden="true"),
        rx.text(
            ProjectsState.view_name,
            class_name="ticked-wrap",
            max_width="9em",
            overflow="hidden",
            white_space="nowrap",
            text_overflow="ellipsis",
        ),
        rx.icon(rx.cond(ProjectsState.nav_open, "chevron-up", "chevron-down"), size=14, aria_hidden="true"),
        on_click=ProjectsState.toggle_nav,
        aria_expanded=rx.cond(ProjectsState.nav_open, "true", "false"),
        aria_controls="project-nav-phone",
        aria_label="Lists: " + ProjectsState.view_name,
        variant="soft",
        color_scheme="gray",
        size="2",
        display=["inline-flex", "inline-flex", "none"],
        flex_shrink="0",
    )


def member_chip(member: MemberRow) -> rx.Component:
    return rx.hstack(
        avatar(member.initials, member.tone, member.name, decorative=True),
        rx.vstack(
            rx.text(
                member.name,
                rx.cond(member.is_me, rx.text(" (you)", as_="span", color=rx.color("gray", 11))),
                size="2",
                weight="medium",
                class_name="ticked-wrap",
                dir="auto",
            ),
            rx.text(member.role_label, size="1", color=rx.color("gray", 11)),
            spacing="0",
            min_width="0",
        ),
        role="listitem",
        align="center",
        spacing="2",
        padding="0.25em 0.75em 0.25em 0.25em",
        border_radius="999px",
        background=rx.color("gray", 2),
        border=f"1px solid {rx.color('gray', 4)}",
        max_width="100%",
        custom_attrs={"data-member": member.user_id},
    )


def project_menu() -> rx.Component:
    """Rename, archive and delete (owners of a project that is not the Inbox)."""
    current = ProjectsState.current
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.icon_button(
                rx.icon("ellipsis", size=16, aria_hidden="true"),
                id="project-options",
                variant="soft",
                color_scheme="gray",
                size="2",
                aria_label="Project options",
                title="Project options",
            ),
        ),
        rx.dropdown_menu.content(
            rx.dropdown_menu.item(
                rx.icon("pencil", size=14, aria_hidden="true"),
                "Rename or recolour",
                on_click=ProjectsState.open_rename,
            ),
            rx.cond(
                current.archived,
                rx.dropdown_menu.item(
                    rx.icon("archive-restore", size=14, aria_hidden="true"),
                    "Restore",
                    on_click=[ProjectsState.set_archived(False), FOLLOW()],
                ),
                rx.dropdown_menu.item(
                    rx.icon("archive", size=14, aria_hidden="true"),
                    "Archive",
                    on_click=[ProjectsState.set_archived(True), FOLLOW()],
                ),
            ),
            rx.dropdown_menu.separator(),
            rx.dropdown_menu.item(
                rx.icon("trash-2", size=14, aria_hidden="true"),
                "Delete project…",
                color="red",
                on_click=ProjectsState.ask_delete,
            ),
        ),
    )


def project_header() -> rx.Component:
    """The shown project's name, its members and what this person may do with it."""
    current = ProjectsState.current
    shared = ~current.inbox
    owner = current.role == "owner"
    return rx.vstack(
        rx.hstack(
            rx.cond(
                ProjectsState.is_project_view & shared,
                color_dot(current.color, "14px"),
                rx.icon(ProjectsState.view_icon, size=20, color=rx.color("gray", 11), aria_hidden="true"),
            ),
            rx.heading(
                ProjectsState.view_name,
                id="project-heading",
                size="7",
                as_="h1",
                class_name="ticked-wrap",
                dir="auto",
                min_width="0",
            ),
            rx.cond(
                current.archived,
                rx.badge("Archived", color_scheme="gray", variant="surface"),
            ),
            rx.text(
                TasksState.counts["pending"],
                " open",
                color=rx.color("gray", 11),
                size="2",
                white_space="nowrap",
            ),
            rx.spacer(),
            rx.cond(
                ProjectsState.is_project_view & shared,
                rx.hstack(
                    rx.cond(
                        owner,
                        rx.hstack(
                            rx.button(
                                rx.icon("user-plus", size=16, aria_hidden="true"),
                                "Share",
                                id="share-project-button",
                                on_click=ProjectsState.open_share,
                                aria_haspopup="dialog",
                                size="2",
                            ),
                            project_menu(),
                            spacing="2",
                        ),
                        rx.button(
                            rx.icon("log-out", size=16, aria_hidden="true"),
                            "Leave project",
                            id="leave-project-button",
                            on_click=ProjectsState.ask_leave,
                            aria_haspopup="dialog",
                            variant="soft",
                            color_scheme="gray",
                            size="2",
                        ),
                    ),
                    spacing="2",
                ),
            ),
            align="center",
            spacing="3",
            width="100%",
            wrap="wrap",
        ),
        rx.cond(
            ProjectsState.is_project_view & shared,
            rx.vstack(
                rx.flex(
                    rx.flex(
                        rx.foreach(ProjectsState.header_members, member_chip),
                        role="list",
                        aria_label="Members",
                        spacing="2",
                        wrap="wrap",
                    ),
                    rx.cond(
                        (ProjectsState.hidden_members > 0) | ProjectsState.members_expanded,
                        rx.button(
                            rx.cond(
                                ProjectsState.members_expanded,
                                "Show fewer",
                                "+" + ProjectsState.hidden_members.to_string() + " more",
                            ),
                            on_click=ProjectsState.toggle_members,
                            aria_expanded=rx.cond(ProjectsState.members_expanded, "true", "false"),
                            aria_label=rx.cond(
                                ProjectsState.members_expanded,
                                "Show fewer members",
                                "+" + ProjectsState.hidden_members.to_string() + " more members",
                            ),
                            variant="ghost",
                            color_scheme="gray",
                            size="2",
                        ),
                    ),
                    spacing="2",
                    wrap="wrap",
                    align="center",
                ),
                rx.cond(
                    (current.role == "viewer"),
                    rx.text(
                        rx.icon("eye", size=14, aria_hidden="true", display="inline", vertical_align="-2px"),
                        " You can view this project and comment; its owner decides who edits.",
                        size="2",
                        color=rx.color("gray", 11),
                    ),
                ),
                spacing="2",
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
    )


# ----- dialogs -------------------------------------------------------------------------------------


def _swatch(color: str) -> rx.Component:
    """One colour as a native radio button: arrow keys move between them, the name is read out,
    and the choice shows at once (CSS on ``:checked``), with no round trip; the form sends it."""
    ring = f"0 0 0 2px {rx.color('gray', 1)}, 0 0 0 4px {rx.color(color, 9)}"
    return rx.el.label(
        rx.el.input(
            type="radio",
            name="color",
            value=color,
            default_checked=ProjectsState.edit_color == color,
            aria_label=color.capitalize(),
            style={
                "position": "absolute",
                "opacity": "0",
                "width": "100%",
                "height": "100%",
                "margin": "0",
                "cursor": "pointer",
                "&:checked + div": {"box-shadow": ring},
                "&:checked + div svg": {"opacity": "1"},
                "&:focus-visible + div": {
                    "outline": f"2px solid {rx.color('accent', 8)}",
                    "outline-offset": "5px",
                },
            },
        ),
        rx.box(
            rx.icon("check", size=14, color="white", aria_hidden="true", opacity="0"),
            width="28px",
            height="28px",
            border_radius="999px",
            background=rx.color(color, 9),
            display="flex",
            align_items="center",
            justify_content="center",
            pointer_events="none",
        ),
        title=color.capitalize(),
        position="relative",
        display="inline-flex",
    )


def project_dialog() -> rx.Component:
    """New project, or rename/recolour the shown one."""
    new = ProjectsState.edit_mode == "new"
    return rx.dialog.root(
        rx.dialog.content(
            rx.form(
                rx.vstack(
                    rx.dialog.title(rx.cond(new, "New project", "Rename project"), margin="0"),
                    rx.dialog.description(
                        rx.cond(
                            new,
                            "A list of tasks you can share with your team.",
                            "Everyone in the project sees the new name and colour.",
                        ),
                        size="2",
                        color=rx.color("gray", 11),
                    ),
                    rx.vstack(
                        rx.el.label(rx.text("Name", size="2", weight="medium"), html_for="project-name"),
                        rx.input(
                            id="project-name",
                            name="name",
                            value=ProjectsState.edit_name,
                            on_change=ProjectsState.set_edit_name,
                            placeholder="Groceries",
                            max_length=PROJECT_NAME_MAX,
                            auto_complete="off",
                            auto_focus=True,
                            size="3",
                            width="100%",
                            aria_invalid=rx.cond(ProjectsState.edit_error != "", "true", "false"),
                            aria_describedby="project-edit-error",
                        ),
                        spacing="1",
                        width="100%",
                    ),
                    rx.el.fieldset(
                        rx.el.legend(rx.text("Colour", size="2", weight="medium"), padding="0"),
                        rx.flex(
                            *[_swatch(c) for c in PROJECT_COLORS],
                            # Drawn again for each opening, so the checked colour is the project's.
                            key=ProjectsState.edit_mode + "-" + ProjectsState.edit_color,
                            spacing="3",
                            wrap="wrap",
                            padding="0.5em 0.25em",
                        ),
                        border="none",
                        padding="0",
                        margin="0",
                        role="radiogroup",
                        aria_label="Colour",
                    ),
                    rx.box(
                        error_callout(ProjectsState.edit_error, width="100%"),
                        id="project-edit-error",
                        width="100%",
                    ),
                    rx.hstack(
                        rx.button(
                            "Cancel",
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            on_click=ProjectsState.cancel_edit,
                        ),
                        rx.button(rx.cond(new, "Create project", "Save"), type="submit"),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=[ProjectsState.save_project, FOLLOW],
                reset_on_submit=False,
            ),
            max_width="440px",
        ),
        open=ProjectsState.edit_mode != "",
        on_open_change=ProjectsState.set_edit_open,
    )


def confirm_dialog() -> rx.Component:
    """Delete the project (owners) or leave it (members): asked first, Cancel the safe choice."""
    delete = ProjectsState.confirm_kind == "delete"
    name = ProjectsState.current.name
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(delete, "Delete this project?", "Leave this project?")),
            rx.dialog.description(
                rx.cond(
                    delete,
                    rx.text(
                        "“",
                        rx.el.bdi(name),
                        "” and its ",
                        ProjectsState.current.open_count.to_string(),
                        " open tasks (with its completed ones and their comments) will be deleted "
                        "for every member. This can't be undone.",
                        as_="span",
                    ),
                    rx.text(
                        "You will no longer see “",
                        rx.el.bdi(name),
                        "” or its tasks; tasks assigned to you "
                        "there become unassigned. An owner can share it with you again.",
                        as_="span",
                    ),
                ),
                class_name="ticked-wrap",
            ),
            error_callout(ProjectsState.confirm_error, margin_top="1em"),
            rx.hstack(
                rx.button(
                    "Cancel",
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    on_click=ProjectsState.cancel_confirm,
                ),
                rx.button(
                    rx.cond(delete, "Delete project", "Leave project"),
                    type="button",
                    color_scheme="red",
                    on_click=[ProjectsState.confirm, FOLLOW()],
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="440px",
            custom_attrs={"role": "alertdialog"},
        ),
        open=ProjectsState.confirm_kind != "",
        on_open_change=ProjectsState.set_confirm_open,
    )


def _role_select(member: MemberRow) -> rx.Component:
    return rx.el.select(
        rx.el.option("Owner", value="owner"),
        rx.el.option("Editor", value="editor"),
        rx.el.option("Viewer", value="viewer"),
        value=member.role,
        on_change=lambda role: [ProjectsState.change_role(member.user_id, role), FOLLOW()],
        aria_label="Role of " + member.name,
        class_name="ticked-native-select compact",
        style={"flex": "0 0 auto"},
    )


def _member_row(member: MemberRow) -> rx.Component:
    return rx.hstack(
        avatar(member.initials, member.tone, member.name, decorative=True),
        rx.vstack(
            rx.text(
                member.name,
                rx.cond(member.is_me, " (you)", ""),
                size="2",
                weight="medium",
                class_name="ticked-wrap",
                dir="auto",
            ),
            rx.cond(
                member.named,
                rx.text(member.email, size="1", color=rx.color("gray", 11), class_name="ticked-wrap"),
            ),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.cond(
            member.is_me,
            rx.text(member.role_label, size="2", color=rx.color("gray", 11), padding_x="0.5em"),
            rx.hstack(
                _role_select(member),
                rx.icon_button(
                    rx.icon("user-minus", size=16, aria_hidden="true"),
                    on_click=[ProjectsState.remove(member.user_id), FOLLOW()],
                    variant="ghost",
                    color_scheme="red",
                    size="2",
                    aria_label="Remove " + member.name,
                    title="Remove from project",
                ),
                spacing="2",
                align="center",
            ),
        ),
        role="listitem",
        align="center",
        spacing="3",
        width="100%",
        padding_y="0.4em",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        custom_attrs={"data-member": member.user_id},
    )


def _invite_row(invite: InviteRow) -> rx.Component:
    return rx.hstack(
        rx.icon("mail", size=16, color=rx.color("gray", 11), aria_hidden="true"),
        rx.vstack(
            rx.text(invite.email, size="2", class_name="ticked-wrap"),
            rx.text(
                "Invited as ",
                invite.role_label.lower(),
                " · joins on sign-up",
                size="1",
                color=rx.color("gray", 11),
            ),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.button(
            "Cancel invitation",
            on_click=[ProjectsState.cancel_invite(invite.email), FOLLOW()],
            variant="soft",
            color_scheme="gray",
            size="1",
            aria_label="Cancel invitation for " + invite.email,
        ),
        role="listitem",
        align="center",
        spacing="3",
        width="100%",
        padding_y="0.4em",
    )


def share_dialog() -> rx.Component:
    """Invite by email with a role, change roles, remove members, cancel pending invitations."""
    current = ProjectsState.current
    return rx.dialog.root(
        rx.dialog.content(
            rx.vstack(
                rx.hstack(
                    rx.dialog.title(
                        rx.text("Share “", rx.el.bdi(current.name), "”", as_="span"),
                        margin="0",
                        class_name="ticked-wrap",
                        min_width="0",
                    ),
                    rx.spacer(),
                    rx.dialog.close(
                        rx.icon_button(
                            rx.icon("x", size=18, aria_hidden="true"),
                            variant="ghost",
                            color_scheme="gray",
                            aria_label="Close sharing",
                        ),
                    ),
                    align="center",
                    width="100%",
                ),
                rx.dialog.description(
                    "Editors add and change tasks; viewers read and comment. Someone without an account "
                    "joins when they sign up with the email you invite.",
                    size="2",
                    color=rx.color("gray", 11),
                ),
                rx.form(
                    rx.flex(
                        rx.input(
                            id="share-email",
                            name="email",
                            type="email",
                            placeholder="name@example.com",
                            aria_label="Email to invite",
                            auto_complete="off",
                            auto_focus=True,
                            default_value=ProjectsState.share_email,
                            size="3",
                            flex="1 1 200px",
                            min_width="0",
                            aria_invalid=rx.cond(ProjectsState.share_error != "", "true", "false"),
                            aria_describedby="share-error",
                        ),
                        rx.el.select(
                            rx.el.option("Editor", value="editor"),
                            rx.el.option("Viewer", value="viewer"),
                            name="role",
                            default_value="editor",
                            aria_label="Role for the invitation",
                            class_name="ticked-native-select",
                            style={"flex": "0 0 auto"},
                        ),
                        rx.button(
                            rx.icon("send", size=16, aria_hidden="true"), "Invite", type="submit", size="3"
                        ),
                        spacing="2",
                        wrap="wrap",
                        align="center",
                        width="100%",
                    ),
                    on_submit=[ProjectsState.invite, FOLLOW],
                    reset_on_submit=False,
                    width="100%",
                ),
                rx.box(
                    error_callout(ProjectsState.share_error),
                    id="share-error",
                    width="100%",
                ),
                rx.heading("Members", as_="h3", size="2"),
                rx.box(
                    rx.foreach(current.members, _member_row),
                    role="list",
                    aria_label="People with access",
                    width="100%",
                ),
                rx.cond(
                    current.invitations.length() > 0,
                    rx.vstack(
                        rx.heading("Pending invitations", as_="h3", size="2"),
                        rx.box(
                            rx.foreach(current.invitations, _invite_row),
                            role="list",
                            aria_label="Pending invitations",
                            width="100%",
                        ),
                        spacing="2",
                        width="100%",
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            max_width="560px",
            width="calc(100vw - 1.5em)",
            max_height="calc(100dvh - 2em)",
            overflow_y="auto",
        ),
        open=ProjectsState.share_open,
        on_open_change=ProjectsState.set_share_open,
    )


def project_dialogs() -> rx.Component:
    return rx.fragment(project_dialog(), confirm_dialog(), share_dialog())
