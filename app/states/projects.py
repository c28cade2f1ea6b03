"""Teamwork on the task page (issue 16): the project list, the open project's header and its
dialogs (new/rename, delete, leave, share), and the open task's comments and activity.

Two small states, each one concern:

- :class:`ProjectsState`: the list beside the tasks (All tasks, Inbox, Assigned to me, the user's
  projects with their colour and open count), the project shown (its members and pending
  invitations) and every change to projects and members. It never touches the task list itself:
  a handler that changes which project is shown (a new project, a deleted or left one) or who is
  in it sets :attr:`ProjectsState.pending_view`, and the page chains
  ``TasksState.follow_projects`` after it, which switches the view, reloads the list and the URL
  (``app.states.tasks`` imports this module, never the other way round).
- :class:`TaskTalkState`: the comments and the activity feed of the task open in the detail panel.

Who may do what is decided by :mod:`app.services.projects` only: the roles kept here decide which
buttons are drawn (a viewer sees no write buttons), never what is allowed; the service refuses
anyway. Database work runs in the worker pool (``run_db``), never on the event loop.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from datetime import datetime

import reflex as rx

from app.core.db import session_scope
from app.models.base import utcnow
from app.models.comment import COMMENT_MAX
from app.models.project import DEFAULT_COLOR, PROJECT_COLORS, PROJECT_NAME_MAX
from app.services import activity as activity_service
from app.services import comments as comment_service
from app.services import projects as project_service
from app.services import tasks as task_service
from app.services.errors import ServiceError
from app.services.operations import PAGE
from app.services.presentation import human_date
from app.states.actor import web_actor
from app.states.auth import current_user_id
from app.states.fields import clear_if_still
from app.states.focus import focus_first
from app.states.workers import run_db

ALL, INBOX, ASSIGNED = "", "inbox", "assigned"
"""The task page's views besides one project: every task the user can see (``/tasks``), their Inbox
(``?project=inbox``) and the open tasks assigned to them in any project (``?project=assigned``)."""
ROLE_LABELS = {"owner": "Owner", "editor": "Editor", "viewer": "Viewer"}
AVATAR_TONES = ("indigo", "crimson", "grass", "amber", "cyan", "plum", "orange", "teal", "pink", "brown")
ACTIVITY_SHOWN = 20
HEADER_MEMBERS = 6
"""How many members the project header lists before "+N more"."""
DIALOG = "[role=dialog], [role=alertdialog]"
"""A dialog on the page; focus moves once it has gone."""


def initials(name: str) -> str:
    """ "Sam Lee" -> "SL", "sam.lee@example.com" -> "SL", "bob@x.org" -> "B"."""
    text = (name or "").strip()
    if "@" in text and " " not in text:
        text = text.split("@")[0].replace(".", " ").replace("_", " ").replace("-", " ")
    parts = [p for p in text.split() if p[:1].isalpha()]
    return ("".join(p[0] for p in parts[:2]) or "?").upper()


def tone_of(user_id: str) -> str:
    """A person's avatar colour: the same on every page and for every teammate."""
    digest = hashlib.sha256(str(user_id).encode()).digest()
    return AVATAR_TONES[digest[0] % len(AVATAR_TONES)]


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """ "just now", "2 min ago", "3 h ago", "yesterday", "4 days ago", else the date as Ticked
    writes every date ("Tue 3 Mar", see presentation.human_date)."""
    if when is None:
        return ""
    seconds = max(0.0, ((now or utcnow()) - when).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    if days == 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    return human_date(when.date(), (now or utcnow()).date())


@dataclasses.dataclass
class ProjectItem:
    """One project in the list (plain data)."""

    id: str = ""
    name: str = ""
    color: str = DEFAULT_COLOR
    open_count: int = 0
    role: str = ""
    inbox: bool = False
    archived: bool = False


@dataclasses.dataclass
class MemberRow:
    """A member of the shown project, as its header and the Share dialog show them."""

    user_id: str = ""
    name: str = ""
    email: str = ""
    role: str = ""
    role_label: str = ""
    initials: str = ""
    tone: str = "gray"
    is_me: bool = False
    named: bool = False
    """They gave a name (else ``name`` is their email, not written twice)."""


@dataclasses.dataclass
class InviteRow:
    """A pending invitation (an email without an account yet)."""

    email: str = ""
    role: str = ""
    role_label: str = ""


@dataclasses.dataclass
class ProjectHeader:
    """The project shown (empty in the All and Assigned views)."""

    id: str = ""
    name: str = ""
    color: str = DEFAULT_COLOR
    role: str = ""
    inbox: bool = False
    archived: bool = False
    open_count: int = 0
    members: list[MemberRow] = dataclasses.field(default_factory=list)
    invitations: list[InviteRow] = dataclasses.field(default_factory=list)


def member_rows(members: list[dict], me: uuid.UUID) -> list[MemberRow]:
    rows = []
    for m in members:
        name = m.get("name") or m["email"]
        rows.append(
            MemberRow(
                user_id=m["user_id"],
                name=name,
                email=m["email"],
                role=m["role"],
                role_label=ROLE_LABELS.get(m["role"], m["role"]),
                initials=initials(name),
                tone=tone_of(m["user_id"]),
                is_me=m["user_id"] == str(me),
                named=bool(m.get("name")),
            )
        )
    return rows


def _item(view: project_service.ProjectView) -> ProjectItem:
    p = view.project
    return ProjectItem(
        id=str(p.id),
        name=p.name,
        color=p.color,
        open_count=view.open_count,
        role=view.role,
        inbox=p.is_inbox,
        archived=p.archived,
    )


@dataclasses.dataclass
class Loaded:
    """What :func:`load_projects` read in one transaction."""

    projects: list[ProjectItem]
    archived: list[ProjectItem]
    all_open: int
    assigned_open: int
    inbox_id: str
    header: ProjectHeader | None
    lost: bool
    """The view named a project the user can no longer see (removed, deleted, never shared)."""


def load_projects(user_id: uuid.UUID, view: str) -> Loaded:
    """The project list and, for a project view, the project with its members (a worker thread)."""
    with session_scope() as session:
        views = project_service.list_projects(session, user_id=user_id, archived=True)
        items = [_item(v) for v in views]
        inbox_id = next((i.id for i in items if i.inbox), "")
        pending = task_service.TaskQuery(status="pending")
        all_open = task_service.count_by_status(session, user_id=user_id, query=pending)["pending"]
        mine = task_service.TaskQuery(status="pending", assignee_id=user_id)
        assigned_open = task_service.count_by_status(session, user_id=user_id, query=mine)["pending"]
        header, lost = None, False
        wanted = inbox_id if view == INBOX else view
        if wanted not in (ALL, ASSIGNED):
            try:
                pv = project_service.project_view(session, user_id=user_id, project_id=wanted)
            except ServiceError:
                lost = True
            else:
                p = pv.project
                header = ProjectHeader(
                    id=str(p.id),
                    name=p.name,
                    color=p.color,
                    role=pv.role,
                    inbox=p.is_inbox,
                    archived=p.archived,
                    open_count=pv.open_count,
                    members=member_rows(pv.members, user_id),
                    invitations=[
                        InviteRow(email=i["email"], role=i["role"], role_label=ROLE_LABELS.get(i["role"], ""))
                        for i in pv.invitations
                    ],
                )
        return Loaded(
            projects=[i for i in items if not i.archived],
            archived=[i for i in items if i.archived],
            all_open=all_open,
            assigned_open=assigned_open,
            inbox_id=inbox_id,
            header=header,
            lost=lost,
        )


def _run(action, user_id: uuid.UUID):
    with session_scope() as session:
        return action(session, user_id)


class ProjectsState(rx.State):
    """The project list and the shown project's header and dialogs (see the module docstring)."""

    projects: list[ProjectItem] = []
    """The Inbox and the projects that are not archived."""
    shared_projects: list[ProjectItem] = []
    """The projects below the Inbox in the list (not archived)."""
    archived: list[ProjectItem] = []
    inbox_open: int = 0
    view_name: str = "All tasks"
    view_icon: str = "layers"
    is_project_view: bool = False
    """A project (or the Inbox) is shown, with its header; not All tasks or Assigned to me."""
    all_open: int = 0
    assigned_open: int = 0
    inbox_id: str = ""
    view: str = ALL
    current: ProjectHeader = ProjectHeader()
    nav_open: bool = False
    show_archived: bool = False
    header_members: list[MemberRow] = []
    """The members the header shows: the first ``HEADER_MEMBERS`` unless expanded (a team of 50
    would push the tasks off the screen)."""
    hidden_members: int = 0
    members_expanded: bool = False

    edit_mode: str = ""
    """"new" or "rename" while the project dialog is open."""
    edit_name: str = ""
    edit_color: str = DEFAULT_COLOR
    edit_error: str = ""

    confirm_kind: str = ""
    """"delete" or "leave" while that confirmation is open."""
    confirm_error: str = ""

    share_open: bool = False
    share_email: str = ""
    share_role: str = "editor"
    share_error: str = ""

    pending_view: str = ""
    has_pending_view: bool = False
    """Set by a change that must switch or refresh the task list; ``TasksState.follow_projects``
    (chained after it by the page) takes it."""

    # ----- loading (called by TasksState) ---------------------------------------------------------

    async def _refresh(self, user_id: uuid.UUID, view: str) -> bool:
        """Read the list and the shown project; False when ``view`` is a project the user lost."""
        loaded = await run_db(load_projects, user_id, view)
        self.projects, self.archived = loaded.projects, loaded.archived
        self.all_open, self.assigned_open, self.inbox_id = (
            loaded.all_open,
            loaded.assigned_open,
            loaded.inbox_id,
        )
        self.view = ALL if loaded.lost else view
        self.current = loaded.header or ProjectHeader()
        self._show_members()
        self.shared_projects = [p for p in loaded.projects if not p.inbox]
        self.inbox_open = next((p.open_count for p in loaded.projects if p.inbox), 0)
        self.is_project_view = self.current.id != ""
        if self.view == ASSIGNED:
            self.view_name, self.view_icon = "Assigned to me", "user-check"
        elif self.current.inbox:
            self.view_name, self.view_icon = "Inbox", "inbox"
        elif self.current.id:
            self.view_name, self.view_icon = self.current.name, "folder"
        else:
            self.view_name, self.view_icon = "All tasks", "layers"
        if self.current.id == "" and (self.share_open or self.confirm_kind or self.edit_mode == "rename"):
            self.share_open, self.confirm_kind, self.edit_mode = False, "", ""
        return not loaded.lost

    def _show_members(self) -> None:
        members = self.current.members
        shown = members if self.members_expanded else members[:HEADER_MEMBERS]
        self.header_members, self.hidden_members = shown, len(members) - len(shown)

    @rx.event
    def toggle_members(self):
        self.members_expanded = not self.members_expanded
        self._show_members()

    def _take_pending_view(self) -> str | None:
        if not self.has_pending_view:
            return None
        self.has_pending_view = False
        return self.pending_view

    def _go(self, view: str) -> None:
        self.pending_view, self.has_pending_view = view, True

    async def _write(self, action) -> tuple[object, str]:
        """Run one service change as the signed-in user: (result, "") or (None, the error's message)."""
        user_id = await current_user_id(self)
        if user_id is None:
            return None, "Your session has ended. Sign in again."
        try:
            return await run_db(_run, action, user_id), ""
        except ServiceError as exc:
            return None, exc.message

    @rx.event
    def toggle_nav(self):
        """On a phone the list folds behind one button, so the tasks stay above the fold."""
        self.nav_open = not self.nav_open

    @rx.event
    def close_nav(self):
        self.nav_open = False

    @rx.event
    def toggle_archived(self):
        self.show_archived = not self.show_archived

    # ----- new project / rename -------------------------------------------------------------------

    @rx.event
    def open_new(self):
        self.edit_mode, self.edit_name, self.edit_color, self.edit_error = "new", "", DEFAULT_COLOR, ""

    @rx.event
    def open_rename(self):
        if self.current.id and not self.current.inbox:
            self.edit_mode, self.edit_name = "rename", self.current.name
            self.edit_color, self.edit_error = self.current.color, ""

    @rx.event
    def set_edit_name(self, value: str):
        self.edit_name = value[:PROJECT_NAME_MAX]

    @rx.event
    def set_edit_color(self, value: str):
        if value in PROJECT_COLORS:
            self.edit_color = value

    def _close_edit(self):
        mode, self.edit_mode, self.edit_error = self.edit_mode, "", ""
        opener = "#new-project-button" if mode == "new" else "#project-options"
        return focus_first(opener, "#project-heading", after_gone=DIALOG)

    @rx.event
    def set_edit_open(self, is_open: bool):
        """Escape or a click outside: nothing saved, focus back to what opened the dialog."""
        return None if is_open else self._close_edit()

    @rx.event
    def cancel_edit(self):
        return self._close_edit()

    @rx.event
    async def save_project(self, form: dict | None = None):
        name = str((form or {}).get("name", self.edit_name))
        color = str((form or {}).get("color") or self.edit_color)
        if self.edit_mode == "new":
            project, error = await self._write(
                lambda s, uid: (
                    project_service.create_project(s, user_id=uid, name=name, color=color, origin=PAGE).id
                )
            )
            if error:
                self.edit_error = error
                return None
            self.edit_mode, self.edit_error = "", ""
            self._go(str(project))
            return [
                rx.toast.success(f"Created “{' '.join(name.split())}”."),
                focus_first("#project-heading", after_gone=DIALOG),
            ]
        if self.edit_mode == "rename" and self.current.id:
            pid = self.current.id
            _, error = await self._write(
                lambda s, uid: project_service.update_project(
                    s, user_id=uid, project_id=pid, name=name, color=color, origin=PAGE
                )
            )
            if error:
                self.edit_error = error
                return None
            self._go(pid)
            return [rx.toast.success("Project saved."), self._close_edit()]
        return None

    # ----- archive, delete, leave -----------------------------------------------------------------

    @rx.event
    async def set_archived(self, archived: bool):
        pid, name = self.current.id, self.current.name
        if not pid:
            return None
        _, error = await self._write(
            lambda s, uid: project_service.update_project(
                s, user_id=uid, project_id=pid, archived=archived, origin=PAGE
            )
        )
        if error:
            return rx.toast.error(error)
        self._go(ALL if archived else pid)
        if archived:
            return rx.toast.info(f"Archived “{name}”. Find it under Archived in the list.")
        return rx.toast.success(f"Restored “{name}”.")

    @rx.event
    def ask_delete(self):
        if self.current.id and not self.current.inbox:
            self.confirm_kind, self.confirm_error = "delete", ""

    @rx.event
    def ask_leave(self):
        if self.current.id and not self.current.inbox:
            self.confirm_kind, self.confirm_error = "leave", ""

    def _close_confirm(self):
        kind, self.confirm_kind, self.confirm_error = self.confirm_kind, "", ""
        opener = "#project-options" if kind == "delete" else "#leave-project-button"
        return focus_first(opener, "#project-heading", after_gone=DIALOG)

    @rx.event
    def cancel_confirm(self):
        return self._close_confirm()

    @rx.event
    def set_confirm_open(self, is_open: bool):
        return None if is_open else self._close_confirm()

    @rx.event
    async def confirm(self):
        """Delete the project (owners) or leave it (members); then the page shows All tasks."""
        kind, pid, name = self.confirm_kind, self.current.id, self.current.name
        if not pid or kind not in ("delete", "leave"):
            return None
        if kind == "delete":
            result, error = await self._write(
                lambda s, uid: project_service.delete_project(s, user_id=uid, project_id=pid, origin=PAGE)
            )
        else:
            actor = web_actor(self)
            result, error = await self._write(
                lambda s, uid: project_service.remove_member(
                    s, user_id=uid, project_id=pid, member_id=uid, origin=PAGE, actor=actor
                )
            )
        if error:
            self.confirm_error = error
            return None
        self.confirm_kind = ""
        self._go(ALL)
        if kind == "delete":
            count = result[1] if isinstance(result, tuple) else 0
            said = f"Deleted “{name}” and its {count} task{'s' if count != 1 else ''}."
        else:
            said = f"You left “{name}”."
        return [rx.toast.info(said), focus_first("#project-heading", after_gone=DIALOG)]

    # ----- sharing --------------------------------------------------------------------------------

    @rx.event
    def open_share(self):
        if self.current.id and self.current.role == "owner" and not self.current.inbox:
            self.share_open, self.share_email, self.share_role, self.share_error = True, "", "editor", ""

    @rx.event
    def set_share_open(self, is_open: bool):
        if is_open:
            return None
        self.share_open, self.share_error = False, ""
        return focus_first("#share-project-button", "#project-heading", after_gone=DIALOG)

    @rx.event
    def set_share_email(self, value: str):
        self.share_email = value[:254]

    @rx.event
    def set_share_role(self, value: str):
        self.share_role = value if value in ("editor", "viewer") else "editor"

    @rx.event
    async def invite(self, form: dict | None = None):
        email = str((form or {}).get("email", self.share_email)).strip()
        role = str((form or {}).get("role", self.share_role))
        pid = self.current.id
        if not email:
            self.share_error = "Type the email address of the person to invite."
            return focus_first("#share-email")
        actor = web_actor(self)
        result, error = await self._write(
            lambda s, uid: project_service.share_project(
                s, user_id=uid, project_id=pid, email=email, role=role, origin=PAGE, actor=actor
            )
        )
        if error:
            self.share_error = error
            return focus_first("#share-email")
        self.share_error, self.share_email = "", ""
        self._go(pid)
        outcome = getattr(result, "outcome", "member")
        address, given = getattr(result, "email", email), ROLE_LABELS.get(role, role).lower()
        said = (
            f"{address} is now an {given}."
            if outcome == "member" and given == "editor"
            else f"{address} is now a {given}."
            if outcome == "member"
            else f"Invited {address} as {given}: they join when they sign up with that email."
        )
        return [rx.toast.success(said), clear_if_still("share-email", email), focus_first("#share-email")]

    @rx.event
    async def change_role(self, member_id: str, role: str):
        pid = self.current.id
        actor = web_actor(self)
        _, error = await self._write(
            lambda s, uid: project_service.set_role(
                s, user_id=uid, project_id=pid, member_id=member_id, role=role, origin=PAGE, actor=actor
            )
        )
        self._go(pid)
        if error:
            self.share_error = error
            return None
        self.share_error = ""
        person = next((m.name for m in self.current.members if m.user_id == member_id), "They")
        return rx.toast.success(f"{person} is now {ROLE_LABELS.get(role, role).lower()}.")

    @rx.event
    async def remove(self, member_id: str):
        pid = self.current.id
        person = next((m.name for m in self.current.members if m.user_id == member_id), "That person")
        actor = web_actor(self)
        _, error = await self._write(
            lambda s, uid: project_service.remove_member(
                s, user_id=uid, project_id=pid, member_id=member_id, origin=PAGE, actor=actor
            )
        )
        if error:
            self.share_error = error
            return None
        self.share_error = ""
        self._go(pid)
        return [
            rx.toast.info(f"Removed {person} from “{self.current.name}”."),
            focus_first("#share-email", after_gone=f"[data-member={json.dumps(member_id)}]"),
        ]

    @rx.event
    async def cancel_invite(self, email: str):
        pid = self.current.id
        actor = web_actor(self)
        _, error = await self._write(
            lambda s, uid: project_service.cancel_invitation(
                s, user_id=uid, project_id=pid, email=email, origin=PAGE, actor=actor
            )
        )
        if error:
            self.share_error = error
            return None
        self._go(pid)
        return [rx.toast.info(f"Cancelled the invitation for {email}."), focus_first("#share-email")]


# ----- comments and activity of the open task -----------------------------------------------------


@dataclasses.dataclass
class CommentRow:
    id: str = ""
    author: str = ""
    initials: str = ""
    tone: str = "gray"
    when: str = ""
    at: str = ""
    edited: bool = False
    body: str = ""
    mine: bool = False
    can_delete: bool = False


@dataclasses.dataclass
class ActivityRow:
    id: str = ""
    line: str = ""
    when: str = ""
    at: str = ""


@dataclasses.dataclass
class Talk:
    comments: list[CommentRow]
    activity: list[ActivityRow]


def load_talk(user_id: uuid.UUID, task_id: str) -> Talk:
    """A task's comments (oldest first) and its activity (newest first), in one transaction."""
    now = utcnow()
    with session_scope() as session:
        task = task_service.get_task(session, user_id=user_id, task_id=task_id)
        owner = project_service.role_of(session, user_id=user_id, project_id=task.project_id) == "owner"
        comments = []
        for view in comment_service.list_comments(session, user_id=user_id, task_id=task.id):
            data = view.to_json()
            author = (data["author"] or {}).get("name") or "a deleted account"
            comments.append(
                CommentRow(
                    id=data["id"],
                    author=author,
                    initials=initials(author),
                    tone=tone_of((data["author"] or {}).get("id", "")),
                    when=ago(view.comment.created_at, now),
                    at=data["created_at"],
                    edited=data["edited_at"] is not None,
                    body=data["body"],
                    mine=view.mine,
                    can_delete=view.mine or owner,
                )
            )
        entries = activity_service.project_activity(
            session, user_id=user_id, project_id=task.project_id, task_id=task.id, limit=ACTIVITY_SHOWN
        )
        activity = [
            ActivityRow(id=str(e.id), line=e.line, when=ago(e.at, now), at=e.at.isoformat()) for e in entries
        ]
        return Talk(comments=comments, activity=activity)


class TaskTalkState(rx.State):
    """The comments panel and the activity feed of the task open in the detail panel."""

    task_id: str = ""
    comments: list[CommentRow] = []
    activity: list[ActivityRow] = []
    draft: str = ""
    editing_id: str = ""
    edit_text: str = ""
    deleting_id: str = ""
    """The comment whose Delete was pressed: it asks "Delete this comment?" in place first."""
    error: str = ""

    async def _load_for(self, user_id: uuid.UUID, task_id: str) -> None:
        """Read the open task's comments and activity (TasksState calls it when a task opens,
        after a change to it and on a live refresh)."""
        if task_id != self.task_id:
            self.draft, self.editing_id, self.edit_text, self.error = "", "", "", ""
        self.task_id = task_id
        try:
            talk = await run_db(load_talk, user_id, task_id)
        except ServiceError:
            self.comments, self.activity = [], []
            return
        self.comments, self.activity = talk.comments, talk.activity

    def _clear(self) -> None:
        self.task_id, self.comments, self.activity = "", [], []
        self.draft, self.editing_id, self.edit_text, self.error = "", "", "", ""
        self.deleting_id = ""

    async def _write(self, action) -> bool:
        user_id = await current_user_id(self)
        if user_id is None or not self.task_id:
            return False
        self.error = ""
        try:
            await run_db(_run, action, user_id)
        except ServiceError as exc:
            self.error = exc.message
            return False
        await self._load_for(user_id, self.task_id)
        return True

    @rx.event
    def set_draft(self, value: str):
        self.draft = value[:COMMENT_MAX]

    @rx.event
    async def add_comment(self, form: dict | None = None):
        body = str((form or {}).get("body", self.draft))
        task_id = self.task_id
        if not body.strip():
            self.error = "Write something first, then press Comment."
            return focus_first("#comment-draft")
        if await self._write(
            lambda s, uid: comment_service.add_comment(
                s, user_id=uid, task_id=task_id, body=body, origin=PAGE
            )
        ):
            self.draft = ""
            return [clear_if_still("comment-draft", body), focus_first("#comment-draft")]
        return None

    @rx.event
    def start_edit(self, comment_id: str):
        row = next((c for c in self.comments if c.id == comment_id and c.mine), None)
        if row is not None:
            self.editing_id, self.edit_text, self.error = comment_id, row.body, ""
            return focus_first("#comment-edit")
        return None

    @rx.event
    def set_edit_text(self, value: str):
        self.edit_text = value[:COMMENT_MAX]

    @rx.event
    def cancel_edit(self):
        comment_id, self.editing_id = self.editing_id, ""
        return focus_first(f"#comment-edit-{comment_id}") if comment_id else None

    @rx.event
    async def save_edit(self):
        comment_id, body = self.editing_id, self.edit_text
        if not comment_id:
            return None
        if await self._write(
            lambda s, uid: comment_service.edit_comment(s, user_id=uid, comment_id=comment_id, body=body)
        ):
            self.editing_id = ""
            return focus_first(f"#comment-edit-{comment_id}")
        return None

    @rx.event
    def ask_delete(self, comment_id: str):
        self.deleting_id, self.editing_id = comment_id, ""
        return focus_first("#comment-keep")

    @rx.event
    def keep_comment(self):
        comment_id, self.deleting_id = self.deleting_id, ""
        return focus_first(f"#comment-delete-{comment_id}") if comment_id else None

    @rx.event
    async def delete_comment(self, comment_id: str):
        self.deleting_id = ""
        if await self._write(
            lambda s, uid: comment_service.delete_comment(s, user_id=uid, comment_id=comment_id)
        ):
            return [rx.toast.info("Comment deleted."), focus_first("#comment-draft")]
        return None
