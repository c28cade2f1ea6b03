"""Projects and membership (issue 16), each rule of ``app/services/projects.py`` on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlmodel import Session, select

from app.models import Invitation, Membership, Project, Task, TaskOperation, User
from app.services import auth, projects, tasks


def person(session: Session, name: str) -> User:
    user = User(
        email=f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@example.com", name=name, hashed_password="-"
    )
    session.add(user)
    session.flush()
    return user


def team(session: Session) -> tuple[User, User, User, Project]:
    """Alice owns Groceries, Ed edits it, Vic views it."""
    alice, ed, vic = person(session, "Alice"), person(session, "Ed Smith"), person(session, "Vic")
    groceries = projects.create_project(session, user_id=alice.id, name="Groceries")
    projects.share_project(session, user_id=alice.id, project_id=groceries.id, email=ed.email, role="editor")
    projects.share_project(session, user_id=alice.id, project_id=groceries.id, email=vic.email, role="viewer")
    return alice, ed, vic, groceries


def refused(call, *args, **kwargs) -> str:
    """``"Type: message"`` of what a call raised."""
    try:
        call(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the exact refusal is what the tests compare
        return f"{type(exc).__name__}: {exc}"
    raise AssertionError(f"{call.__name__} did not refuse")


def add(session: Session, user: User, title: str, project: Project | None = None, **fields) -> Task:
    data = {"title": title, **({"project_id": project.id} if project else {}), **fields}
    return tasks.create_task(session, user_id=user.id, data=data)


def test_projects_every_user_has_one_inbox_and_tasks_without_a_project_go_there(session: Session):
    alice = person(session, "Alice")
    inbox = projects.inbox(session, user_id=alice.id)
    assert (inbox.name, inbox.is_inbox, inbox.owner_id) == ("Inbox", True, alice.id)
    assert projects.inbox(session, user_id=alice.id).id == inbox.id
    assert add(session, alice, "loose").project_id == inbox.id
    views = projects.list_projects(session, user_id=alice.id)
    assert [(v.project.name, v.role, v.open_count) for v in views] == [("Inbox", "owner", 1)]
    assert projects.find_project(session, user_id=alice.id, name="inbox").id == inbox.id


def test_projects_roles_editors_change_viewers_read_and_comment(session: Session):
    from app.services import comments

    alice, ed, vic, groceries = team(session)
    milk = add(session, alice, "Buy milk", groceries)
    # the editor changes, adds, assigns
    tasks.update_task(session, user_id=ed.id, task_id=milk.id, data={"title": "Buy oat milk"})
    eggs = add(session, ed, "Buy eggs", groceries, assignee_id=vic.id)
    tasks.update_task(session, user_id=ed.id, task_id=milk.id, data={"assignee_id": str(ed.id)})
    tasks.complete_task(session, user_id=ed.id, task_id=eggs.id)
    # the viewer reads and comments ...
    seen = tasks.list_tasks(session, user_id=vic.id, query=tasks.TaskQuery(project_id=groceries.id))
    assert {t.title for t in seen} == {"Buy oat milk", "Buy eggs"}
    assert tasks.get_task(session, user_id=vic.id, task_id=milk.id).title == "Buy oat milk"
    comments.add_comment(session, user_id=vic.id, task_id=milk.id, body="oat, not almond")
    # ... and changes nothing, refused like a missing task
    missing = refused(tasks.update_task, session, user_id=vic.id, task_id=uuid.uuid4(), data={"title": "x"})
    assert missing == "NotFoundError: Task not found."
    for call, kwargs in (
        (tasks.update_task, {"task_id": milk.id, "data": {"title": "x"}}),
        (tasks.complete_task, {"task_id": milk.id}),
        (tasks.reopen_task, {"task_id": eggs.id}),
        (tasks.delete_task, {"task_id": milk.id}),
        (tasks.bulk_complete, {"task_ids": [milk.id]}),
        (tasks.bulk_delete, {"task_ids": [milk.id]}),
    ):
        assert refused(call, session, user_id=vic.id, **kwargs) == missing, call.__name__
    no_project = "NotFoundError: Project not found."
    assert refused(add, session, vic, "planted", groceries) == no_project
    assert refused(projects.get_project, session, user_id=vic.id, project_id=groceries.id, need="write") == (
        no_project
    )
    assert tasks.get_task(session, user_id=alice.id, task_id=milk.id).title == "Buy oat milk"
    # only owners manage the project: an editor is refused like a stranger
    for call, kwargs in (
        (projects.update_project, {"name": "Mine now"}),
        (projects.share_project, {"email": "friend@example.com"}),
        (projects.set_role, {"member_id": ed.id, "role": "owner"}),
        (projects.transfer_ownership, {"to_user_id": ed.id}),
        (projects.remove_member, {"member_id": vic.id}),
        (projects.delete_project, {}),
        (projects.cancel_invitation, {"email": "friend@example.com"}),
    ):
        assert refused(call, session, user_id=ed.id, project_id=groceries.id, **kwargs) == no_project


def test_projects_non_members_get_exactly_what_a_missing_id_gets(session: Session):
    alice, _ed, _vic, groceries = team(session)
    milk = add(session, alice, "Buy milk", groceries)
    bob = person(session, "Bob")
    for call, kwargs in (
        (projects.get_project, {}),
        (projects.project_view, {}),
        (projects.update_project, {"name": "x"}),
        (projects.delete_project, {}),
        (projects.share_project, {"email": "x@example.com"}),
        (projects.remove_member, {"member_id": bob.id}),
        (projects.members_matching, {"who": "alice"}),
    ):
        theirs = refused(call, session, user_id=bob.id, project_id=groceries.id, **kwargs)
        assert theirs == refused(call, session, user_id=bob.id, project_id=uuid.uuid4(), **kwargs)
        assert theirs == "NotFoundError: Project not found."
    assert (
        refused(tasks.get_task, session, user_id=bob.id, task_id=milk.id) == "NotFoundError: Task not found."
    )
    assert tasks.list_tasks(session, user_id=bob.id, query=tasks.TaskQuery(project_id=groceries.id)) == []
    assert refused(projects.find_project, session, user_id=bob.id, name="Groceries") == (
        "NotFoundError: Project not found."
    )
    assert [v.project.name for v in projects.list_projects(session, user_id=bob.id)] == ["Inbox"]


def test_projects_the_inbox_is_never_shared_renamed_archived_or_deleted(session: Session):
    alice, ed = person(session, "Alice"), person(session, "Ed")
    inbox = projects.inbox(session, user_id=alice.id)
    pid = {"user_id": alice.id, "project_id": inbox.id}
    assert "InvalidInputError" in refused(projects.share_project, session, **pid, email=ed.email)
    assert refused(projects.update_project, session, **pid, name="Home") == (
        "InvalidInputError: The Inbox can't be renamed."
    )
    assert refused(projects.update_project, session, **pid, archived=True) == (
        "InvalidInputError: The Inbox can't be archived."
    )
    assert (
        refused(projects.delete_project, session, **pid) == "InvalidInputError: The Inbox can't be deleted."
    )
    assert "InvalidInputError" in refused(projects.transfer_ownership, session, **pid, to_user_id=ed.id)
    assert "InvalidInputError" in refused(projects.remove_member, session, **pid, member_id=alice.id)
    assert "ConflictError" in refused(projects.create_project, session, user_id=alice.id, name=" INBOX ")
    assert projects.update_project(session, **pid, color="teal").color == "teal"  # a colour is fine
    assert projects.update_project(session, **pid, name="Inbox").name == "Inbox"  # unchanged is fine
    assert (
        session.exec(select(Membership).where(Membership.project_id == inbox.id)).all()[0].user_id == alice.id
    )
    # someone else's Inbox is not found, not even by name
    assert "NotFoundError" in refused(projects.get_project, session, user_id=ed.id, project_id=inbox.id)


def test_projects_names_are_unique_per_owner_whatever_the_case(session: Session):
    alice, bob = person(session, "Alice"), person(session, "Bob")
    groceries = projects.create_project(session, user_id=alice.id, name="  Groceries  ")
    assert groceries.name == "Groceries"
    for clash in ("groceries", "GROCERIES", " Groceries", "groceries "):
        assert refused(projects.create_project, session, user_id=alice.id, name=clash) == (
            f'ConflictError: A project called "{clash.strip()}" already exists.'
        )
    street = projects.create_project(session, user_id=alice.id, name="Straße")
    assert "ConflictError" in refused(projects.create_project, session, user_id=alice.id, name="STRASSE")
    assert projects.create_project(session, user_id=bob.id, name="Groceries").owner_id == bob.id  # per owner
    work = projects.create_project(session, user_id=alice.id, name="Work")
    assert "ConflictError" in refused(
        projects.update_project, session, user_id=alice.id, project_id=work.id, name="straße"
    )
    assert projects.update_project(session, user_id=alice.id, project_id=street.id, name="STRASSE").name == (
        "STRASSE"
    )
    assert refused(projects.create_project, session, user_id=alice.id, name="   ") == (
        "InvalidInputError: A project needs a name."
    )
    assert refused(projects.create_project, session, user_id=alice.id, name="x" * 101) == (
        "InvalidInputError: Project name is too long (101 characters; at most 100)."
    )
    assert len(projects.create_project(session, user_id=alice.id, name="y" * 100).name) == 100
    assert "InvalidInputError" in refused(
        projects.create_project, session, user_id=alice.id, name="Pink", color="chartreuse"
    )


def test_projects_the_last_owner_cannot_leave_or_step_down(session: Session):
    alice, ed, vic, groceries = team(session)
    pid = {"user_id": alice.id, "project_id": groceries.id}
    need_owner = "ConflictError: A project needs an owner: make someone else owner first."
    assert refused(projects.remove_member, session, **pid, member_id=alice.id) == need_owner
    assert refused(projects.set_role, session, **pid, member_id=alice.id, role="editor") == need_owner
    assert projects.role_of(session, user_id=alice.id, project_id=groceries.id) == "owner"
    # with a second owner, the first may step down, and leave; the project follows its owners
    projects.set_role(session, **pid, member_id=ed.id, role="owner")
    projects.set_role(session, **pid, member_id=alice.id, role="viewer")
    assert session.get(Project, groceries.id).owner_id == ed.id
    assert refused(
        projects.remove_member, session, user_id=ed.id, project_id=groceries.id, member_id=ed.id
    ) == (need_owner)
    projects.remove_member(session, user_id=alice.id, project_id=groceries.id, member_id=alice.id)  # leaves
    assert projects.role_of(session, user_id=alice.id, project_id=groceries.id) is None
    # anyone else may leave: the viewer does
    projects.remove_member(session, user_id=vic.id, project_id=groceries.id, member_id=vic.id)
    assert [
        m["user_id"] for m in projects.project_view(session, user_id=ed.id, project_id=groceries.id).members
    ] == [str(ed.id)]


def test_projects_transfer_ownership(session: Session):
    alice, ed, vic, groceries = team(session)
    projects.transfer_ownership(session, user_id=alice.id, project_id=groceries.id, to_user_id=ed.id)
    assert projects.role_of(session, user_id=ed.id, project_id=groceries.id) == "owner"
    assert projects.role_of(session, user_id=alice.id, project_id=groceries.id) == "editor"
    assert session.get(Project, groceries.id).owner_id == ed.id
    # the old owner is an editor now: owner's work is refused like a stranger's
    assert (
        refused(projects.update_project, session, user_id=alice.id, project_id=groceries.id, name="Back")
        == "NotFoundError: Project not found."
    )
    stranger = person(session, "Stranger")
    assert (
        refused(
            projects.transfer_ownership,
            session,
            user_id=ed.id,
            project_id=groceries.id,
            to_user_id=stranger.id,
        )
        == "NotFoundError: That person is not a member of this project."
    )
    # the new owner may not hold two projects of one name
    projects.create_project(session, user_id=vic.id, name="groceries")
    assert (
        refused(
            projects.transfer_ownership, session, user_id=ed.id, project_id=groceries.id, to_user_id=vic.id
        )
        == 'ConflictError: Vic already has a project called "Groceries": rename one of them first.'
    )
    assert projects.role_of(session, user_id=vic.id, project_id=groceries.id) == "viewer"


def test_projects_leaving_or_being_removed_clears_assignments_in_that_project_only(session: Session):
    alice, ed, _vic, groceries = team(session)
    work = projects.create_project(session, user_id=alice.id, name="Work")
    projects.share_project(session, user_id=alice.id, project_id=work.id, email=ed.email)
    milk = add(session, alice, "Buy milk", groceries, assignee_id=ed.id)
    report = add(session, alice, "Write report", work, assignee_id=ed.id)
    projects.remove_member(session, user_id=alice.id, project_id=groceries.id, member_id=ed.id)
    session.refresh(milk)
    session.refresh(report)
    assert milk.assignee_id is None
    assert report.assignee_id == ed.id
    assert "NotFoundError" in refused(tasks.get_task, session, user_id=ed.id, task_id=milk.id)
    assert tasks.get_task(session, user_id=ed.id, task_id=report.id).title == "Write report"
    assert {t.id for t in tasks.list_tasks(session, user_id=ed.id)} == {report.id}
    # leaving does the same
    projects.remove_member(session, user_id=ed.id, project_id=work.id, member_id=ed.id)
    session.refresh(report)
    assert report.assignee_id is None
    # and a removed member cannot be assigned again
    assert refused(
        tasks.update_task, session, user_id=alice.id, task_id=milk.id, data={"assignee_id": ed.id}
    ) == ("InvalidInputError: A task can only be assigned to a member of its project.")
    assert refused(
        projects.remove_member, session, user_id=alice.id, project_id=groceries.id, member_id=ed.id
    ) == ("NotFoundError: That person is not a member of this project.")


def test_projects_invitations_become_memberships_at_sign_up(session: Session):
    alice, _ed, _vic, groceries = team(session)
    pid = {"user_id": alice.id, "project_id": groceries.id}
    first = projects.share_project(session, **pid, email="  Sam@Example.com ", role="viewer")
    assert (first.outcome, first.email, first.role) == ("invited", "sam@example.com", "viewer")
    again = projects.share_project(session, **pid, email="sam@example.com", role="editor")  # a new role
    assert again.outcome == "invited"
    view = projects.project_view(session, **pid)
    assert [(i["email"], i["role"]) for i in view.invitations] == [("sam@example.com", "editor")]
    projects.share_project(session, **pid, email="gone@example.com")
    projects.cancel_invitation(session, **pid, email="GONE@example.com")
    assert refused(projects.cancel_invitation, session, **pid, email="gone@example.com") == (
        "NotFoundError: That invitation was not found."
    )
    # an invitation grants nothing until it is accepted at sign-up
    sam = auth.register(session, email="SAM@example.com", password="password123", name="Sam")
    gone = auth.register(session, email="gone@example.com", password="password123")
    assert projects.role_of(session, user_id=sam.id, project_id=groceries.id) == "editor"
    assert projects.role_of(session, user_id=gone.id, project_id=groceries.id) is None
    assert session.exec(select(Invitation)).all() == []
    assert [v.project.name for v in projects.list_projects(session, user_id=sam.id)] == ["Inbox", "Groceries"]
    member = session.exec(
        select(Membership).where(Membership.project_id == groceries.id, Membership.user_id == sam.id)
    ).one()
    assert member.added_by == alice.id
    # sharing with an account adds the member at once
    assert projects.share_project(session, **pid, email=gone.email, role="viewer").outcome == "member"
    assert projects.role_of(session, user_id=gone.id, project_id=groceries.id) == "viewer"
    # and bad input is refused with a clear message
    assert refused(projects.share_project, session, **pid, email="not an email") == (
        "InvalidInputError: Enter a valid email address, like name@example.com."
    )
    assert refused(projects.share_project, session, **pid, email="x@example.com", role="owner") == (
        "InvalidInputError: Role must be one of editor, viewer."
    )
    assert refused(projects.share_project, session, **pid, email=alice.email) == (
        "InvalidInputError: You are already the owner of this project."
    )


def test_projects_a_task_moved_where_its_assignee_is_not_a_member_is_unassigned_and_undo_puts_it_back(
    session: Session,
):
    alice, ed, _vic, groceries = team(session)
    work = projects.create_project(session, user_id=alice.id, name="Work")
    milk = add(session, alice, "Buy milk", groceries, assignee_id=ed.id)
    moved = tasks.update_task(session, user_id=alice.id, task_id=milk.id, data={"project_id": work.id})
    assert (moved.project_id, moved.assignee_id) == (work.id, None)
    op = session.exec(select(TaskOperation).where(TaskOperation.operation_type == "move")).one()
    assert op.project_id == work.id
    tasks.undo_last(session, user_id=alice.id)
    session.refresh(milk)
    assert (milk.project_id, milk.assignee_id) == (groceries.id, ed.id)
    # a member of both keeps the task when it moves
    projects.share_project(session, user_id=alice.id, project_id=work.id, email=ed.email)
    moved = tasks.update_task(session, user_id=alice.id, task_id=milk.id, data={"project_id": work.id})
    assert moved.assignee_id == ed.id
    # an assignment is undone too, and the journal names it an assignment
    tasks.update_task(session, user_id=alice.id, task_id=milk.id, data={"assignee_id": alice.id})
    assert session.exec(select(TaskOperation).where(TaskOperation.operation_type == "assign")).one()
    tasks.undo_last(session, user_id=alice.id)
    session.refresh(milk)
    assert milk.assignee_id == ed.id
    # null is not a project
    assert "InvalidInputError" in refused(
        tasks.update_task, session, user_id=alice.id, task_id=milk.id, data={"project_id": None}
    )


def test_projects_undo_leaves_alone_a_task_in_a_project_the_user_may_no_longer_change(
    session: Session,
):
    alice, ed, _vic, groceries = team(session)
    mine = add(session, ed, "Ed's errand")
    tasks.update_task(session, user_id=ed.id, task_id=mine.id, data={"project_id": groceries.id})
    tasks.update_task(session, user_id=ed.id, task_id=mine.id, data={"title": "Ed's errand, renamed"})
    projects.set_role(session, user_id=alice.id, project_id=groceries.id, member_id=ed.id, role="viewer")
    # the newest change is in a project Ed may no longer change: undo leaves it alone
    tasks.undo_last(session, user_id=ed.id)
    session.refresh(mine)
    assert (mine.title, mine.project_id) == ("Ed's errand, renamed", groceries.id)


def test_projects_undoing_a_delete_after_its_creator_left_for_good_restores_the_task(session: Session):
    """Ed adds a task to Groceries, Alice deletes it, Ed's account goes: Alice's undo brings the task
    back as hers (its creator's row is gone), in Groceries."""
    alice, ed, _vic, groceries = team(session)
    errand = add(session, ed, "Ed's errand", groceries)
    tasks.delete_task(session, user_id=alice.id, task_id=errand.id)
    session.delete(ed)
    session.flush()
    restored = tasks.undo_last(session, user_id=alice.id).tasks
    assert [(t.id, t.title, t.user_id, t.project_id) for t in restored] == [
        (errand.id, "Ed's errand", alice.id, groceries.id)
    ]


def test_projects_a_recurring_tasks_next_occurrence_stays_in_its_project_with_its_assignee(session: Session):
    alice, ed, _vic, groceries = team(session)
    weekly = add(
        session,
        alice,
        "Weekly shop",
        groceries,
        recurrence="weekly",
        due_date="2026-12-07",
        assignee_id=ed.id,
    )
    tasks.complete_task(session, user_id=ed.id, task_id=weekly.id, today=date(2026, 12, 7))
    following = session.exec(select(Task).where(Task.title == "Weekly shop", Task.completed == False)).one()  # noqa: E712
    assert (following.project_id, following.assignee_id, following.due_date) == (
        groceries.id,
        ed.id,
        date(2026, 12, 14),
    )
    assert following.user_id == alice.id


def test_projects_delete_takes_its_tasks_and_comments_and_is_journaled(session: Session):
    from app.models import Comment
    from app.services import comments

    alice, ed, _vic, groceries = team(session)
    milk = add(session, alice, "Buy milk", groceries)
    add(session, ed, "Buy eggs", groceries)
    comments.add_comment(session, user_id=ed.id, task_id=milk.id, body="oat")
    keep = add(session, alice, "Keep me")
    assert projects.delete_project(session, user_id=alice.id, project_id=groceries.id) == ("Groceries", 2)
    session.expire_all()
    assert session.get(Project, groceries.id) is None
    assert [t.id for t in session.exec(select(Task)).all()] == [keep.id]
    assert session.exec(select(Comment)).all() == []
    assert session.exec(select(Membership).where(Membership.project_id == groceries.id)).all() == []
    gone = session.exec(select(TaskOperation).where(TaskOperation.user_id == alice.id)).all()
    deletion = [op for op in gone if op.structured_command.get("action") == "delete_project"]
    assert deletion[0].structured_command["name"] == "Groceries"
    assert [v.project.name for v in projects.list_projects(session, user_id=ed.id)] == ["Inbox"]


def test_projects_members_matching_by_email_me_name_and_first_name(session: Session):
    alice, ed, vic, groceries = team(session)
    pid = {"user_id": alice.id, "project_id": groceries.id}
    assert projects.members_matching(session, **pid, who=ed.email) == [ed]
    assert projects.members_matching(session, **pid, who="me") == [alice]
    assert projects.members_matching(session, **pid, who="Ed Smith") == [ed]
    assert projects.members_matching(session, **pid, who="ed") == [ed]
    assert projects.members_matching(session, **pid, who="VIC!") == [vic]
    assert projects.members_matching(session, **pid, who="") == []
    bob = person(session, "Bob")
    assert projects.members_matching(session, **pid, who="bob") == []
    assert projects.members_matching(session, **pid, who=bob.email) == []
    # the project id in any spelling uuid reads
    assert projects.members_matching(session, user_id=alice.id, project_id=groceries.id.hex, who="ed") == [ed]


def test_projects_list_counts_open_tasks_and_hides_archived_until_asked(session: Session):
    alice, ed, _vic, groceries = team(session)
    add(session, alice, "Buy milk", groceries)
    add(session, alice, "Bought bread", groceries, completed=True)
    old = projects.create_project(session, user_id=alice.id, name="Old")
    projects.update_project(session, user_id=alice.id, project_id=old.id, archived=True)
    views = projects.list_projects(session, user_id=alice.id, with_members=True)
    assert [(v.project.name, v.open_count) for v in views] == [("Inbox", 0), ("Groceries", 1)]
    assert [m["role"] for m in views[1].members] == ["owner", "editor", "viewer"]
    shown = views[1].to_json()
    assert (shown["name"], shown["role"], shown["open_tasks"], shown["inbox"]) == (
        "Groceries",
        "owner",
        1,
        False,
    )
    archived = projects.list_projects(session, user_id=alice.id, archived=True)
    assert [v.project.name for v in archived] == ["Inbox", "Groceries", "Old"]
    assert [(v.project.name, v.role) for v in projects.list_projects(session, user_id=ed.id)] == [
        ("Inbox", "owner"),
        ("Groceries", "editor"),
    ]


def test_projects_task_labels_name_the_project_and_assignee(session: Session):
    alice, ed, _vic, groceries = team(session)
    milk = add(session, alice, "Buy milk", groceries, assignee_id=ed.id)
    loose = add(session, alice, "loose")
    labels = projects.task_labels(session, [milk, loose])
    assert labels[milk.id] == {
        "project": "Groceries",
        "project_color": groceries.color,
        "assignee": ed.email,
        "assignee_name": "Ed Smith",
    }
    assert labels[loose.id]["project"] == "Inbox"
    assert labels[loose.id]["assignee"] is None


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_projects_sharing_an_owner_with_a_lesser_role_moves_the_primary_owner(session: Session, role: str):
    alice, ed, _vic, groceries = team(session)
    projects.set_role(session, user_id=alice.id, project_id=groceries.id, member_id=ed.id, role="owner")
    projects.share_project(session, user_id=ed.id, project_id=groceries.id, email=alice.email, role=role)
    assert session.get(Project, groceries.id).owner_id == ed.id
    assert projects.role_of(session, user_id=alice.id, project_id=groceries.id) == role


def test_projects_deleting_one_tells_its_members_pages_after_the_commit(engine):
    """A deleted project's members are members no more when the change commits: they are named."""
    import asyncio

    from app.services import live

    with Session(engine, expire_on_commit=False) as session:
        alice, ed, vic, groceries = team(session)
        session.commit()

    def delete() -> None:
        with Session(engine) as session:
            projects.delete_project(session, user_id=alice.id, project_id=groceries.id)
            session.commit()

    async def scenario() -> dict:
        stream = live.subscribe()
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.05)
        await asyncio.to_thread(delete)
        try:
            return await asyncio.wait_for(first, 5)
        finally:
            await stream.aclose()

    message = asyncio.run(scenario())
    assert {str(alice.id), str(ed.id), str(vic.id)} <= set(message["users"])
