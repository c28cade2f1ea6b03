"""Isolation at the service layer: every service function that takes an id, fuzzed.

Every public function in ``app/services`` with an ``*_id`` / ``*_ids`` parameter (other than the
acting ``user_id``) is found by introspection and must be listed here, either fuzzed or named
internal with the reason; a new one that is neither fails the test. Each is called as Bob with
Alice's ids (as they are and re-spelled the other ways ``uuid.UUID`` reads them), her ids of
other kinds, random ids and garbage: a "not found" function must raise ``NotFoundError`` with the
same message as for a random id; a filter must return the same nothing as for a random id. All
on SQLite and PostgreSQL, with every table snapshotted before and after.

Projects (issue 16): every id-taking function of ``projects``, ``comments`` and ``activity``, and
the task writes again, are fuzzed on a team (``team.py``) by everyone who must be refused: a
non-member (a member of another project), a removed member, a pending invitee (an account with
the invited email that never accepted), a viewer writing, and an editor doing an owner's work;
with the project's ids, its Inbox's and another project's, each of the other kinds, random ids
and garbage, and from each attacker's own project (moving in, assigning, transferring to the
team's people). Each answer must equal a random id's, exactly, and nothing may change.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

import app.services
from app.core.db import session_scope
from app.models import Message, Thread
from app.services import access_tokens as access_token_service
from app.services import activity as activity_service
from app.services import admin as admin_service
from app.services import comments as comment_service
from app.services import invites as invite_service
from app.services import messages as message_service
from app.services import operations as operation_service
from app.services import projects as project_service
from app.services import retention as retention_service
from app.services import sessions as session_service
from app.services import tasks as task_service
from app.services import threads as thread_service
from app.services import widgets as widget_service
from app.services.errors import NotFoundError
from app.services.operations import PAGE
from tests.security.team import MODES, Team, build_team
from tests.security.world import (
    COUNTS,
    GARBAGE,
    PASSWORD,
    Holdings,
    IdCase,
    assert_untouched,
    id_cases,
    random_id,
    snapshot,
)

Call = Callable[[Session, uuid.UUID, Any], Any]


@dataclass(frozen=True)
class Fuzzed:
    kind: str
    call: Call
    missing: str
    """"raises": NotFoundError, like a missing id; "nothing": returns the same empty answer."""
    typed: bool = False
    """Takes ``uuid.UUID`` values only (never text from a person): fuzzed with UUIDs, not garbage."""


FUZZED: dict[str, Fuzzed] = {
    "sessions.sign_out_session": Fuzzed(
        "session", lambda s, u, v: session_service.sign_out_session(s, user_id=u, session_id=v), "raises"
    ),
    "tasks.get_task": Fuzzed(
        "task", lambda s, u, v: task_service.get_task(s, user_id=u, task_id=v), "raises"
    ),
    "tasks.update_task": Fuzzed(
        "task",
        lambda s, u, v: task_service.update_task(
            s, user_id=u, task_id=v, data={"title": "hijacked", "completed": True, "tags": ["x"]}
        ),
        "raises",
    ),
    "tasks.complete_task": Fuzzed(
        "task", lambda s, u, v: task_service.complete_task(s, user_id=u, task_id=v), "raises"
    ),
    "tasks.reopen_task": Fuzzed(
        "task", lambda s, u, v: task_service.reopen_task(s, user_id=u, task_id=v), "raises"
    ),
    "tasks.delete_task": Fuzzed(
        "task", lambda s, u, v: task_service.delete_task(s, user_id=u, task_id=v), "raises"
    ),
    "tasks.bulk_complete": Fuzzed(
        "task", lambda s, u, v: task_service.bulk_complete(s, user_id=u, task_ids=[v]), "raises"
    ),
    "tasks.bulk_delete": Fuzzed(
        "task", lambda s, u, v: task_service.bulk_delete(s, user_id=u, task_ids=[v]), "raises"
    ),
    "tasks.bulk_update": Fuzzed(
        "task",
        lambda s, u, v: task_service.bulk_update(s, user_id=u, task_ids=[v], data={"title": "hijacked"}),
        "raises",
    ),
    "tasks.undo_last": Fuzzed(
        "thread", lambda s, u, v: task_service.undo_last(s, user_id=u, thread_id=v), "raises", typed=True
    ),
    "tasks.undo_operation": Fuzzed(
        "operation", lambda s, u, v: task_service.undo_operation(s, user_id=u, operation_id=v), "raises"
    ),
    "tasks.undo_field_change": Fuzzed(
        "operation",
        lambda s, u, v: task_service.undo_field_change(
            s, user_id=u, task_id=v, operation_id=v, field="title", origin=PAGE
        ),
        "raises",
    ),
    "threads.get_thread": Fuzzed(
        "thread", lambda s, u, v: thread_service.get_thread(s, user_id=u, thread_id=v), "raises"
    ),
    "threads.get_thread_row": Fuzzed(
        "thread", lambda s, u, v: thread_service.get_thread_row(s, user_id=u, thread_id=v), "raises"
    ),
    "threads.rename_thread": Fuzzed(
        "thread",
        lambda s, u, v: thread_service.rename_thread(s, user_id=u, thread_id=v, title="hijacked"),
        "raises",
    ),
    "threads.set_archived": Fuzzed(
        "thread", lambda s, u, v: thread_service.set_archived(s, user_id=u, thread_id=v), "raises"
    ),
    "threads.delete_thread": Fuzzed(
        "thread", lambda s, u, v: thread_service.delete_thread(s, user_id=u, thread_id=v), "raises"
    ),
    "threads.remember_last_thread": Fuzzed(
        "thread",
        lambda s, u, v: thread_service.remember_last_thread(s, user_id=u, thread_id=v),
        "raises",
        typed=True,
    ),
    "messages.add_user_message": Fuzzed(
        "thread",
        lambda s, u, v: message_service.add_user_message(s, user_id=u, thread_id=v, content="hi"),
        "raises",
    ),
    "messages.get_message": Fuzzed(
        "message", lambda s, u, v: message_service.get_message(s, user_id=u, message_id=v), "raises"
    ),
    "messages.list_messages": Fuzzed(
        "thread", lambda s, u, v: message_service.list_messages(s, user_id=u, thread_id=v), "raises"
    ),
    "messages.thread_with_page": Fuzzed(
        "thread", lambda s, u, v: message_service.thread_with_page(s, user_id=u, thread_id=v), "raises"
    ),
    "widgets.get_widget": Fuzzed(
        "widget", lambda s, u, v: widget_service.get_widget(s, user_id=u, widget_id=v), "raises"
    ),
    "widgets.mark_rendered": Fuzzed(
        "widget", lambda s, u, v: widget_service.mark_rendered(s, user_id=u, widget_ids=[v]), "nothing"
    ),
    "operations.last_undoable": Fuzzed(
        "thread",
        lambda s, u, v: operation_service.last_undoable(s, user_id=u, thread_id=v),
        "nothing",
        typed=True,
    ),
    "access_tokens.get_token": Fuzzed(
        "access_token", lambda s, u, v: access_token_service.get_token(s, user_id=u, token_id=v), "raises"
    ),
    "access_tokens.revoke": Fuzzed(
        "access_token", lambda s, u, v: access_token_service.revoke(s, user_id=u, token_id=v), "raises"
    ),
    "retention.delete_threads": Fuzzed(
        "thread",
        lambda s, u, v: retention_service.delete_threads(s, user_id=u, thread_ids=[v]),
        "nothing",
        typed=True,
    ),
    # The admin console (issue 18): Bob is no admin (Alice, the first account, is), so every call
    # of his is a missing thing, whoever it names; nothing changes.
    "admin.list_users": Fuzzed(
        "user", lambda s, u, v: admin_service.list_users(s, admin_id=u, query=v), "raises"
    ),
    "admin.set_active": Fuzzed(
        "user", lambda s, u, v: admin_service.set_active(s, admin_id=u, user_id=v, active=False), "raises"
    ),
    "admin.set_admin": Fuzzed(
        "user", lambda s, u, v: admin_service.set_admin(s, admin_id=u, user_id=v, make_admin=False), "raises"
    ),
    "admin.delete_user": Fuzzed(
        "user",
        lambda s, u, v: admin_service.delete_user(s, admin_id=u, user_id=v, password=PASSWORD),
        "raises",
    ),
    "admin.reset_link": Fuzzed(
        "user",
        lambda s, u, v: admin_service.reset_link(s, admin_id=u, user_id=v, base_url="http://x"),
        "raises",
    ),
    "admin.reset_two_factor": Fuzzed(
        "user", lambda s, u, v: admin_service.reset_two_factor(s, admin_id=u, user_id=v), "raises"
    ),
    # issue 18: a non-admin (Bob) revoking an invitation gets what a missing one gets
    "invites.revoke": Fuzzed(
        "task", lambda s, u, v: invite_service.revoke(s, user_id=u, invite_id=v), "raises"
    ),
}

INTERNAL: dict[str, str] = {
    "messages.open_assistant_message": "claims a turn in a thread its caller (the runner) has just checked",
    "messages.has_open_turn": "asked by the runner about a thread it has just checked",
    "messages.set_status": "the runner moving its own open reply along",
    "messages.finish_assistant_message": "the runner storing its own reply",
    "messages.mark_interrupted": "crash recovery over every user's open turns (no acting user)",
    "widgets.store_widgets": "the runner attaching widgets to its own reply",
    "widgets.widgets_for_messages": "for messages its caller has just listed from a checked thread",
    "widgets.stored_now": "the widgets its own transaction stored on a reply (reads nothing)",
    "retention.count_under": "the retention job counting what it deletes (no acting user)",
    "operations.record_change": "journals a change its calling service has just made to checked tasks",
    "search_index.add_message_text": "indexes a message the messages service has just stored",
    "search_index.thread_row": "builds the index row of a thread being (re)indexed (migration, key rotation)",
    "search_index.v1_thread_rows": "builds the old per-term rows (0002 upgrade, 0008 downgrade)",
    "search_index.number_blocks": "numbers owners' threads into search blocks (migration 0009, benches)",
    "turn_journal.last_reply": "the runner's retry reading the newest reply of a thread it has just checked",
    "turn_journal.applied_calls": "what a checked thread's unfinished turn applied (runner, recovery)",
    "projects.role_of": "the membership lookup the checks are built on: answers for the user it is given",
    "projects.is_member": "the same lookup as a yes/no, for the checks and an assignee's membership",
    "live.touch": "notes the project a checked change happened in, for the live push (the journal calls it)",
    "tasks.descendants": "the subtasks of tasks its caller has just checked (same project as their parent)",
    "tasks.subtask_progress": "counts the subtasks of tasks its caller has just listed for the user",
    "notifications.notify": "the scheduler writing to the reminded person's own bell (no acting user)",
    "links.issue": "the scheduler signing links for the reminded person's own task (no acting user)",
    "audit.record": "appends to the audit log what its caller has just done or refused (names, not reads)",
    "instance.update": "writes instance settings for an admin its caller has just checked (admin service)",
    "invites.redeem": "uses up a sign-up link for the account register() has just created (no acting user)",
}


def _id_functions() -> dict[str, list[str]]:
    """Every public service function with an id parameter besides ``user_id``."""
    found: dict[str, list[str]] = {}
    for info in pkgutil.iter_modules(app.services.__path__):
        module = importlib.import_module(f"app.services.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_"):
                continue
            params = [
                p
                for p in inspect.signature(fn).parameters
                if p != "user_id" and (p.endswith(("_id", "_ids")))
            ]
            if params:
                found[f"{info.name}.{name}"] = params
    return found


def test_isolation_every_id_taking_service_is_covered() -> None:
    found = _id_functions()
    team = {spec.path for spec in TEAM_FUZZED}
    unclassified = sorted(set(found) - set(FUZZED) - team - set(INTERNAL))
    assert not unclassified, f"service functions taking ids, neither fuzzed nor internal: {unclassified}"
    stale = sorted((set(FUZZED) | set(INTERNAL)) - set(found))
    assert not stale, f"listed here but no longer in app/services: {stale}"
    # the membership rules: every id-taking function of these modules is fuzzed on the team
    shared = {name for name in found if name.split(".")[0] in {"projects", "comments", "activity"}}
    left = sorted(shared - team - set(INTERNAL))
    assert not left, f"project services not fuzzed on the team: {left}"
    for spec in TEAM_FUZZED:  # each fuzzes a parameter the function really has
        module, name = spec.path.split(".")
        fn = getattr(importlib.import_module(f"app.services.{module}"), name)
        param = "query" if spec.path == "tasks.list_tasks" else spec.param.removeprefix("data.")
        params = inspect.signature(fn).parameters
        assert param in params or "data" in params, (spec.label, list(params))


def _outcome(call: Call, user_id: uuid.UUID, value: Any) -> tuple[str, str]:
    """What a call did: ("raised", "NotFoundError: message") or ("returned", the value)."""
    try:
        with session_scope() as session:
            result = call(session, user_id, value)
    except Exception as exc:  # noqa: BLE001 - the kind of failure is what is compared
        return "raised", f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"
    return "returned", repr(result if not isinstance(result, list) else len(result))


def _cases(spec: Fuzzed, victim: Holdings) -> list[IdCase]:
    cases = id_cases(spec.kind, victim, garbage=not spec.typed)
    if not spec.typed:
        return cases
    typed = []
    for case in cases:
        try:
            typed.append(IdCase(case.label, uuid.UUID(case.value.strip()), True))  # type: ignore[arg-type]
        except ValueError:
            continue
    return typed


def test_isolation_services_fuzzed(app_db: sa.Engine, alice: Holdings, bob: Holdings) -> None:
    total = 0
    for name, spec in FUZZED.items():
        cases = _cases(spec, alice)
        before = snapshot(app_db)
        fresh = random_id(spec.kind)
        random_answer = _outcome(spec.call, bob.user_id, uuid.UUID(fresh) if spec.typed else fresh)
        for case in cases:
            answer = _outcome(spec.call, bob.user_id, case.value)
            where = f"{name}({case.label}: {str(case.value)[:40]!r})"
            if spec.missing == "raises":
                assert answer[0] == "raised", f"{where} returned {answer[1]}"
                assert answer[1].startswith("NotFoundError: "), f"{where} raised {answer[1]}"
            if case.shaped or spec.missing == "nothing":
                assert answer == random_answer, (
                    f"{where}: {answer} differs from a missing id's {random_answer}"
                )
        assert_untouched(app_db, before, bob.user_id, name)
        COUNTS.add(f"services ({app_db.dialect.name})", name, len(cases))
        total += len(cases)
    assert total > 400


def test_isolation_services_mixed_batches_all_or_nothing(
    app_db: sa.Engine, alice: Holdings, bob: Holdings
) -> None:
    """A batch with Bob's own task and one of Alice's fails whole: Bob's own task is not touched either."""
    before = snapshot(app_db)
    rename = functools.partial(task_service.bulk_update, data={"title": "hijacked"})
    for call in (task_service.bulk_complete, task_service.bulk_delete, rename):
        for theirs in (alice.task_ids[0], str(uuid.uuid4())):
            with session_scope() as session, _raises(NotFoundError, "Task not found."):
                call(session, user_id=bob.user_id, task_ids=[bob.task_ids[0], theirs])
    assert_untouched(app_db, before, bob.user_id, "mixed batches")
    COUNTS.add(f"services ({app_db.dialect.name})", "tasks.bulk_* mixed", 6)


