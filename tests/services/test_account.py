"""Your data: export, delete all chats, delete the account and change the password (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from app.core.db import session_scope
from app.models import AuthToken, Message, Task, TaskOperation, Thread, User, Widget
from app.orchestration.runner import run_turn
from app.orchestration.widget_actions import declared_actions, perform
from app.services import account, auth, preferences
from app.services import tasks as task_service
from app.services.errors import AuthError, InvalidInputError, NotFoundError
from app.services.throttle import TooManyAttempts

PASSWORD = "correct-horse-42"


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    account.password_throttle.reset()
    yield
    account.password_throttle.reset()


def register(email: str | None = None) -> uuid.UUID:
    with session_scope() as session:
        email = email or f"a{uuid.uuid4().hex[:8]}@example.com"
        return auth.register(session, email=email, password=PASSWORD, name="Ann").id


def token_for(user_id: uuid.UUID, source: str = "web") -> str:
    with session_scope() as session:
        return auth.issue_token(session, user=session.get(User, user_id), source=source)


def token_works(token: str) -> bool:
    try:
        with session_scope() as session:
            auth.user_for_token(session, token=token)
        return True
    except AuthError:
        return False


def chat_with_everything(user_id: uuid.UUID) -> uuid.UUID:
    """A real conversation: a task added, a list card, its Complete button clicked."""
    first = run_turn(user_id=user_id, text="add call the plumber at +44 20 7946 0958 tomorrow")
    listing = run_turn(user_id=user_id, text="show my tasks", thread_id=first.thread_id)
    widget = listing.widgets[0]
    action = next(a for a in declared_actions(widget["payload"]) if a["type"] == "task.complete")
    perform(user_id=user_id, widget_id=widget["id"], action=action)
    return uuid.UUID(first.thread_id)


def counts(user_id: uuid.UUID) -> dict[str, int]:
    """Rows of every table with a ``user_id`` column that belong to the user (plus widgets by thread)."""
    out: dict[str, int] = {}
    with session_scope() as session:
        for table in SQLModel.metadata.sorted_tables:
            if "user_id" in table.c:
                stmt = sa.select(sa.func.count()).select_from(table).where(table.c.user_id == user_id)
                out[table.name] = int(session.execute(stmt).scalar_one())
        out["widgets"] = int(
            session.execute(
                sa.select(sa.func.count())
                .select_from(Widget)
                .join(Thread, Thread.id == Widget.thread_id)
                .where(Thread.user_id == user_id)
            ).scalar_one()
        )
        out["users"] = int(session.get(User, user_id) is not None)
    return out


def test_account_export_holds_everything_and_no_secrets(app_db):
    me, other = register(), register()
    thread_id = chat_with_everything(me)
    chat_with_everything(other)
    with session_scope() as session:
        task_service.create_task(session, user_id=me, data={"title": "renew passport"})
        preferences.update_preferences(session, user_id=me, retention_days=90)
    token_for(me)

    with session_scope() as session:
        data = account.export(session, user_id=me)
    text = json.dumps(data)  # JSON-ready as it is
    assert data["format"] == "ticked-export"
    assert data["version"] == 3
    assert data["profile"]["email"].startswith("a")
    assert data["profile"]["name"] == "Ann"
    assert "hashed_password" not in data["profile"]
    assert "$argon2" not in text
    assert data["preferences"] == {
        "retention_days": 90,
        "redact_sensitive": True,
        "effective_retention_days": 90,
    }
    assert sorted(t["title"] for t in data["tasks"]) == [
        "call the plumber at +44 20 7946 0958",
        "renew passport",
    ]
    assert [t["id"] for t in data["threads"]] == [str(thread_id)]
    assert "agent_memory" not in data["threads"][0]["metadata"]  # the assistant's working memory
    assert len(data["messages"]) == 4
    assert data["messages"][0]["content"] == "add call the plumber at +44 20 7946 0958 tomorrow"  # plain text
    assert {m["thread_id"] for m in data["messages"]} == {str(thread_id)}
    calls = [c for m in data["messages"] for c in m["tool_calls"] or []]
    assert {c["name"] for c in calls} >= {"add_task", "list_tasks"}
    assert all(set(c) <= {"id", "name", "arguments", "outcome", "error"} for c in calls)
    added = next(c for c in calls if c["name"] == "add_task")
    assert added["outcome"]["status"] == "created"
    assert "task" not in added["outcome"]  # the tool's copy of the task stays out
    assert len(data["widgets"]) == 2
    plumber = next(t["id"] for t in data["tasks"] if t["title"].startswith("call the plumber"))
    assert all(w["kind"] and plumber in w["task_ids"] and "payload" not in w for w in data["widgets"])
    assert [a["type"] for a in data["actions"]] == ["task.complete"]
    assert "result" not in data["actions"][0]
    assert data["actions"][0]["status"] == "completed"
    outcomes = [o["outcome"] for o in data["operations"] if o["tool_name"] == "add_task"]
    assert outcomes[0]["status"] == "created"
    assert {o["operation_type"] for o in data["operations"]} >= {"create", "complete"}
    assert len(data["sessions"]) == 1
    assert "fingerprint" not in data["sessions"][0]
    with session_scope() as session:
        theirs = {str(t.id) for t in session.exec(select(Thread).where(Thread.user_id == other)).all()}
    assert theirs
    assert not theirs & ({t["id"] for t in data["threads"]} | {m["thread_id"] for m in data["messages"]})


def test_account_delete_all_chats_needs_the_password_and_keeps_tasks(app_db):
    me, other = register(), register()
    chat_with_everything(me)
    chat_with_everything(other)
    with session_scope() as session:
        task_service.create_task(session, user_id=me, data={"title": "renew passport"})
    before, theirs = counts(me), counts(other)

    with pytest.raises(account.WrongPasswordError, match="Nothing was deleted"), session_scope() as session:
        account.delete_all_chats(session, user_id=me, password="not-my-password")
    with pytest.raises(account.WrongPasswordError, match="Enter your password"), session_scope() as session:
        account.delete_all_chats(session, user_id=me, password="")
    assert counts(me) == before

    with session_scope() as session:
        result = account.delete_all_chats(session, user_id=me, password=PASSWORD)
    assert result == {"threads": 1, "messages": 4}
    after = counts(me)
    assert after["threads"] == after["messages"] == after["widgets"] == after["actions"] == 0
    assert after["tasks"] == before["tasks"] == 2
    with session_scope() as session:
        assert session.get(User, me).last_chat_thread_id is None
        ops = session.exec(select(TaskOperation).where(TaskOperation.user_id == me)).all()
        assert ops  # the task page's own changes stay in the journal
        assert all(op.thread_id is None for op in ops)
    assert counts(other) == theirs


def test_account_delete_account_removes_everything_and_ends_sessions(app_db):
    me, other = register("gone@example.com"), register()
    chat_with_everything(me)
    chat_with_everything(other)
    web, api = token_for(me), token_for(me, "api")
    theirs = counts(other)

    with pytest.raises(account.WrongPasswordError, match="not deleted"), session_scope() as session:
        account.delete_account(session, user_id=me, password="nope-nope-nope")
    assert counts(me)["users"] == 1
    assert token_works(web)

    with session_scope() as session:
        account.delete_account(session, user_id=me, password=PASSWORD)
    assert set(counts(me).values()) == {0}
    assert not token_works(web)
    assert not token_works(api)
    with session_scope() as session:
        assert session.exec(select(AuthToken).where(AuthToken.user_id == me)).first() is None
        with pytest.raises(AuthError):
            auth.authenticate(session, email="gone@example.com", password=PASSWORD)
    assert counts(other) == theirs
    assert register("gone@example.com") != me  # the email is free again


def test_account_change_password_keeps_this_session_and_ends_the_others(app_db):
    me = register("pw@example.com")
    current, laptop, script = token_for(me), token_for(me), token_for(me, "api")

    with session_scope() as session:
        revoked = account.change_password(
            session,
            user_id=me,
            current_password=PASSWORD,
            new_password="battery-staple-77",
            keep_token=current,
        )
    assert revoked == 2
    assert token_works(current)
    assert not token_works(laptop)
    assert not token_works(script)
    with session_scope() as session:
        with pytest.raises(AuthError):
            auth.authenticate(session, email="pw@example.com", password=PASSWORD)
        assert auth.authenticate(session, email="pw@example.com", password="battery-staple-77").id == me


def test_account_change_password_refusals_change_nothing(app_db):
    me, other = register(), register()
    current = token_for(me)
    foreign = token_for(other)
    with session_scope() as session:
        old_hash = session.get(User, me).hashed_password

    cases = [
        ("wrong-password", "battery-staple-77", account.WrongPasswordError, "current password is not right"),
        (PASSWORD, "short", InvalidInputError, "at least 8 characters"),
        (PASSWORD, "x" * 129, InvalidInputError, "at most 128"),
        (PASSWORD, PASSWORD, InvalidInputError, "different from the current one"),
    ]
    for current_pw, new_pw, error, message in cases:
        with pytest.raises(error, match=message), session_scope() as session:
            account.change_password(
                session, user_id=me, current_password=current_pw, new_password=new_pw, keep_token=current
            )
    with session_scope() as session:
        assert session.get(User, me).hashed_password == old_hash
    assert token_works(current)

    # A token of someone else is never "kept": every session of this user ends.
    with session_scope() as session:
        account.change_password(
            session,
            user_id=me,
            current_password=PASSWORD,
            new_password="battery-staple-77",
            keep_token=foreign,
        )
    assert not token_works(current)
    assert token_works(foreign)


def test_account_wrong_passwords_are_throttled_per_account(app_db):
    me, other = register(), register()
    for _ in range(5):
        with pytest.raises(account.WrongPasswordError), session_scope() as session:
            account.delete_all_chats(session, user_id=me, password="guess-guess")
    with pytest.raises(TooManyAttempts, match="Too many wrong passwords"), session_scope() as session:
        account.delete_account(session, user_id=me, password=PASSWORD)  # even the right one waits
    assert counts(me)["users"] == 1
    with session_scope() as session:  # another account is not affected
        assert account.delete_all_chats(session, user_id=other, password=PASSWORD) == {
            "threads": 0,
            "messages": 0,
        }


def test_account_functions_refuse_unknown_users(session: Session):
    with pytest.raises(NotFoundError):
        account.export(session, user_id=uuid.uuid4())
    with pytest.raises(NotFoundError):
        account.delete_account(session, user_id=uuid.uuid4(), password=PASSWORD)


def test_account_export_on_a_fresh_account_is_complete_and_empty(session: Session):
    user = User(email="empty@example.com", hashed_password="-")
    session.add(user)
    session.flush()
    data = account.export(session, user_id=user.id)
    for key in ("tasks", "threads", "messages", "widgets", "actions", "operations", "sessions"):
        assert data[key] == [], key
    for key in ("invitations", "comments", "activity"):
        assert data[key] == [], key
    assert [(p["name"], p["role"]) for p in data["projects"]] == [("Inbox", "owner")]
    assert data["profile"]["email"] == "empty@example.com"
    assert session.exec(select(Message)).first() is None
    assert session.exec(select(Task)).first() is None


def busy_account(tasks: int = 74, threads: int = 5) -> uuid.UUID:
    """Issue 15's account: 74 tasks and 5 conversations, each with list replies made by the agent."""
    user_id = register()
    with session_scope() as session:
        for i in range(tasks):
            priority = ("low", "medium", "high")[i % 3]
            task_service.create_task(
                session, user_id=user_id, data={"title": f"errand number {i}", "priority": priority}
            )
    for _ in range(threads):
        first = run_turn(user_id=user_id, text="show my tasks")
        for text in ("show high priority tasks", "add buy milk tomorrow", "show my tasks"):
            run_turn(user_id=user_id, text=text, thread_id=first.thread_id)
    return user_id


