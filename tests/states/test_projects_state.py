"""The task page's teamwork states on a real database (no browser), as the page drives them: the
project list and views, sharing, roles, leaving, comments, activity, the assignee picker and
filter, and ``TasksState.live_refresh`` (issue 16)."""

from __future__ import annotations

import uuid

import reflex as rx
from sqlmodel import Session, select

from app.models import Membership, Project, Task, User
from app.services import tasks as task_service
from app.states.projects import ALL, ASSIGNED, INBOX, ProjectsState, TaskTalkState, ago, initials
from app.states.tasks import TasksState
from tests.states.tab import in_tab, sign_up


def _email(engine, user_id: uuid.UUID) -> str:
    with Session(engine) as s:
        return s.get(User, user_id).email


def _create(token: str, name: str, color: str = "green") -> str:
    async def work(root: rx.State) -> str:
        tasks = await root.get_state(TasksState)
        projects = await root.get_state(ProjectsState)
        await tasks.on_load()
        projects.open_new()
        projects.set_edit_color(color)
        await projects.save_project({"name": name})
        assert projects.edit_error == ""
        await tasks.follow_projects()
        assert projects.view_name == name
        assert tasks._url() == f"/tasks?project={tasks.project}"
        assert name in [p.name for p in projects.shared_projects]
        assert projects.current.role == "owner"
        return tasks.project

    return in_tab(token, work)


def test_projects_state_create_share_complete_live_and_remove(app_db):
    alice, _alice_id = sign_up(app_db)
    bob, bob_id = sign_up(app_db)
    pid = _create(alice, "Groceries")

    async def alice_shares(root: rx.State) -> None:
        tasks = await root.get_state(TasksState)
        projects = await root.get_state(ProjectsState)
        await tasks.on_load()
        await tasks.set_project(pid)
        await tasks.add_task({"title": "Buy milk"})
        assert [(t.title, t.project_id) for t in tasks.tasks] == [("Buy milk", pid)]
        projects.open_share()
        assert projects.share_open
        await projects.invite({"email": "not an email", "role": "editor"})
        assert "valid email" in projects.share_error
        await projects.invite({"email": _email(app_db, bob_id).upper(), "role": "editor"})
        assert projects.share_error == ""
        await projects.invite({"email": "carol@example.com", "role": "viewer"})
        await tasks.follow_projects()
        assert [(m.role, m.is_me) for m in projects.current.members] == [("owner", True), ("editor", False)]
        assert (len(projects.header_members), projects.hidden_members) == (2, 0)
        assert [(i.email, i.role) for i in projects.current.invitations] == [("carol@example.com", "viewer")]
        await projects.cancel_invite("carol@example.com")
        await tasks.follow_projects()
        assert projects.current.invitations == []

    in_tab(alice, alice_shares)

    async def bob_completes(root: rx.State) -> None:
        tasks = await root.get_state(TasksState)
        projects = await root.get_state(ProjectsState)
        await tasks.on_load()
        assert "Groceries" in [p.name for p in projects.shared_projects]
        assert [t.project_name for t in tasks.tasks] == ["Groceries"]  # All tasks shows the project
        await tasks.set_project(pid)
        assert projects.current.role == "editor"
        milk = tasks.tasks[0]
        assert milk.can_write
        await tasks.toggle_done(milk.id)
        assert tasks.error == ""

    in_tab(bob, bob_completes)

    async def alice_sees_it_and_removes_bob(root: rx.State) -> None:
        tasks = await root.get_state(TasksState)
        projects = await root.get_state(ProjectsState)
        await tasks.on_load()
        await tasks.set_project(pid)
        assert tasks.tasks == []  # the default view is open tasks: Bob completed it
        await tasks.set_status("completed")
        assert [t.title for t in tasks.tasks] == ["Buy milk"]
        await tasks.open_detail(tasks.tasks[0].id)
        talk = await root.get_state(TaskTalkState)
        assert any("completed" in a.line and "Buy milk" in a.line for a in talk.activity)
        await projects.remove(str(bob_id))
        await tasks.follow_projects()
        assert [m.role for m in projects.current.members] == ["owner"]

    in_tab(alice, alice_sees_it_and_removes_bob)

    async def bob_loses_it_on_a_live_refresh(root: rx.State) -> None:
        tasks = await root.get_state(TasksState)
        projects = await root.get_state(ProjectsState)
        await tasks.on_load()
        tasks.project = pid  # the tab was showing it (a live refresh arrives after the removal)
        await tasks.live_refresh()
        assert tasks.project == ALL
        assert "no longer shared" in tasks.error
        assert "Groceries" not in [p.name for p in projects.projects]
        assert tasks.tasks == []

    in_tab(bob, bob_loses_it_on_a_live_refresh)