def test_isolation_services_cursors_never_reach_across(
    app_db: sa.Engine, alice: Holdings, bob: Holdings
) -> None:
    """Keyset cursors built from Alice's rows only page through Bob's own threads and messages."""
    with session_scope() as session:
        theirs = session.get(Thread, uuid.UUID(alice.thread_ids[0]))
        message = session.get(Message, uuid.UUID(alice.message_ids[0]))
        assert theirs is not None
        assert message is not None
        cursor = thread_service.ThreadCursor(theirs.updated_at, theirs.id)
        far = thread_service.ThreadCursor(datetime(2999, 1, 1), theirs.id)
        for after in (cursor, far):
            for order in ("asc", "desc"):
                rows = thread_service.list_threads(session, user_id=bob.user_id, after=after, order=order)
                assert {r.user_id for r in rows} <= {bob.user_id}
        rows = message_service.list_messages(
            session,
            user_id=bob.user_id,
            thread_id=bob.thread_ids[0],
            before=(datetime(2999, 1, 1), message.id),
        )
        assert rows
        assert {r.user_id for r in rows} == {bob.user_id}
    COUNTS.add(f"services ({app_db.dialect.name})", "cursors", 5)


# ----- projects, comments and activity on a team (issue 16) -------------------------------------------

TeamCall = Callable[[Session, uuid.UUID, Any, Team, str], Any]