def export_bytes(user_id: uuid.UUID) -> tuple[dict, int]:
    """The export and its size as the settings page downloads it (indented UTF-8 JSON)."""
    with session_scope() as session:
        data = account.export(session, user_id=user_id)
    return data, len(json.dumps(data, ensure_ascii=False, indent=2).encode())


def test_account_export_size_follows_what_the_person_has(app_db):
    """The export grew with every list shown: each list card's tree, each tool result and each
    search's journal row held a copy of every listed task (3.7 MB here, 2.1 MB in the issue)."""
    me = busy_account()
    data, size = export_bytes(me)
    rows = {key: len(data[key]) for key in ("tasks", "messages", "operations")}
    assert rows["tasks"] == 79
    assert rows["messages"] == 40
    # Issue 17: each task snapshot also carries due_time, parent_id and reminders (about 60
    # bytes indented), once per task and twice per journal row.
    bound = 1088 * rows["tasks"] + 1536 * rows["messages"] + 1664 * rows["operations"]
    breakdown = {key: len(json.dumps(value, indent=2)) for key, value in data.items()}
    assert size <= bound, (size, bound, breakdown)
    assert size < 400_000, breakdown

    # One more list of all 79 tasks adds a reference per task, not a copy of each.
    thread_id = data["threads"][0]["id"]
    run_turn(user_id=me, text="show my tasks", thread_id=thread_id)
    _, after = export_bytes(me)
    assert after - size < 100 * rows["tasks"], after - size