def test_projects_state_viewer_rows_are_read_only_and_viewer_can_comment_and_leave(app_db):
    alice, _alice_id = sign_up(app_db)
    bob, bob_id = sign_up(app_db)
    pid = _create(alice, "Plans")

    async def alice_work(root: rx.State) -> str:
        tasks = await root.get_state(TasksState)
        projects = await root.get_state(ProjectsState)
        await tasks.on_load()
        await tasks.set_project(pid)
        await tasks.add_task({"title": "Draft agenda"})
        projects.open_share()
        await projects.invite({"email": _email(app_db, bob_id), "role": "viewer"})
        return tasks.tasks[0].id

    task_id = in_tab(alice, alice_work)

    async def bob_work(root: rx.State) -> None:
        tasks = await root.get_state(TasksState)
        projects = await root.get_state(ProjectsState)
        talk = await root.get_state(TaskTalkState)
        await tasks.on_load()
        await tasks.set_project(pid)
        assert projects.current.role == "viewer"
        row = tasks.tasks[0]
        assert not row.can_write
        await tasks.toggle_done(task_id)  # no checkbox is drawn; the service refuses anyway
        assert tasks.error == "Task not found."
        await tasks.open_detail(task_id)
        assert not tasks.detail.can_write
        await talk.add_comment({"body": "Looks **good**"})
        assert [(c.body, c.mine, c.can_delete) for c in talk.comments] == [("Looks **good**", True, True)]
        await talk.add_comment({"body": "   "})
        assert talk.error
        talk.start_edit(talk.comments[0].id)
        talk.set_edit_text("Looks great")
        await talk.save_edit()
        assert (talk.comments[0].body, talk.comments[0].edited) == ("Looks great", True)
        assert any("commented on" in a.line for a in talk.activity)
        talk.ask_delete(talk.comments[0].id)
        assert talk.deleting_id == talk.comments[0].id
        talk.keep_comment()
        assert (talk.deleting_id, len(talk.comments)) == ("", 1)
        await talk.delete_comment(talk.comments[0].id)
        assert talk.comments == []
        projects.ask_leave()
        await projects.confirm()
        await tasks.follow_projects()
        assert tasks.project == ALL
        assert "Plans" not in [p.name for p in projects.projects]

    in_tab(bob, bob_work)
    with Session(app_db) as s:
        assert s.exec(select(Membership).where(Membership.user_id == bob_id)).all() != []  # his Inbox
        assert (
            s.exec(
                select(Membership).where(
                    Membership.user_id == bob_id, Membership.project_id == uuid.UUID(pid)
                )
            ).first()
            is None
        )


def test_projects_state_assignee_picker_filter_and_assigned_view(app_db):
    alice, alice_id = sign_up(app_db)
    _bob, bob_id = sign_up(app_db)
    pid = _create(alice, "Launch")

    async def work(root: rx.State) -> None:
        tasks = await root.get_state(TasksState)
        projects = await root.get_state(ProjectsState)
        await tasks.on_load()
        await tasks.set_project(pid)
        projects.open_share()
        await projects.invite({"email": _email(app_db, bob_id), "role": "editor"})
        await tasks.follow_projects()
        await tasks.add_task({"title": "Write notes"})
        await tasks.add_task({"title": "Book room"})
        notes = next(t for t in tasks.tasks if t.title == "Write notes")
        await tasks.open_detail(notes.id)
        assert {m.user_id for m in tasks.detail_members} == {str(alice_id), str(bob_id)}
        await tasks.save_field("assignee_id", str(bob_id))
        assert tasks.detail.assignee_id == str(bob_id)
        assert tasks.detail_changes[0].label.startswith("Assigned to ")
        row = next(t for t in tasks.tasks if t.title == "Write notes")
        assert row.assignee_initials == initials(_email(app_db, bob_id))
        await tasks.set_assignee(str(bob_id))
        assert [t.title for t in tasks.tasks] == ["Write notes"]
        assert "assignee=" in tasks._url()
        await tasks.set_assignee("none")
        assert [t.title for t in tasks.tasks] == ["Book room"]
        await tasks.undo_change(tasks.detail_changes[0].op_id)
        assert tasks.detail.assignee_id == ""
        await tasks.save_field("assignee_id", str(alice_id))
        await tasks.close_detail()
        await tasks.set_project(ASSIGNED)
        assert tasks.assignee == "any"
        assert [(t.title, t.project_name) for t in tasks.tasks] == [("Write notes", "Launch")]
        assert projects.view_name == "Assigned to me"
        await tasks.add_task({"title": "Call caterer"})  # added here: assigned to me, in the Inbox
        assert sorted(t.title for t in tasks.tasks) == ["Call caterer", "Write notes"]
        await tasks.set_project(INBOX)
        assert [t.title for t in tasks.tasks] == ["Call caterer"]
        assert projects.view_name == "Inbox"

    in_tab(alice, work)