@dataclass(frozen=True)
class TeamFuzzed:
    path: str
    """The service function, ``module.name``."""
    variant: str
    param: str
    """The parameter fuzzed (``data.<field>`` for a field of a task's data)."""
    kind: str
    """project, task, comment, user (a person's id) or name (a project's name)."""
    mode: str
    """Who is refused: read (non-member, removed member, pending invitee), write (and a viewer),
    own (and an editor), any (the five, acting from a project of their own)."""
    call: TeamCall
    missing: str = "raises"
    """"raises": NotFoundError like a random id; "nothing": the same empty answer as a random id;
    "same": exactly a random id's answer (an assignee who is not a member is refused alike)."""
    typed: bool = False

    @property
    def label(self) -> str:
        return f"{self.path} [{self.variant}]" if self.variant else self.path


def _mine(t: Team, who: str) -> uuid.UUID:
    return t.mine[who]


TEAM_FUZZED: list[TeamFuzzed] = [
    # projects
    TeamFuzzed("projects.get_project", "read", "project_id", "project", "read",
               lambda s, u, v, t, w: project_service.get_project(s, user_id=u, project_id=v)),
    TeamFuzzed("projects.get_project", "write", "project_id", "project", "write",
               lambda s, u, v, t, w: project_service.get_project(s, user_id=u, project_id=v, need="write")),
    TeamFuzzed("projects.get_project", "own", "project_id", "project", "own",
               lambda s, u, v, t, w: project_service.get_project(s, user_id=u, project_id=v, need="own")),
    TeamFuzzed("projects.find_project", "read", "name", "name", "read",
               lambda s, u, v, t, w: project_service.find_project(s, user_id=u, name=v)),
    TeamFuzzed("projects.find_project", "write", "name", "name", "write",
               lambda s, u, v, t, w: project_service.find_project(s, user_id=u, name=v, need="write")),
    TeamFuzzed("projects.find_project", "own", "name", "name", "own",
               lambda s, u, v, t, w: project_service.find_project(s, user_id=u, name=v, need="own")),
    TeamFuzzed("projects.project_view", "", "project_id", "project", "read",
               lambda s, u, v, t, w: project_service.project_view(s, user_id=u, project_id=v)),
    TeamFuzzed("projects.members_matching", "", "project_id", "project", "read",
               lambda s, u, v, t, w: project_service.members_matching(s, user_id=u, project_id=v, who="me")),
    TeamFuzzed("projects.update_project", "", "project_id", "project", "own",
               lambda s, u, v, t, w: project_service.update_project(
                   s, user_id=u, project_id=v, name="hijacked", color="red", archived=True)),
    TeamFuzzed("projects.delete_project", "", "project_id", "project", "own",
               lambda s, u, v, t, w: project_service.delete_project(s, user_id=u, project_id=v)),
    TeamFuzzed("projects.share_project", "", "project_id", "project", "own",
               lambda s, u, v, t, w: project_service.share_project(
                   s, user_id=u, project_id=v, email="accomplice@example.com", role="editor")),
    TeamFuzzed("projects.set_role", "make me owner", "project_id", "project", "own",
               lambda s, u, v, t, w: project_service.set_role(
                   s, user_id=u, project_id=v, member_id=u, role="owner")),
    TeamFuzzed("projects.set_role", "their people in my project", "member_id", "user", "any",
               lambda s, u, v, t, w: project_service.set_role(
                   s, user_id=u, project_id=_mine(t, w), member_id=v, role="editor")),
    TeamFuzzed("projects.transfer_ownership", "to me", "project_id", "project", "own",
               lambda s, u, v, t, w: project_service.transfer_ownership(
                   s, user_id=u, project_id=v, to_user_id=u)),
    TeamFuzzed("projects.transfer_ownership", "mine to their people", "to_user_id", "user", "any",
               lambda s, u, v, t, w: project_service.transfer_ownership(
                   s, user_id=u, project_id=_mine(t, w), to_user_id=v)),
    TeamFuzzed("projects.remove_member", "the owner", "project_id", "project", "own",
               lambda s, u, v, t, w: project_service.remove_member(
                   s, user_id=u, project_id=v, member_id=t.owner)),
    TeamFuzzed("projects.remove_member", "leave", "project_id", "project", "read",
               lambda s, u, v, t, w: project_service.remove_member(s, user_id=u, project_id=v, member_id=u)),
    TeamFuzzed("projects.remove_member", "their people from my project", "member_id", "user", "any",
               lambda s, u, v, t, w: project_service.remove_member(
                   s, user_id=u, project_id=_mine(t, w), member_id=v)),
    TeamFuzzed("projects.cancel_invitation", "", "project_id", "project", "own",
               lambda s, u, v, t, w: project_service.cancel_invitation(
                   s, user_id=u, project_id=v, email=t.invited_email)),
    # comments
    TeamFuzzed("comments.add_comment", "", "task_id", "task", "read",
               lambda s, u, v, t, w: comment_service.add_comment(s, user_id=u, task_id=v, body="hijacked")),
    TeamFuzzed("comments.list_comments", "", "task_id", "task", "read",
               lambda s, u, v, t, w: comment_service.list_comments(s, user_id=u, task_id=v)),
    TeamFuzzed("comments.edit_comment", "", "comment_id", "comment", "own",
               lambda s, u, v, t, w: comment_service.edit_comment(
                   s, user_id=u, comment_id=v, body="hijacked")),
    TeamFuzzed("comments.delete_comment", "", "comment_id", "comment", "own",
               lambda s, u, v, t, w: comment_service.delete_comment(s, user_id=u, comment_id=v)),
    # activity
    TeamFuzzed("activity.project_activity", "", "project_id", "project", "read",
               lambda s, u, v, t, w: activity_service.project_activity(s, user_id=u, project_id=v)),
    TeamFuzzed("activity.project_activity", "their task in my project", "task_id", "task", "any",
               lambda s, u, v, t, w: activity_service.project_activity(
                   s, user_id=u, project_id=_mine(t, w), task_id=v), "nothing", typed=True),
    TeamFuzzed("activity.activity_of", "", "actor_id", "user", "read",
               lambda s, u, v, t, w: activity_service.activity_of(s, user_id=u, actor_id=v),
               "nothing", typed=True),
    # the task service, by role
    TeamFuzzed("tasks.get_task", "team", "task_id", "task", "read",
               lambda s, u, v, t, w: task_service.get_task(s, user_id=u, task_id=v)),
    TeamFuzzed("tasks.update_task", "team", "task_id", "task", "write",
               lambda s, u, v, t, w: task_service.update_task(
                   s, user_id=u, task_id=v, data={"title": "hijacked", "completed": True})),
    TeamFuzzed("tasks.update_task", "move theirs into mine", "task_id", "task", "write",
               lambda s, u, v, t, w: task_service.update_task(
                   s, user_id=u, task_id=v, data={"project_id": str(_mine(t, w))})),
    TeamFuzzed("tasks.update_task", "assign theirs to me", "task_id", "task", "write",
               lambda s, u, v, t, w: task_service.update_task(
                   s, user_id=u, task_id=v, data={"assignee_id": str(u)})),
    TeamFuzzed("tasks.update_task", "move mine into theirs", "data.project_id", "project", "write",
               lambda s, u, v, t, w: task_service.update_task(
                   s, user_id=u, task_id=t.my_task[w], data={"project_id": str(v)}), typed=True),
    TeamFuzzed("tasks.update_task", "assign mine to their people", "data.assignee_id", "user", "any",
               lambda s, u, v, t, w: task_service.update_task(
                   s, user_id=u, task_id=t.my_task[w], data={"assignee_id": str(v)}), "same", typed=True),
    TeamFuzzed("tasks.create_task", "in their project", "data.project_id", "project", "write",
               lambda s, u, v, t, w: task_service.create_task(
                   s, user_id=u, data={"title": "planted", "project_id": str(v)}), typed=True),
    TeamFuzzed("tasks.create_task", "assigned to their people", "data.assignee_id", "user", "any",
               lambda s, u, v, t, w: task_service.create_task(
                   s, user_id=u,
                   data={"title": "planted", "project_id": str(_mine(t, w)), "assignee_id": str(v)}),
               "same", typed=True),
    TeamFuzzed("tasks.create_task", "a subtask of theirs", "data.parent_id", "task", "write",
               lambda s, u, v, t, w: task_service.create_task(
                   s, user_id=u, data={"title": "planted", "parent_id": str(v)}), typed=True),
    TeamFuzzed("tasks.update_task", "mine under theirs", "data.parent_id", "task", "write",
               lambda s, u, v, t, w: task_service.update_task(
                   s, user_id=u, task_id=t.my_task[w], data={"parent_id": str(v)}), typed=True),
    TeamFuzzed("tasks.bulk_update", "team", "task_ids", "task", "write",
               lambda s, u, v, t, w: task_service.bulk_update(
                   s, user_id=u, task_ids=[v], data={"title": "hijacked"})),
    TeamFuzzed("tasks.complete_task", "team", "task_id", "task", "write",
               lambda s, u, v, t, w: task_service.complete_task(s, user_id=u, task_id=v)),
    TeamFuzzed("tasks.reopen_task", "team", "task_id", "task", "write",
               lambda s, u, v, t, w: task_service.reopen_task(s, user_id=u, task_id=v)),
    TeamFuzzed("tasks.delete_task", "team", "task_id", "task", "write",
               lambda s, u, v, t, w: task_service.delete_task(s, user_id=u, task_id=v)),
    TeamFuzzed("tasks.bulk_complete", "team", "task_ids", "task", "write",
               lambda s, u, v, t, w: task_service.bulk_complete(s, user_id=u, task_ids=[t.my_task[w], v])),
    TeamFuzzed("tasks.bulk_delete", "team", "task_ids", "task", "write",
               lambda s, u, v, t, w: task_service.bulk_delete(s, user_id=u, task_ids=[t.my_task[w], v])),
    TeamFuzzed("tasks.list_tasks", "a project's tasks", "data.project_id", "project", "read",
               lambda s, u, v, t, w: task_service.list_tasks(
                   s, user_id=u, query=task_service.TaskQuery(project_id=v)), "nothing", typed=True),
    TeamFuzzed("tasks.list_tasks", "assigned to their people", "data.assignee_id", "user", "read",
               lambda s, u, v, t, w: task_service.list_tasks(
                   s, user_id=u, query=task_service.TaskQuery(assignee_id=v)), "nothing", typed=True),
]  # fmt: skip