def test_account_export_keeps_every_task_thread_and_message(app_db):
    me = busy_account(tasks=12, threads=3)
    with session_scope() as session:
        task_service.complete_task(
            session,
            user_id=me,
            task_id=session.exec(select(Task).where(Task.user_id == me)).first().id,
        )
    data, _ = export_bytes(me)
    with session_scope() as session:
        tasks = [
            task_service.to_public(t).to_json() for t in session.exec(select(Task).where(Task.user_id == me))
        ]
        threads = session.exec(select(Thread).where(Thread.user_id == me)).all()
        messages = session.exec(select(Message).where(Message.user_id == me)).all()
        operations = session.exec(select(TaskOperation).where(TaskOperation.user_id == me)).all()
        thread_rows = {str(t.id): (t.title, t.status) for t in threads}
        message_rows = {str(m.id): (str(m.thread_id), m.role, m.content, m.status) for m in messages}
        operation_ids = {str(o.id) for o in operations}
    assert sorted(data["tasks"], key=lambda t: t["id"]) == sorted(tasks, key=lambda t: t["id"])
    assert any(t["completed"] for t in data["tasks"])
    assert {t["id"]: (t["title"], t["status"]) for t in data["threads"]} == thread_rows
    assert len(thread_rows) == 3
    exported = {m["id"]: (m["thread_id"], m["role"], m["content"], m["status"]) for m in data["messages"]}
    assert exported == message_rows
    assert len(message_rows) == 3 * 4 * 2
    assert {o["id"] for o in data["operations"]} == operation_ids
    changes = [o for o in data["operations"] if o["operation_type"] == "complete"]
    assert changes
    assert changes[0]["undo_state"][0]["after"]["completed"] is True
    cards = [w for w in data["widgets"] if w["kind"] == "ListView"]
    assert cards
    assert all(len(w["task_ids"]) >= 1 for w in cards)
    assert {i for w in cards for i in w["task_ids"]} <= {t["id"] for t in data["tasks"]}


