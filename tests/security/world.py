"""Two users holding data, every table snapshotted, and the ids an attacker would try.

The isolation tests act as Bob on Alice's ids (and on random and malformed ones) through each
interface, then compare a snapshot of every table from before and after: the only rows allowed
to appear are Bob's own failure records (a refused tool call is journaled as a failed
TaskOperation, a refused widget click as a failed Action, and the click marks Bob's own widget
"interacted"). Alice's rows, and every other row of Bob's, must be byte-for-byte the same.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel, select

import app.models  # noqa: F401 - every table on the metadata
from app.core.db import session_scope
from app.core.security import decode_token, hash_password
from app.models import Action, Message, MessageStatus, TaskOperation, User, Widget
from app.orchestration import runner
from app.orchestration import widget_actions as widget_actions
from app.services import access_tokens, notifications
from app.services import auth as auth_service
from app.services import comments as comment_service
from app.services import messages as message_service
from app.services import projects as project_service
from app.services import tasks as task_service

PASSWORD = "correct-horse-42"
_HASH: list[str] = []


def password_hash() -> str:
    """One argon2 hash for every test user (hashing is slow on purpose)."""
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


@dataclass
class Holdings:
    """One user's account and a bit of everything it can own."""

    user_id: uuid.UUID
    email: str
    token: str
    task_ids: list[str] = field(default_factory=list)
    thread_ids: list[str] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)
    failed_message_id: str = ""
    widget_ids: list[str] = field(default_factory=list)
    list_widget_id: str = ""
    card_widget_id: str = ""
    confirm_widget_id: str = ""
    operation_ids: list[str] = field(default_factory=list)
    action_ids: list[str] = field(default_factory=list)
    project_ids: list[str] = field(default_factory=list)
    """Their Inbox (every account has one; a team's projects are ``team.py``'s)."""
    comment_ids: list[str] = field(default_factory=list)
    """A comment on one of their tasks."""
    notification_ids: list[str] = field(default_factory=list)
    """A line in their bell about one of their tasks (issue 17)."""
    access_token_ids: list[str] = field(default_factory=list)
    """A personal access token of theirs (issue 18)."""
    session_ids: list[str] = field(default_factory=list)
    """Their signed-in session (the row of ``token``; issue 18)."""

    def ids(self, kind: str) -> list[str]:
        return {
            "project": self.project_ids,
            "comment": self.comment_ids,
            "notification": self.notification_ids,
            "access_token": self.access_token_ids,
            "session": self.session_ids,
            "task": self.task_ids,
            "thread": self.thread_ids,
            "message": self.message_ids,
            "widget": self.widget_ids,
            "operation": self.operation_ids,
            "action": self.action_ids,
            "user": [str(self.user_id)],
        }[kind]

    def all_ids(self) -> list[str]:
        kinds = ("task", "thread", "message", "widget", "operation", "action", "user")
        return [i for kind in kinds for i in self.ids(kind)]


def _widget_of(result: runner.TurnResult, kind: str) -> str:
    found = [w["id"] for w in result.widgets if w["type"] == kind]
    assert found, f"no {kind} widget in {result.reply!r}"
    return found[0]