KINDS = ("project", "task", "comment", "user")


def team_cases(kind: str, team: Team, *, typed: bool) -> list[IdCase]:
    """The team's ids of ``kind`` (and re-spelled), its ids of the other kinds, random ids and garbage."""
    if kind == "name":
        cases = [IdCase(f"their project {v.strip()!r}", v, True) for v in team.names]
        cases += [IdCase("random name", f"Nothing {uuid.uuid4().hex[:6]}", True) for _ in range(2)]
        return cases + [IdCase(f"garbage {v[:12]!r}", v, False) for v in GARBAGE[:13]]
    cases = [IdCase(f"their {kind}", v, True) for v in team.ids(kind)]
    first = team.ids(kind)[0]
    u = uuid.UUID(first)
    cases += [
        IdCase(f"their {kind} respelled", v, True)
        for v in (str(u).upper(), f" {u} ", "{" + str(u) + "}", u.hex)
    ]
    cases += [
        IdCase(f"their {other} id as {kind}", team.ids(other)[0], True) for other in KINDS if other != kind
    ]
    cases += [IdCase("random", str(uuid.uuid4()), True) for _ in range(2)]
    if typed:
        return [IdCase(c.label, uuid.UUID(c.value.strip()), True) for c in cases]  # type: ignore[arg-type]
    return cases + [IdCase(f"garbage {v[:12]!r}", v, False) for v in GARBAGE]