def test_projects_state_rename_archive_delete_and_refusals(app_db):
    alice, _alice_id = sign_up(app_db)
    pid = _create(alice, "Garden")
    _create(alice, "Home")

    async def work(root: rx.State) -> None:
        tasks = await root.get_state(TasksState)
        projects = await root.get_state(ProjectsState)
        await tasks.on_load()
        await tasks.set_project(pid)
        projects.open_rename()
        assert projects.edit_mode == "rename"
        await projects.save_project({"name": "home"})  # another project's name, any case
        assert "already exists" in projects.edit_error
        projects.set_edit_color("purple")
        await projects.save_project({"name": "Back garden"})
        await tasks.follow_projects()
        assert (projects.current.name, projects.current.color) == ("Back garden", "purple")
        await tasks.add_task({"title": "Plant bulbs"})
        await projects.set_archived(True)
        await tasks.follow_projects()
        assert tasks.project == ALL
        assert [p.name for p in projects.archived] == ["Back garden"]
        await tasks.set_project(pid)  # an archived project can still be opened and restored
        assert projects.current.archived
        await projects.set_archived(False)
        await tasks.follow_projects()
        assert projects.archived == []
        projects.ask_delete()
        assert projects.confirm_kind == "delete"
        projects.cancel_confirm()
        assert projects.confirm_kind == ""
        projects.ask_delete()
        await projects.confirm()
        await tasks.follow_projects()
        assert (tasks.project, projects.view_name) == (ALL, "All tasks")
        assert [p.name for p in projects.shared_projects] == ["Home"]
        await tasks.set_project(str(uuid.uuid4()))  # a made-up id: nothing shown, no crash
        assert tasks.project == ALL
        assert tasks.error

    in_tab(alice, work)
    with Session(app_db) as s:
        assert s.exec(select(Project).where(Project.id == uuid.UUID(pid))).first() is None
        assert s.exec(select(Task).where(Task.title == "Plant bulbs")).first() is None


def test_projects_state_a_stranger_cannot_use_another_projects_id(app_db):
    alice, _ = sign_up(app_db)
    mallory, _mallory_id = sign_up(app_db)
    pid = _create(alice, "Secret")
    with Session(app_db) as s:
        project = s.get(Project, uuid.UUID(pid))
        task = task_service.create_task(
            s, user_id=project.owner_id, data={"title": "Hidden", "project_id": str(project.id)}
        )
        s.commit()
        task_id = str(task.id)

    async def work(root: rx.State) -> None:
        tasks = await root.get_state(TasksState)
        projects = await root.get_state(ProjectsState)
        talk = await root.get_state(TaskTalkState)
        await tasks.on_load()
        await tasks.set_project(pid)
        assert tasks.project == ALL
        assert tasks.tasks == []
        projects.current.id = pid  # even a forged header: the service decides
        projects.current.role = "owner"
        await projects.invite({"email": "x@example.com", "role": "editor"})
        assert projects.share_error == "Project not found."
        await tasks.open_detail(task_id)
        assert tasks.detail_id == ""
        assert tasks.error == "Task not found."
        talk.task_id = task_id
        await talk.add_comment({"body": "hi"})
        assert talk.error == "Task not found."

    in_tab(mallory, work)


