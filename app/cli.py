"""Ticked's command line: ``python -m app.cli --help``.

It never imports reflex, so it starts fast and runs anywhere the domain code runs.
Errors print one clear line to stderr and exit 1; results go to stdout (JSON where asked).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from app.core.db import session_scope
from app.core.inputs import MAX_JSON_DEPTH
from app.models import Task, User
from app.models.project import PROJECT_COLORS
from app.models.task import DUE_FILTERS, PRIORITIES, RECURRENCES, SORT_KEYS, STATUS_FILTERS
from app.services import access_tokens, clock
from app.services import admin as admin_service
from app.services import auth as auth_service
from app.services import projects as project_service
from app.services import reminders as reminder_service
from app.services import tasks as task_service
from app.services.errors import InvalidInputError, NotFoundError, ServiceError, require_text
from app.services.operations import Origin

CLI = Origin(source="cli")


def _user(session: Session, email: str) -> User:
    user = auth_service.get_user_by_email(session, email=email)
    if user is None:
        raise NotFoundError(f"No user with email {email}.")
    return user


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, default=str))


def cmd_migrate(args: argparse.Namespace) -> None:
    from app.migrations import upgrade

    upgrade()
    print("Database is up to date.")


def cmd_user_create(args: argparse.Namespace) -> None:
    with session_scope() as session:
        user = auth_service.register(
            session,
            email=args.email,
            password=args.password,
            name=args.name,
            time_zone=args.tz,
            surface="cli",
            by_admin=True,  # the admin adding someone: the sign-up policy is for people signing up
        )
        if getattr(args, "admin", False) and not user.is_admin:
            admin_service.system_set_admin(session, email=user.email, make_admin=True)
        out = {"id": str(user.id), "email": user.email, "name": user.name, "time_zone": user.time_zone}
        _print_json(out | {"is_admin": user.is_admin})


def cmd_user_role(args: argparse.Namespace) -> None:
    """``user promote|demote|disable|enable --email E`` (issue 18): the server's operator needs no admin."""
    with session_scope() as session:
        if args.user_command in ("promote", "demote"):
            user = admin_service.system_set_admin(
                session, email=args.email, make_admin=args.user_command == "promote"
            )
        else:
            user = admin_service.system_set_active(
                session, email=args.email, active=args.user_command == "enable"
            )
        _print_json(
            {"id": str(user.id), "email": user.email, "is_admin": user.is_admin, "is_active": user.is_active}
        )


def _add_user_admin_commands(user: Any) -> None:
    helps = {
        "promote": "make a user an admin",
        "demote": "make an admin a normal user (never the last admin)",
        "disable": "disable a user: every session and access token ends (never the last admin)",
        "enable": "enable a disabled user",
    }
    for name, text in helps.items():
        command = user.add_parser(name, help=text)
        command.add_argument("--email", required=True)
        command.set_defaults(func=cmd_user_role)


def cmd_tasks_add(args: argparse.Namespace) -> None:
    data: dict[str, Any] = {"title": args.title, "priority": args.priority, "completed": args.done}
    if args.description is not None:
        data["description"] = args.description
    if args.tags:
        data["tags"] = [t for t in args.tags.split(",") if t.strip()]
    if args.due:
        data["due_date"] = args.due
    if args.recurrence:
        data["recurrence"] = args.recurrence
    if args.due_time:
        data["due_time"] = args.due_time
    if args.remind:
        data["reminders"] = [{"at": at} for at in args.remind]
    with session_scope() as session:
        user = _user(session, args.user)
        if args.project:
            project = project_service.find_project(session, user_id=user.id, name=args.project)
            data["project_id"] = project.id
        if args.assignee:
            data["assignee_id"] = _user(session, args.assignee).id
        if args.parent:
            data["parent_id"] = _parent(session, user.id, args.parent).id
        task = task_service.create_task(session, user_id=user.id, data=data, origin=CLI)
        _print_json(_task_json(session, [task])[0])


def _parent(session: Session, user_id: Any, title: str) -> Task:
    """The user's task titled ``title`` (any case; an open one wins over completed ones)."""
    key = " ".join(title.split()).casefold()
    found = [
        t
        for t in task_service.list_tasks(
            session, user_id=user_id, query=task_service.TaskQuery(search=" ".join(title.split()), limit=500)
        )
        if t.title.casefold() == key
    ]
    open_ones = [t for t in found if not t.completed]
    found = open_ones or found
    if not found:
        raise NotFoundError(f"No task titled {title.strip()!r} to be the parent.")
    if len(found) > 1:
        raise InvalidInputError(f"{len(found)} tasks are titled {title.strip()!r}: rename one first.")
    return found[0]