def _is_self(value: Any, user_id: uuid.UUID) -> bool:
    try:
        return uuid.UUID(str(value).strip()) == user_id
    except ValueError:
        return False


def _team_outcome(spec: TeamFuzzed, team: Team, who: str, value: Any) -> tuple[str, str]:
    user_id = team.attackers[who]
    return _outcome(lambda s, u, v: spec.call(s, u, v, team, who), user_id, value)


def test_isolation_services_team_fuzzed(app_db: sa.Engine) -> None:
    """Every project, comment, activity and task path, by everyone who must be refused."""
    team = build_team()
    total = 0
    for spec in TEAM_FUZZED:
        cases = team_cases(spec.kind, team, typed=spec.typed)
        before = snapshot(app_db)
        tried = 0
        for who in MODES[spec.mode]:
            fresh: Any = f"Nothing {uuid.uuid4().hex[:6]}" if spec.kind == "name" else uuid.uuid4()
            random_answer = _team_outcome(
                spec, team, who, fresh if spec.typed or spec.kind == "name" else str(fresh)
            )
            if spec.missing == "raises":
                assert random_answer[1].startswith("NotFoundError: "), (spec.label, who, random_answer)
            for case in cases:
                if _is_self(case.value, team.attackers[who]):
                    continue  # their own id is not someone else's
                answer = _team_outcome(spec, team, who, case.value)
                where = f"{spec.label} as the {who} ({case.label}: {str(case.value)[:40]!r})"
                if spec.missing == "raises":
                    assert answer[0] == "raised", f"{where} returned {answer[1]}"
                    assert answer[1].startswith("NotFoundError: "), f"{where} raised {answer[1]}"
                if case.shaped or spec.missing == "nothing":
                    assert answer == random_answer, (
                        f"{where}: {answer} differs from a missing id's {random_answer}"
                    )
                else:
                    assert answer[0] == "raised", f"{where} returned {answer[1]}"
                tried += 1
        assert_untouched(app_db, before, uuid.UUID(int=0), spec.label)
        COUNTS.add(f"services, team ({app_db.dialect.name})", spec.label, tried)
        total += tried
    assert total > 3000, total