# ----- issue 16: shared projects outlive an account, and the export holds the teamwork -------------------


def member(session: Session, name: str) -> User:
    user = auth.register(
        session, email=f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.com", password=PASSWORD, name=name
    )
    session.flush()
    return user


def shared(session: Session, owner: User, name: str, *people: tuple[User, str]):
    from app.services import projects

    project = projects.create_project(session, user_id=owner.id, name=name)
    for person, role in people:
        projects.share_project(
            session, user_id=owner.id, project_id=project.id, email=person.email, role=role
        )
    return project


def test_account_deletion_preview_says_what_happens_to_each_project_and_deletion_does_it(session: Session):
    from app.models import Comment, Membership, Project
    from app.services import activity, comments, projects

    alice, ed, sam, vic, olga, bob = (
        member(session, n) for n in ("Alice", "Ed", "Sam", "Vic", "Olga", "Bob")
    )
    groceries = shared(session, alice, "Groceries", (ed, "editor"), (sam, "editor"), (vic, "viewer"))
    viewers = shared(session, alice, "Viewers only", (vic, "viewer"))
    solo = shared(session, alice, "Solo")
    co_owned = shared(session, alice, "Co-owned", (olga, "editor"))
    projects.set_role(session, user_id=alice.id, project_id=co_owned.id, member_id=olga.id, role="owner")
    clash = shared(session, alice, "Clash", (ed, "editor"))
    projects.create_project(session, user_id=ed.id, name="clash")
    work = shared(session, bob, "Work", (alice, "editor"))
    milk = task_service.create_task(
        session, user_id=alice.id, data={"title": "Buy milk", "project_id": groceries.id}
    )
    eggs = task_service.create_task(
        session,
        user_id=ed.id,
        data={"title": "Buy eggs", "project_id": groceries.id, "assignee_id": alice.id},
    )
    report = task_service.create_task(
        session, user_id=alice.id, data={"title": "Report", "project_id": work.id}
    )
    doomed = task_service.create_task(
        session, user_id=alice.id, data={"title": "Gone", "project_id": viewers.id}
    )
    note = comments.add_comment(session, user_id=alice.id, task_id=eggs.id, body="I'll do it")
    task_service.create_task(session, user_id=alice.id, data={"title": "Private"})

    preview = account.deletion_preview(session, user_id=alice.id)
    assert [(p["project"], p["action"], p["outcome"]) for p in preview] == [
        ("Clash", "passes", f'passes to {ed.email} as "Clash (2)"'),
        ("Co-owned", "stays", f"stays with {olga.email}"),
        ("Groceries", "passes", f"passes to {ed.email}"),  # Ed was an editor before Sam
        ("Solo", "deleted", "deleted"),
        ("Viewers only", "deleted", "deleted"),  # viewers only: nobody may keep it up
    ]
    assert [(p["members"], p["tasks"]) for p in preview] == [(1, 0), (1, 0), (3, 2), (0, 0), (1, 1)]
    assert preview[2]["to_name"] == "Ed"
    assert preview[2]["project_id"] == str(groceries.id)
    nothing_yet = account.deletion_preview(session, user_id=alice.id)
    assert nothing_yet == preview  # a preview changes nothing

    account.delete_account(session, user_id=alice.id, password=PASSWORD)
    session.expire_all()
    assert session.get(User, alice.id) is None
    g = session.get(Project, groceries.id)
    assert (g.owner_id, g.name) == (ed.id, "Groceries")
    assert projects.role_of(session, user_id=ed.id, project_id=groceries.id) == "owner"
    assert projects.role_of(session, user_id=sam.id, project_id=groceries.id) == "editor"
    c = session.get(Project, clash.id)
    assert (c.owner_id, c.name) == (ed.id, "Clash (2)")
    co = session.get(Project, co_owned.id)
    assert co.owner_id == olga.id
    assert session.get(Project, viewers.id) is None
    assert session.get(Project, solo.id) is None
    assert session.get(Task, doomed.id) is None
    # the tasks it created in projects that stay stay, with those projects' owners
    assert session.get(Task, milk.id).user_id == ed.id
    assert session.get(Task, report.id).user_id == bob.id
    assert session.get(Task, eggs.id).assignee_id is None
    assert session.get(Comment, note.comment.id).author_id is None
    assert comments.list_comments(session, user_id=ed.id, task_id=eggs.id)[0].to_json()["author"] is None
    assert session.exec(select(Membership).where(Membership.user_id == alice.id)).all() == []
    assert session.exec(select(Task).where(Task.user_id == alice.id)).all() == []
    feed = [e.line for e in activity.project_activity(session, user_id=sam.id, project_id=groceries.id)]
    assert feed[0] == f"Ed became the owner ({alice.email} deleted their account)"
    assert {t.title for t in task_service.list_tasks(session, user_id=sam.id)} == {"Buy milk", "Buy eggs"}
    assert projects.get_project(session, user_id=vic.id, project_id=groceries.id).name == "Groceries"