def _task_json(session: Session, tasks: list[Any]) -> list[dict[str, Any]]:
    """Tasks as the CLI prints them: every field, plus the project's name, the assignee's email,
    the parent's title and the reminders as local ``YYYY-MM-DDTHH:MM`` times (soonest first)."""
    labels = project_service.task_labels(session, tasks)
    parent_ids = list({t.parent_id for t in tasks if t.parent_id is not None})
    parents: dict[Any, str] = {}
    if parent_ids:
        rows = session.exec(select(Task.id, Task.title).where(col(Task.id).in_(parent_ids))).all()
        parents = {tid: str(title) for tid, title in rows}
    return [
        {
            **task_service.to_public(t).to_json(),
            "project": labels[t.id]["project"],
            "assignee": labels[t.id]["assignee"],
            "parent": parents.get(t.parent_id) if t.parent_id is not None else None,
            "reminders": reminder_service.local_iso(t),
        }
        for t in tasks
    ]


def cmd_tasks_list(args: argparse.Namespace) -> None:
    query = task_service.TaskQuery(
        status=args.status,
        tag=args.tag,
        priority=args.priority,
        due=args.due,
        search=args.search,
        sort=args.sort,
    )
    with session_scope() as session:
        user = _user(session, args.user)
        if args.project:
            query.project_id = project_service.find_project(session, user_id=user.id, name=args.project).id
        if args.assignee:
            query.assignee_id = _user(session, args.assignee).id
        tasks = _task_json(
            session,
            task_service.list_tasks(
                session, user_id=user.id, query=query, today=clock.user_today(session, user_id=user.id)
            ),
        )
    if args.json:
        _print_json(tasks)
        return
    if not tasks:
        print("No tasks.")
    for i, t in enumerate(tasks, 1):
        due = f" (due {t['due_date']}{' ' + t['due_time'] if t['due_time'] else ''})" if t["due_date"] else ""
        tags = "".join(f" #{tag}" for tag in t["tags"])
        print(f"{i:>3}. [{'x' if t['completed'] else ' '}] {t['title']}{due} [{t['priority']}]{tags}")


def cmd_project_create(args: argparse.Namespace) -> None:
    with session_scope() as session:
        user = _user(session, args.user)
        project = project_service.create_project(
            session, user_id=user.id, name=args.name, color=args.color, origin=CLI
        )
        view = project_service.project_view(session, user_id=user.id, project_id=project.id)
        _print_json(view.to_json())


def cmd_project_share(args: argparse.Namespace) -> None:
    with session_scope() as session:
        user = _user(session, args.user)
        project = project_service.find_project(
            session, user_id=user.id, name=args.name, need=project_service.OWN
        )
        result = project_service.share_project(
            session, user_id=user.id, project_id=project.id, email=args.with_, role=args.role, origin=CLI
        )
        _print_json(
            {"project": project.name, "email": result.email, "role": result.role, "outcome": result.outcome}
        )


def cmd_project_list(args: argparse.Namespace) -> None:
    with session_scope() as session:
        user = _user(session, args.user)
        views = project_service.list_projects(
            session, user_id=user.id, archived=args.archived, with_members=True
        )
        rows = [v.to_json() for v in views]
    if args.json:
        _print_json(rows)
        return
    for row in rows:
        people = ", ".join(f"{m['email']} ({m['role']})" for m in row["members"])
        flag = " [archived]" if row["archived"] else ""
        print(f"{row['name']}{flag}: {row['open_tasks']} open · {people}")


def cmd_chat(args: argparse.Namespace) -> None:
    from app.orchestration.runner import run_cli_chat

    run_cli_chat(email=args.user, thread_id=args.thread, as_json=args.json, lines=sys.stdin)


def cmd_act(args: argparse.Namespace) -> None:
    from app.orchestration.widget_actions import perform

    try:
        action = json.loads(args.action)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"--action is not valid JSON ({exc.msg}).") from exc
    except RecursionError as exc:
        raise InvalidInputError(f"--action is nested too deep (at most {MAX_JSON_DEPTH} levels).") from exc
    if not isinstance(action, dict):
        raise InvalidInputError(
            '--action must be a JSON object like {"type": "task.complete", "payload": {...}}.'
        )
    form = action.pop("form", None)
    with session_scope() as session:
        user_id = _user(session, args.user).id
    outcome = perform(
        user_id=user_id,
        widget_id=args.widget,
        action=action,
        idempotency_key=args.key,
        form=form,
        source="cli",
    )
    _print_json({k: outcome.to_json()[k] for k in ("action_id", "status", "result", "widget")})