def hold_data(label: str) -> Holdings:
    """A user with tasks, two threads, messages, widgets, an action and undoable operations.

    Everything goes through the real services and the real (offline) agent; needs the process
    engine (``session_scope()``) pointed at the test database.
    """
    email = f"{label}-{uuid.uuid4().hex[:8]}@example.com"
    with session_scope() as session:
        user = User(email=email, hashed_password=password_hash())
        session.add(user)
        session.flush()
        user_id = user.id
        token = auth_service.issue_token(session, user=user, source="api")
    held = Holdings(user_id=user_id, email=email, token=token, session_ids=[str(decode_token(token).jti)])

    first = runner.run_turn(user_id=user_id, text=f"add {label} pays rent tomorrow, high priority #home")
    thread = first.thread_id
    held.card_widget_id = _widget_of(first, "Card")
    runner.run_turn(user_id=user_id, text=f"add {label} calls mom friday #family", thread_id=thread)
    with session_scope() as session:
        done = task_service.create_task(
            session, user_id=user_id, data={"title": f"{label} filed taxes", "completed": True}
        )
        done_id = str(done.id)
    listing = runner.run_turn(user_id=user_id, text="show my tasks", thread_id=thread)
    held.list_widget_id = _widget_of(listing, "ListView")
    complete = next(
        a
        for a in widget_actions.declared_actions(_payload(held.list_widget_id))
        if a["type"] == "task.complete"
    )
    widget_actions.perform(
        user_id=user_id,
        widget_id=held.list_widget_id,
        action={"type": complete["type"], "payload": complete["payload"]},
        idempotency_key="first-click",
    )
    second = runner.run_turn(user_id=user_id, text="delete all completed tasks")
    held.confirm_widget_id = _widget_of(second, "Card")
    with session_scope() as session:
        failed = message_service.open_assistant_message(session, user_id=user_id, thread_id=uuid.UUID(thread))
        message_service.finish_assistant_message(
            session, message_id=failed.id, content="Sorry, that failed.", status=MessageStatus.error
        )
        held.failed_message_id = str(failed.id)
    with session_scope() as session:
        held.task_ids = [str(t.id) for t in task_service.list_tasks(session, user_id=user_id)]
        assert done_id in held.task_ids
        held.thread_ids = [thread, second.thread_id]
        held.message_ids = [
            str(m) for m in session.exec(select(Message.id).where(Message.user_id == user_id)).all()
        ]
        held.widget_ids = [
            w.id
            for w in session.exec(
                select(Widget).where(sa.or_(*(Widget.thread_id == uuid.UUID(t) for t in held.thread_ids)))
            ).all()
        ]
        held.operation_ids = [
            str(o.id)
            for o in session.exec(
                select(TaskOperation).where(
                    TaskOperation.user_id == user_id, TaskOperation.undo_state.is_not(None)
                )
            ).all()
        ]
        held.action_ids = [
            str(a) for a in session.exec(select(Action.id).where(Action.user_id == user_id)).all()
        ]
        held.project_ids = [str(project_service.inbox(session, user_id=user_id).id)]
        note = comment_service.add_comment(session, user_id=user_id, task_id=done_id, body=f"{label}'s note")
        held.comment_ids = [str(note.comment.id)]
        bell = notifications.notify(
            session, user_id=user_id, kind="reminder", title=f"{label}'s reminder", task_id=uuid.UUID(done_id)
        )
        held.notification_ids = [str(bell.id)]
        token, _secret = access_tokens.create(
            session, user_id=user_id, name=f"{label}'s script", scope="write", expires_days=30
        )
        held.access_token_ids = [str(token.id)]
    assert len(held.task_ids) >= 3
    assert len(held.widget_ids) >= 3
    assert held.operation_ids
    assert held.action_ids
    return held


def _payload(widget_id: str) -> dict[str, Any]:
    with session_scope() as session:
        widget = session.get(Widget, widget_id)
        assert widget is not None
        return widget.payload


# ----- snapshots -----------------------------------------------------------------------------------


Snapshot = dict[str, dict[tuple[str, ...], dict[str, Any]]]


def snapshot(engine: sa.Engine) -> Snapshot:
    """Every row of every table, keyed by primary key (values as the ORM types read them)."""
    out: Snapshot = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            keys = [c.name for c in table.primary_key.columns]
            rows = conn.execute(sa.select(table)).mappings().all()
            out[table.name] = {tuple(str(row[k]) for k in keys): dict(row) for row in rows}
    return out


@dataclass
class Change:
    table: str
    key: tuple[str, ...]
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def __str__(self) -> str:
        if self.before is None:
            return f"{self.table} {self.key}: inserted {self.after}"
        if self.after is None:
            return f"{self.table} {self.key}: deleted {self.before}"
        moved = {k: (self.before[k], v) for k, v in self.after.items() if self.before.get(k) != v}
        return f"{self.table} {self.key}: changed {moved}"


PRESENCE = {"users": {"last_active_at"}, "auth_tokens": {"last_seen_at"}, "access_tokens": {"last_used_at"}}
"""When a signed-in person, session or access token was last seen (issue 18): written by any
authenticated request, at most once a minute; presence, not data, so never a change a refused
request "stored"."""


def _presence_only(table: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> bool:
    if old is None or new is None or table not in PRESENCE:
        return False
    return {k for k in new if old.get(k) != new[k]} <= PRESENCE[table]


def changes(before: Snapshot, after: Snapshot) -> list[Change]:
    found = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, {}), after.get(table, {})
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key) and not _presence_only(table, old.get(key), new.get(key)):
                found.append(Change(table, key, old.get(key), new.get(key)))
    return found


def _own_thread_ids(snap: Snapshot, user_id: uuid.UUID) -> set[str]:
    return {str(row["id"]) for row in snap["threads"].values() if row["user_id"] == user_id}