def test_account_deletion_with_the_wrong_password_hands_nothing_over(session: Session):
    from app.models import Project

    alice, ed = member(session, "Alice"), member(session, "Ed")
    groceries = shared(session, alice, "Groceries", (ed, "editor"))
    with pytest.raises(account.WrongPasswordError):
        account.delete_account(session, user_id=alice.id, password="wrong-password")
    assert session.get(Project, groceries.id).owner_id == alice.id
    with pytest.raises(NotFoundError):
        account.deletion_preview(session, user_id=uuid.uuid4())


def test_account_export_holds_projects_memberships_comments_and_activity(session: Session):
    from app.services import comments, projects

    alice, ed, bob = member(session, "Alice"), member(session, "Ed"), member(session, "Bob")
    groceries = shared(session, alice, "Groceries", (ed, "editor"))
    projects.share_project(session, user_id=alice.id, project_id=groceries.id, email="later@example.com")
    work = shared(session, bob, "Work", (ed, "viewer"))
    milk = task_service.create_task(
        session,
        user_id=alice.id,
        data={"title": "Buy milk", "project_id": groceries.id, "assignee_id": ed.id},
    )
    task_service.complete_task(session, user_id=alice.id, task_id=milk.id)
    comments.add_comment(session, user_id=ed.id, task_id=milk.id, body="zq done, thanks")
    comments.add_comment(session, user_id=alice.id, task_id=milk.id, body="not Ed's words")
    task_service.create_task(session, user_id=bob.id, data={"title": "Bob's report", "project_id": work.id})
    left = task_service.create_task(
        session, user_id=ed.id, data={"title": "Ed's old task", "project_id": groceries.id}
    )
    projects.set_role(session, user_id=alice.id, project_id=groceries.id, member_id=ed.id, role="viewer")

    data = account.export(session, user_id=ed.id)
    assert [(p["name"], p["role"]) for p in data["projects"]] == [("Inbox", "owner"), ("Groceries", "viewer"),
                                                                  ("Work", "viewer")]  # fmt: skip
    assert {m["project_id"] for m in data["memberships"]} == {p["id"] for p in data["projects"]}
    assert all(m["user_id"] == str(ed.id) for m in data["memberships"])
    assert [c["body"] for c in data["comments"]] == ["zq done, thanks"]
    assert data["comments"][0]["project_id"] == str(groceries.id)
    assert {t["title"] for t in data["tasks"]} == {"Buy milk", "Bob's report", "Ed's old task"}
    assert [a["text"] for a in data["activity"]] == [
        f"Alice shared the project with {ed.email} as editor",
        f"Bob shared the project with {ed.email} as viewer",
        'Alice added "Buy milk"',  # assigned to Ed
        'Ed commented on "Buy milk"',
        'Ed added "Ed\'s old task"',
        "Alice made Ed viewer",
    ]
    assert data["invitations"] == []
    owner = account.export(session, user_id=alice.id)
    assert [(i["email"], i["role"]) for i in owner["invitations"]] == [("later@example.com", "editor")]
    assert 'Alice completed "Buy milk"' in [a["text"] for a in owner["activity"]]
    assert "Bob's report" not in {t["title"] for t in owner["tasks"]}
    json.dumps(data)
    # a member who leaves takes nothing of the project's in a later export
    projects.remove_member(session, user_id=ed.id, project_id=groceries.id, member_id=ed.id)
    after = account.export(session, user_id=ed.id)
    assert {t["title"] for t in after["tasks"]} == {"Bob's report"}
    assert [c["body"] for c in after["comments"]] == ["zq done, thanks"]  # what they wrote is theirs
    assert left.id