def cmd_mcp(args: argparse.Namespace) -> None:
    from app.mcp_server import run_stdio

    with session_scope() as session:
        user = _user(session, args.user)
        if not user.is_active:
            raise ServiceError(f"The account {user.email} is deactivated.")
        user_id = user.id
    run_stdio(user_id)


def cmd_export(args: argparse.Namespace) -> None:
    from app.services import account as account_service
    from app.services import audit

    with session_scope() as session:
        person = _user(session, args.user)
        cli_actor = audit.Actor(user_id=person.id, email=person.email, surface="cli")
        data = account_service.export(session, user_id=person.id, actor=cli_actor)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if not args.output or args.output == "-":
        print(text)
        return
    # Personal data: readable by the owner only, whatever the umask.
    fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text + "\n")
    print(f"Wrote {args.output}.", file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> None:
    from app.orchestration.importing import run_cli as run_import

    print(run_import(args.file, args.user, dry_run=args.dry_run, project=args.project))


def cmd_purge(args: argparse.Namespace) -> None:
    from app.services.retention import purge_expired_chats

    report = purge_expired_chats(dry_run=args.dry_run)
    if args.json:
        _print_json(report.to_json())
    else:
        print(report.summary())


def cmd_rotate_key(args: argparse.Namespace) -> None:
    from app.core.crypto import DecryptionError, EncryptionKeyError
    from app.services.key_rotation import rotate_key

    progress = None if args.json else (lambda line: print(line, file=sys.stderr, flush=True))
    try:
        report = rotate_key(batch_size=args.batch_size, grace_seconds=args.grace, progress=progress)
    except (EncryptionKeyError, DecryptionError) as exc:  # one clear line, like every other error
        raise ServiceError(str(exc)) from exc
    if args.json:
        _print_json(report.to_json())
        return
    if report.new_key:
        print(f"New key (keep it secret, keep it with your backups):\n{report.new_key}")
    else:
        print(f"Re-encrypted {report.values} value(s), rebuilt search for {report.threads} conversation(s).")
    print(report.message)


def cmd_token_create(args: argparse.Namespace) -> None:
    """Prints the new token alone on one line (``TOKEN=$(python -m app.cli token create ...)``)."""
    with session_scope() as session:
        user = _user(session, args.user)
        _info, secret = access_tokens.create(
            session,
            user_id=user.id,
            name=args.name,
            scope=args.scope,
            expires_days=args.expires_days,
            surface="cli",
        )
    print(secret)


def cmd_token_list(args: argparse.Namespace) -> None:
    with session_scope() as session:
        user = _user(session, args.user)
        rows = [t.to_json() for t in access_tokens.list_tokens(session, user_id=user.id)]
    if args.json:
        _print_json(rows)
        return
    if not rows:
        print("No access tokens.")
    for row in rows:
        expires = (row["expires_at"] or "never")[:10]
        used = (row["last_used_at"] or "never")[:16].replace("T", " ")
        print(
            f"{row['id']}  {row['name']} ({row['scope']}, {row['prefix']}...) {row['status']}, "
            f"expires {expires}, last used {used}"
        )


def cmd_token_revoke(args: argparse.Namespace) -> None:
    with session_scope() as session:
        user = _user(session, args.user)
        if args.id:
            info = access_tokens.revoke(session, user_id=user.id, token_id=args.id, surface="cli")
        else:
            info = access_tokens.revoke_by_name(session, user_id=user.id, name=args.name, surface="cli")
    print(f"Revoked {info.name} ({info.prefix}...).")


def _add_token_commands(sub: Any) -> None:
    """``token create|list|revoke``: personal access tokens for scripts and MCP clients (issue 18)."""
    token = sub.add_parser("token", help="manage a user's personal access tokens").add_subparsers(
        dest="token_command", required=True
    )
    tcreate = token.add_parser("create", help="make an access token and print it (only this once)")
    tcreate.add_argument("--user", required=True, help="the user's email")
    tcreate.add_argument("--name", required=True, help="what it is for, e.g. 'laptop MCP client'")
    tcreate.add_argument("--scope", choices=access_tokens.SCOPES, default="write")
    tcreate.add_argument(
        "--expires-days", type=int, help="days until it stops working (default: never, if the server allows)"
    )
    tcreate.set_defaults(func=cmd_token_create)
    tlist = token.add_parser("list", help="list a user's access tokens (never the tokens themselves)")
    tlist.add_argument("--user", required=True, help="the user's email")
    tlist.add_argument("--json", action="store_true")
    tlist.set_defaults(func=cmd_token_list)
    trevoke = token.add_parser("revoke", help="revoke one of a user's access tokens")
    trevoke.add_argument("--user", required=True, help="the user's email")
    which = trevoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", help="the token's id (from token list)")
    which.add_argument("--name", help="the token's name")
    trevoke.set_defaults(func=cmd_token_revoke)


@functools.cache
def build_parser() -> argparse.ArgumentParser:
    """The command line's parser, built once per process (~4 ms: an in-process caller, such as the
    tests, runs ``main`` many times). Nothing in it depends on the environment."""
    parser = argparse.ArgumentParser(prog="python -m app.cli", description="Ticked from the command line.")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("migrate", help="apply the database migrations to DATABASE_URL").set_defaults(
        func=cmd_migrate
    )

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="user_command", required=True)
    create = user.add_parser("create", help="create a user")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--name")
    create.add_argument("--tz", help="the person's IANA time zone, e.g. Europe/Paris (default UTC)")
    create.add_argument("--admin", action="store_true", help="make the new user an admin")
    create.set_defaults(func=cmd_user_create)
    _add_user_admin_commands(user)

    tasks = sub.add_parser("tasks", help="manage a user's tasks").add_subparsers(
        dest="tasks_command", required=True
    )
    add = tasks.add_parser("add", help="add a task and print it as JSON")
    add.add_argument("--user", required=True, help="the user's email")
    add.add_argument("--title", required=True)
    add.add_argument("--description")
    add.add_argument("--priority", choices=PRIORITIES, default="medium")
    add.add_argument("--tags", help="comma-separated, e.g. work,home")
    add.add_argument("--due", help="YYYY-MM-DD")
    add.add_argument("--recurrence", choices=RECURRENCES)
    add.add_argument("--done", action="store_true", help="create it already completed")
    add.add_argument("--project", help="the project's name (default: the user's Inbox)")
    add.add_argument("--assignee", help="a member's email")
    add.add_argument(
        "--due-time", help="HH:MM (24-hour) on the due date, in the user's zone (default date: today)"
    )
    add.add_argument(
        "--remind",
        action="append",
        metavar="YYYY-MM-DDTHH:MM",
        help="a reminder at this local time (repeat for several)",
    )
    add.add_argument("--parent", help="make it a subtask of the user's task with this title")
    add.set_defaults(func=cmd_tasks_add)
    lst = tasks.add_parser("list", help="list a user's tasks")
    lst.add_argument("--user", required=True)
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--status", choices=STATUS_FILTERS, default="all")
    lst.add_argument("--tag")
    lst.add_argument("--priority", choices=PRIORITIES)
    lst.add_argument("--due", choices=DUE_FILTERS)
    lst.add_argument("--search")
    lst.add_argument("--sort", choices=SORT_KEYS, default="created")
    lst.add_argument("--project", help="only this project's tasks (by name)")
    lst.add_argument("--assignee", help="only tasks assigned to this email")
    lst.set_defaults(func=cmd_tasks_list)

    project = sub.add_parser("project", help="manage a user's projects").add_subparsers(
        dest="project_command", required=True
    )
    pcreate = project.add_parser("create", help="create a project and print it as JSON")
    pcreate.add_argument("--user", required=True, help="the owner's email")
    pcreate.add_argument("--name", required=True)
    pcreate.add_argument("--color", choices=PROJECT_COLORS)
    pcreate.set_defaults(func=cmd_project_create)
    pshare = project.add_parser(
        "share", help="share a project with an email (invited when it has no account)"
    )
    pshare.add_argument("--user", required=True, help="the owner's email")
    pshare.add_argument("--name", required=True, help="the project's name")
    pshare.add_argument("--with", dest="with_", required=True, help="the email to share with")
    pshare.add_argument("--role", choices=("editor", "viewer"), default="editor")
    pshare.set_defaults(func=cmd_project_share)
    plist = project.add_parser("list", help="list a user's projects with their members")
    plist.add_argument("--user", required=True)
    plist.add_argument("--json", action="store_true")
    plist.add_argument("--archived", action="store_true", help="include archived projects")
    plist.set_defaults(func=cmd_project_list)

    chat = sub.add_parser("chat", help="chat with the assistant: one message per stdin line")
    chat.add_argument("--user", required=True)
    chat.add_argument("--thread", help="continue this thread (default: a new one)")
    chat.add_argument("--json", action="store_true", help="one JSON object per turn")
    chat.set_defaults(func=cmd_chat)

    act = sub.add_parser("act", help="perform a widget action as a user (the same path as a click)")
    act.add_argument("--user", required=True)
    act.add_argument("--widget", required=True, help="the widget id (wdg_...)")
    act.add_argument("--action", required=True, help='JSON: {"type": ..., "payload": {...}, "form": {...}}')
    act.add_argument("--key", help="idempotency key: the same key twice applies once")
    act.set_defaults(func=cmd_act)

    mcp = sub.add_parser("mcp", help="serve the task tools over MCP on stdin/stdout, acting as one user")
    mcp.add_argument("--user", required=True, help="the user's email")
    mcp.set_defaults(func=cmd_mcp)

    export = sub.add_parser("export", help="print everything stored about a user as JSON")
    export.add_argument("--user", required=True, help="the user's email")
    export.add_argument("--output", help="write to this file (mode 0600) instead of stdout")
    export.set_defaults(func=cmd_export)

    imp = sub.add_parser("import", help="import a Todoist CSV export or restore a Ticked export (JSON)")
    imp.add_argument("--user", required=True, help="the user's email")
    imp.add_argument("file", help="a Todoist project's CSV export, or a Ticked export (.json)")
    imp.add_argument("--project", help="Todoist: the project to import into (default: the file's name)")
    imp.add_argument("--dry-run", action="store_true", help="show the preview; write nothing")
    imp.set_defaults(func=cmd_import)

    purge = sub.add_parser("purge", help="delete chats older than each user's retention (server caps it)")
    purge.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    purge.add_argument("--json", action="store_true", help="print the counts as JSON")
    purge.set_defaults(func=cmd_purge)

    rotate = sub.add_parser(
        "rotate-key", help="re-encrypt chats under a new at-rest key (the app keeps running)"
    )
    rotate.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")
    rotate.add_argument(
        "--grace", type=float, default=3.0, help="seconds for running instances to load the new key"
    )
    rotate.add_argument("--json", action="store_true", help="print the report as JSON")
    rotate.set_defaults(func=cmd_rotate_key)
    _add_audit_commands(sub)
    _add_token_commands(sub)
    return parser


