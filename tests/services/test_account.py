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
from app.services.errors import AuthError, InvalidInputError
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
    assert data["version"] == 2
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
    from app.services.errors import NotFoundError

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
    bound = 1024 * rows["tasks"] + 1536 * rows["messages"] + 1536 * rows["operations"]
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
