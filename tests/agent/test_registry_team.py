"""The team tools of the registry (issue 16) on a real database (SQLite and PostgreSQL): projects,
moves, assignment by name or email (members only), comments, activity and sharing, each through the
membership rules of app/services/projects.py."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session, select

from app.agent import registry
from app.agent.types import ToolError
from app.models import Membership, Task, User


@pytest.fixture
def people(app_db):
    """Alice (owner of Work, shared with Sam Lee and Sam Park as editors), Kim (no shared project)."""

    def make(email: str, name: str) -> uuid.UUID:
        with Session(app_db) as s:
            user = User(email=email, name=name, hashed_password="-")
            s.add(user)
            s.commit()
            return user.id

    ids = {
        "alice": make("alice@team.test", "Alice"),
        "sam": make("sam@team.test", "Sam Lee"),
        "sammy": make("park@team.test", "Sam Park"),
        "kim": make("kim@team.test", "Kim"),
    }
    return ids


def run(name, args, user_id):
    return registry.execute(name, args, user_id=user_id, source="chat")


def _work(people) -> str:
    made = run("create_project", {"name": "Work"}, people["alice"])
    for email in ("sam@team.test", "park@team.test"):
        run("share_project", {"project": "work", "email": email, "role": "editor"}, people["alice"])
    return made["project_id"]


def _task(app_db, task_id) -> Task:
    with Session(app_db) as s:
        task = s.get(Task, uuid.UUID(task_id))
        assert task is not None
        return task


def test_team_tools_add_to_a_project_by_name_and_assign_by_email(app_db, people):
    pid = _work(people)
    added = run(
        "add_task",
        {"title": "Write report", "project_id": "WORK", "assignee_id": "sam@team.test"},
        people["alice"],
    )
    assert added["task"]["project"] == "Work"
    assert added["task"]["assignee"] == "sam@team.test"
    assert added["task"]["assignee_name"] == "Sam Lee"
    task = _task(app_db, added["task_id"])
    assert (str(task.project_id), task.assignee_id) == (pid, people["sam"])
    inbox = run("add_task", {"title": "Stamps"}, people["alice"])
    assert inbox["task"]["project"] == "Inbox"


def test_team_tools_assign_by_name_ambiguity_asks_and_non_member_is_refused(app_db, people):
    _work(people)
    added = run("add_task", {"title": "Book room", "project_id": "Work"}, people["alice"])
    with pytest.raises(ToolError, match=r"^Which sam do you mean: Sam Lee \(sam@team.test\) or Sam Park"):
        run("assign_task", {"task_id": added["task_id"], "assignee": "sam"}, people["alice"])
    with pytest.raises(ToolError, match=r"^kim is not a member of “Work”: share it with them first\."):
        run("assign_task", {"task_id": added["task_id"], "assignee": "kim"}, people["alice"])
    assert _task(app_db, added["task_id"]).assignee_id is None
    done = run("assign_task", {"task_id": added["task_id"], "assignee": "Sam Park"}, people["alice"])
    assert done["task"]["assignee"] == "park@team.test"
    run("unassign_task", {"task_id": added["task_id"]}, people["alice"])
    assert _task(app_db, added["task_id"]).assignee_id is None


def test_team_tools_move_list_by_project_and_assignee(app_db, people):
    _work(people)
    a = run("add_task", {"title": "Fix fence"}, people["alice"])
    moved = run("move_task", {"task_id": a["task_id"], "project": "work"}, people["alice"])
    assert moved["task"]["project"] == "Work"
    run("add_task", {"title": "Mine", "project_id": "Work", "assignee_id": "me"}, people["alice"])
    run("add_task", {"title": "Sams", "project_id": "Work", "assignee_id": "sam@team.test"}, people["alice"])
    mine = run("list_tasks", {"assignee": "me"}, people["alice"])
    assert [t["title"] for t in mine["tasks"]] == ["Mine"]
    assert mine["filters"]["assignee"] == "me"
    in_work = run("list_tasks", {"project": "Work", "status": "pending"}, people["alice"])
    assert {t["title"] for t in in_work["tasks"]} == {"Fix fence", "Mine", "Sams"}
    nobody = run("list_tasks", {"project": "Work", "unassigned": True}, people["alice"])
    assert [t["title"] for t in nobody["tasks"]] == ["Fix fence"]
    # Sam sees the shared project's tasks, as a member, and his own assignment
    assert [t["title"] for t in run("list_tasks", {"assignee": "me"}, people["sam"])["tasks"]] == ["Sams"]
    with pytest.raises(ToolError, match=r"^You have no project called “Work”\.$"):
        run("list_tasks", {"project": "Work"}, people["kim"])


def test_team_tools_non_member_gets_not_found_and_nothing_changes(app_db, people):
    _work(people)
    task = run("add_task", {"title": "Secret", "project_id": "Work"}, people["alice"])
    for name, args in (
        ("move_task", {"task_id": task["task_id"], "project": "Inbox"}),
        ("assign_task", {"task_id": task["task_id"], "assignee": "me"}),
        ("unassign_task", {"task_id": task["task_id"]}),
        ("add_comment", {"task_id": task["task_id"], "body": "hi"}),
        ("complete_task", {"task_id": task["task_id"]}),
    ):
        with pytest.raises(ToolError, match=r"not found"):
            run(name, args, people["kim"])
    with pytest.raises(ToolError, match=r"^Project not found\.$"):
        run("add_task", {"title": "x", "project_id": task["task"]["project_id"]}, people["kim"])
    with pytest.raises(ToolError, match=r"^Project not found\.$"):
        run("share_project", {"project": task["task"]["project_id"], "email": "kim@team.test"}, people["kim"])
    assert _task(app_db, task["task_id"]).completed is False


def test_team_tools_share_only_owner_and_invitation(app_db, people):
    _work(people)
    with pytest.raises(ToolError, match=r"^You have no project called “Work”\.$"):  # an editor may not share
        run("share_project", {"project": "Work", "email": "kim@team.test"}, people["sam"])
    invited = run(
        "share_project", {"project": "Work", "email": "new@team.test", "role": "viewer"}, people["alice"]
    )
    assert (invited["status"], invited["role"]) == ("invited", "viewer")
    added = run("share_project", {"project": "Work", "email": "KIM@team.test"}, people["alice"])
    assert (added["status"], added["email"], added["role"]) == ("member", "kim@team.test", "editor")
    with Session(app_db) as s:
        assert s.exec(select(Membership).where(Membership.user_id == people["kim"])).first() is not None
    with pytest.raises(ToolError, match=r"Inbox is personal"):
        run("share_project", {"project": "Inbox", "email": "kim@team.test"}, people["alice"])


def test_team_tools_projects_comments_and_activity(app_db, people):
    _work(people)
    listed = run("list_projects", {}, people["sam"])
    assert [p["name"] for p in listed["projects"]] == ["Inbox", "Work"]
    assert [p["members"] for p in run("list_projects", {"members": False}, people["sam"])["projects"]] == [
        [],
        [],
    ]
    work = listed["projects"][1]
    assert work["role"] == "editor"
    assert {m["email"] for m in work["members"]} == {"alice@team.test", "sam@team.test", "park@team.test"}
    task = run("add_task", {"title": "Buy milk", "project_id": "Work"}, people["sam"])
    run("complete_task", {"task_id": task["task_id"]}, people["sam"])
    comment = run("add_comment", {"task_id": task["task_id"], "body": "done, 2 litres"}, people["alice"])
    assert (comment["status"], comment["title"], comment["comment"]["body"]) == (
        "commented",
        "Buy milk",
        "done, 2 litres",
    )
    did = run("project_activity", {"person": "sam lee", "since": "today"}, people["alice"])
    assert did["person"] == "Sam Lee"
    lines = [e["text"] for e in did["entries"]]
    assert 'Sam Lee completed "Buy milk"' in lines
    assert 'Sam Lee added "Buy milk"' in lines
    feed = run("project_activity", {"project": "work"}, people["alice"])
    assert any(e["text"] == 'Alice commented on "Buy milk"' for e in feed["entries"]), feed["entries"]
    assert "2 litres" not in str(feed)  # a comment's text never reaches the feed
    with pytest.raises(ToolError, match=r"not a member"):
        run("project_activity", {"person": "alice"}, people["kim"])  # Kim shares nothing with Alice