def cmd_audit_verify(args: argparse.Namespace) -> None:
    from app.services import audit

    with session_scope() as session:
        found = audit.verify(session)
    if not found.ok:
        raise ServiceError(f"Audit log broken at event #{found.broken_at}: {found.reason}.")
    print(f"Audit log intact: {found.checked:,} events.")


def cmd_audit_export(args: argparse.Namespace) -> None:
    from app.services import audit, audit_view

    query = audit_view.parse_filters(audit_view.AuditFilters(since=args.since or ""))
    # Like the account export: readable by the owner only, whatever the umask.
    fd = os.open(args.csv, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with session_scope() as session:
        details = {"filters": {"since": args.since} if args.since else {}, "format": "csv"}
        audit.record(
            session, actor=audit.Actor(surface="cli"), action="audit.export", target_type="audit_log",
            details=details,
        )  # fmt: skip
    rows = 0
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out, session_scope() as session:
        for chunk in audit.export_csv(session, query):
            out.write(chunk)
            rows += chunk.count("\n")
    print(f"Wrote {max(rows - 1, 0):,} audit events to {args.csv}.")


def cmd_audit_prune(args: argparse.Namespace) -> None:
    from app.services import audit_retention

    print(f"Deleted {audit_retention.prune_once():,} audit events older than the retention.")


def _add_audit_commands(sub: Any) -> None:
    """``audit verify`` / ``audit export`` / ``audit prune`` (issue 18)."""
    audit = sub.add_parser("audit", help="the tamper-evident audit log").add_subparsers(
        dest="audit_command", required=True
    )
    audit.add_parser("verify", help="check the hash chain (exit 1 at the first broken event)").set_defaults(
        func=cmd_audit_verify
    )
    export = audit.add_parser("export", help="write the audit log as CSV (oldest first, with hashes)")
    export.add_argument("--csv", required=True, metavar="FILE", help="the file to write")
    export.add_argument("--since", metavar="DATE", help="only events from this day on (YYYY-MM-DD, UTC)")
    export.set_defaults(func=cmd_audit_export)
    audit.add_parser("prune", help="delete events older than the instance's audit retention").set_defaults(
        func=cmd_audit_prune
    )


def _check_text_args(args: argparse.Namespace) -> None:
    """Every text argument must be valid Unicode (bytes that are not UTF-8 arrive as lone surrogates)."""
    for name, value in vars(args).items():
        require_text(value, "--" + name.replace("_", "-"))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], None] = args.func
    try:
        _check_text_args(args)
        func(args)
    except ServiceError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        hint = " Run `python -m app.cli migrate` first." if "no such table" in str(exc).lower() else ""
        print(
            f"error: the database could not be used ({exc.orig.__class__.__name__}).{hint}", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