def audit_only(found: Iterable[Change], attacker: uuid.UUID, snap: Snapshot) -> list[Change]:
    """The changes that are not the attacker's own record of being refused."""
    own_threads = _own_thread_ids(snap, attacker)
    return [c for c in found if not _is_own_refusal(c, attacker, own_threads)]


def _is_own_refusal(change: Change, attacker: uuid.UUID, own_threads: set[str]) -> bool:
    new = change.after or {}
    if change.before is None and change.table == "task_operations":
        return new["user_id"] == attacker and new["status"] == "failed" and new["undo_state"] is None
    if change.before is None and change.table == "actions":
        return new["user_id"] == attacker and new["status"] == "failed"
    if change.table == "widgets" and change.before is not None and change.after is not None:
        moved = {k for k in new if change.before[k] != new[k]}
        return str(new["thread_id"]) in own_threads and moved <= {"state", "updated_at"}
    return False


def assert_untouched(engine: sa.Engine, before: Snapshot, attacker: uuid.UUID, what: str) -> None:
    after = snapshot(engine)
    left = audit_only(changes(before, after), attacker, after)
    assert not left, f"{what} changed data:\n" + "\n".join(str(c) for c in left[:10])


# ----- the ids an attacker tries -------------------------------------------------------------------


def random_id(kind: str) -> str:
    return f"wdg_{uuid.uuid4().hex}" if kind == "widget" else str(uuid.uuid4())


def _spellings(value: str) -> list[str]:
    """The same UUID written the other ways ``uuid.UUID()`` also reads."""
    try:
        u = uuid.UUID(value)
    except ValueError:
        return [value.upper(), f" {value} "]
    return [str(u).upper(), f" {u} ", "{" + str(u) + "}", u.hex, f"urn:uuid:{u}"]


GARBAGE = [
    "",
    " ",
    "not-a-uuid",
    "123",
    "-1",
    "null",
    "' OR 1=1 --",
    "%",
    "_",
    "*",
    "\x00",
    "a\x00b",
    "💥",
    "00000000-0000-0000-0000-000000000000",
    "00000000-0000-0000-0000-00000000000g",
    "wdg_",
    "wdg_" + "0" * 32,
    "a" * 5000,
    str(uuid.UUID(int=1)) * 40,
]


@dataclass
class IdCase:
    """One value to try where an id of ``kind`` is expected."""

    label: str
    value: str
    shaped: bool
    """True when the value is a well-formed id (the victim's, re-spelled, or random): its answer must
    equal the answer for a fresh random id exactly. Garbage only has to be refused alike."""


def id_cases(kind: str, victim: Holdings, *, garbage: bool = True) -> list[IdCase]:
    """The victim's ids of ``kind`` (and re-spelled), their other ids, random ids and garbage."""
    cases = [IdCase(f"victim {kind}", v, True) for v in victim.ids(kind)]
    first = victim.ids(kind)[0]
    cases += [IdCase(f"victim {kind} respelled", v, kind != "widget") for v in _spellings(first)]
    for other in ("task", "thread", "message", "widget", "operation", "action", "user"):
        if other != kind:
            cases.append(IdCase(f"victim {other} id as {kind}", victim.ids(other)[0], kind != "widget"))
    cases += [IdCase("random", random_id(kind), True) for _ in range(2)]
    cases.append(IdCase("random uuid hex", uuid.uuid4().hex, kind != "widget"))
    if garbage:
        cases += [IdCase(f"garbage {v[:12]!r}", v, False) for v in GARBAGE]
    return cases


# ----- counts, printed at the end of the session -----------------------------------------------------


class Counts:
    """How many paths (functions, tools, routes, handlers) and cases each surface tried."""

    def __init__(self) -> None:
        self.paths: dict[str, set[str]] = defaultdict(set)
        self.cases: dict[str, int] = defaultdict(int)

    def add(self, surface: str, path: str, cases: int) -> None:
        self.paths[surface].add(path)
        self.cases[surface] += cases

    def lines(self) -> list[str]:
        rows = [
            f"{surface:<28} {len(self.paths[surface]):>4} paths {self.cases[surface]:>7} cases"
            for surface in sorted(self.paths)
        ]
        total_paths = sum(len(p) for p in self.paths.values())
        rows.append(f"{'total':<28} {total_paths:>4} paths {sum(self.cases.values()):>7} cases")
        return rows


COUNTS = Counts()