def test_isolation_services_team_rights_hold(app_db: sa.Engine) -> None:
    """The sweep's refusals are refusals, not a broken world: members do what their role allows."""
    team = build_team()
    groceries, milk = team.project_ids[0], team.task_ids[0]
    with session_scope() as s:
        for who in ("viewer", "editor"):
            user_id = team.attackers[who]
            assert project_service.get_project(s, user_id=user_id, project_id=groceries).name == "Groceries"
            assert comment_service.list_comments(s, user_id=user_id, task_id=milk)
            assert activity_service.project_activity(s, user_id=user_id, project_id=groceries)
            comment_service.add_comment(s, user_id=user_id, task_id=milk, body=f"{who} was here")
        task_service.update_task(
            s, user_id=team.attackers["editor"], task_id=milk, data={"title": "Buy oat milk"}
        )
        project_service.update_project(s, user_id=team.owner, project_id=groceries, name="Food")
    COUNTS.add(f"services, team ({app_db.dialect.name})", "allowed by role", 8)


class _raises:
    """``with _raises(NotFoundError, "Task not found."):`` (an exact message, unlike pytest.raises)."""

    def __init__(self, kind: type[Exception], message: str) -> None:
        self.kind, self.message = kind, message

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, exc: BaseException | None, _tb: object) -> bool:
        assert kind is not None, f"expected {self.kind.__name__}"
        assert issubclass(kind, self.kind), f"raised {kind.__name__}: {exc}"
        assert getattr(exc, "message", str(exc)) == self.message
        return True