def test_ago_reads_like_a_person():
    from datetime import timedelta

    from app.models.base import utcnow

    now = utcnow()
    assert ago(now, now) == "just now"
    assert ago(now - timedelta(minutes=2), now) == "2 min ago"
    assert ago(now - timedelta(hours=3), now) == "3 h ago"
    assert ago(now - timedelta(days=1, hours=1), now) == "yesterday"
    assert initials("Sam Lee") == "SL"
    assert initials("sam.lee@example.com") == "SL"


def test_ago_writes_an_older_day_as_every_other_date_is_written():
    """A comment or activity line from last month reads "Fri 20 Nov" like the rows and cards beside
    it (presentation.human_date), not "Nov 20" (issue 15, item 6)."""
    from datetime import UTC, datetime

    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert ago(datetime(2026, 11, 20, 9, 30, tzinfo=UTC), now) == "Fri 20 Nov"
    assert ago(datetime(2025, 12, 20, 9, 30, tzinfo=UTC), now) == "Sat 20 Dec 2025"


def test_tasks_state_live_refresh_shows_a_teammates_changes_and_keeps_what_is_typed(app_db):
    alice, _alice_id = sign_up(app_db)
    bob, bob_id = sign_up(app_db)
    pid = _create(alice, "Trip")

    async def share_and_add(root: rx.State) -> str:
        tasks = await root.get_state(TasksState)
        projects = await root.get_state(ProjectsState)
        await tasks.on_load()
        await tasks.set_project(pid)
        projects.open_share()
        await projects.invite({"email": _email(app_db, bob_id), "role": "editor"})
        await tasks.add_task({"title": "Book flights"})
        return tasks.tasks[0].id

    task_id = in_tab(alice, share_and_add)

    async def bob_tab(root: rx.State) -> None:
        tasks = await root.get_state(TasksState)
        talk = await root.get_state(TaskTalkState)
        await tasks.on_load()
        await tasks.set_project(pid)
        await tasks.open_detail(task_id)
        version = tasks.detail_version
        await tasks.live_refresh()  # nothing changed: the fields are not drawn again
        assert tasks.detail_version == version

        # Alice (another tab, in-process) comments, renames the task and adds another.
        from app.core.db import session_scope
        from app.services import comments as comment_service

        with Session(app_db) as s:
            owner_id = s.exec(select(Project.owner_id).where(Project.id == uuid.UUID(pid))).one()
        with session_scope() as s:
            comment_service.add_comment(s, user_id=owner_id, task_id=task_id, body="Window seats")
            task_service.update_task(
                s, user_id=owner_id, task_id=task_id, data={"title": "Book flights to Rome"}
            )
            task_service.create_task(s, user_id=owner_id, data={"title": "Pack", "project_id": pid})

        await tasks.live_refresh()
        assert tasks.detail.title == "Book flights to Rome"
        assert tasks.detail_version == version + 1  # the panel shows the teammate's change
        assert [c.body for c in talk.comments] == ["Window seats"]
        assert sorted(t.title for t in tasks.tasks) == ["Book flights to Rome", "Pack"]
        projects = await root.get_state(ProjectsState)
        assert next(p.open_count for p in projects.shared_projects if p.id == pid) == 2

        with session_scope() as s:
            task_service.delete_task(s, user_id=owner_id, task_id=task_id)
        await tasks.live_refresh()
        assert tasks.detail_id == ""
        assert "deleted" in tasks.error

    in_tab(bob, bob_tab)


def test_tasks_state_live_refresh_before_the_page_loaded_does_nothing(app_db):
    token, _ = sign_up(app_db)

    async def work(root: rx.State) -> None:
        tasks = await root.get_state(TasksState)
        await tasks.live_refresh()
        assert not tasks.loaded
        assert tasks.tasks == []

    in_tab(token, work)


def test_projects_state_header_lists_six_members_then_more(app_db):
    alice, _ = sign_up(app_db)
    pid = _create(alice, "Big team")
    mates = [sign_up(app_db)[1] for _ in range(7)]

    async def work(root: rx.State) -> None:
        tasks = await root.get_state(TasksState)
        projects = await root.get_state(ProjectsState)
        await tasks.on_load()
        await tasks.set_project(pid)
        for mate in mates:
            await projects.invite({"email": _email(app_db, mate), "role": "viewer"})
        await tasks.follow_projects()
        assert (len(projects.current.members), len(projects.header_members)) == (8, 6)
        assert projects.hidden_members == 2
        projects.toggle_members()
        assert (len(projects.header_members), projects.hidden_members) == (8, 0)

    in_tab(alice, work)
