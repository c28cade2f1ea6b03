"""The local, offline assistant: one message in, tool calls out, one reply back.

It is deterministic (no model): :mod:`parse` decides the intent, :mod:`targets` finds the
tasks it refers to, and this module performs it through ``call_tool`` only and words the
reply. Thread memory (what "it" and "task 2" mean, a pending yes/no) travels in ``memory``
(:class:`AgentMemory`). :class:`LocalAgent` is this assistant as an :class:`AgentBackend`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from app.agent.offline import replies, team, titles
from app.agent.offline.dates import clock_offsets, describe_date
from app.agent.offline.intents import Changes, Intent, IntentKind
from app.agent.offline.parse import parse_intent
from app.agent.offline.queries import TaskQuery, listing_words, matches
from app.agent.offline.targets import Targets, apply_words, newest, positions, resolve_targets
from app.agent.offline.text import squash, strip_discourse
from app.agent.offline.typos import fix_keywords
from app.agent.types import AgentReply, AgentTurn, ToolCaller, ToolError
from app.models.agent_memory import AgentMemory, Confirmation, PendingChoice
from app.services.presentation import undone_verb

TaskDict = dict[str, Any]
log = logging.getLogger(__name__)

MAX_CHARS = 500
"""Longer messages are cut: no command needs more, and it keeps every turn within a few ms."""
BULK_MAX = 3
"""A command that would change more tasks than this asks first (and a delete of more than one)."""


@dataclass
class _Turn:
    """One turn's context: tools, memory being built, and a cached task list."""

    call_tool: ToolCaller
    memory: AgentMemory
    today: dt.date
    changes: int = 0
    confirmed: bool = False
    """The person said yes to this change already: a bulk change runs without asking again."""
    scope: str | None = None
    """Only this project's tasks are meant ("complete bread in groceries"), by name."""
    only: set[str] | None = None
    """Only these tasks are meant (those assigned to the person named), by id."""
    forced: list[TaskDict] | None = None
    """The tasks a confirmed team command acts on (those its question listed)."""
    _tasks: list[TaskDict] | None = None
    _projects: list[TaskDict] | None = None
    _with_members: bool = False

    def tasks(self) -> list[TaskDict]:
        """All the person's tasks (in the scope asked for), fetched once per turn (and after a change)."""
        if self._tasks is None:
            try:  # ask for the registry's maximum page so references can reach every task
                result = self.call_tool("list_tasks", {"status": "all", "limit": 200})
            except ToolError:
                result = self.call_tool("list_tasks", {"status": "all"})
            self._tasks = list(result.get("tasks") or [])
        tasks = self._tasks
        if self.scope is not None:
            key = self.scope.casefold()
            tasks = [t for t in tasks if str(t.get("project") or "").casefold() == key]
        if self.only is not None:
            tasks = [t for t in tasks if str(t.get("id")) in self.only]
        return tasks

    def projects(self, *, members: bool = True) -> list[TaskDict]:
        """The person's projects, with their members when asked (none when the tools have no projects)."""
        if self._projects is None or (members and not self._with_members):
            try:
                args = {} if members else {"members": False}
                self._projects = list(self.call_tool("list_projects", args).get("projects") or [])
                self._with_members = members
            except ToolError:
                self._projects = []
        return self._projects

    def people(self) -> team.People:
        """Everyone the person shares a project with, by every name they may use."""
        people = team.People()
        for project in self.projects(members=True):
            for member in project.get("members") or []:
                if member.get("email"):
                    people.add(member.get("name"), str(member["email"]))
        return people

    def change(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """Call a tool that changes tasks; counts it so "undo" can revert the whole turn."""
        result = self.call_tool(name, args)
        self.changes += 1
        self._tasks = None
        if name in {"create_project", "share_project"}:
            self._projects = None
        return result

    def focus(self, tasks: list[TaskDict]) -> None:
        """Remember the tasks just talked about, for "it" / "them" next turn."""
        self.memory.focus = [str(t.get("id")) for t in tasks if t.get("id") is not None]


@dataclass
class _Result:
    text: str
    confirmation: Confirmation | None = None
    listed: list[TaskDict] | None = None
    title: str | None = None
    """What the conversation is about after this turn (see :mod:`titles`); None says nothing."""


class LocalAgent:
    """The local, offline assistant as an :class:`AgentBackend` (it neither streams nor stops)."""

    def answer(self, turn: AgentTurn) -> AgentReply:
        return run_local_agent(
            turn.text, call_tool=turn.call_tool, memory=turn.memory, today=turn.today, now=turn.now
        )

    def early_title(self, text: str, today: dt.date) -> str | None:
        """A conversation title from the message alone (before answering), or None."""
        try:
            return titles.for_intent(parse_intent(text[:MAX_CHARS], today), today)
        except Exception:  # a title is a nicety: a parsing bug must not stop the turn
            log.exception("offline agent could not title a %d-character message", len(text))
            return None


def run_local_agent(
    text: str,
    *,
    call_tool: ToolCaller,
    memory: AgentMemory,
    today: dt.date,
    now: dt.datetime | None = None,
) -> AgentReply:
    """Understand one message, act on it through tools, and reply.

    Args:
        text: the person's message.
        call_tool: runs a registered tool; raises ToolError on refusal.
        memory: what the previous turn of this thread returned (``AgentMemory()`` to start);
            left as it is (the reply carries the next one).
        today: the date relative phrases resolve against.
        now: the person's clock, for times relative to it ("in an hour": :func:`dates.clock_offsets`).

    Returns:
        The reply text, the memory for the next turn, and a Confirmation when it asks before
        deleting several tasks or changing more than :data:`BULK_MAX` (nothing happens until the
        next turn says yes).
    """
    text = clock_offsets(text[:MAX_CHARS], now)
    memory = memory.model_copy(deep=True)
    pending, choice = memory.pending, memory.choice  # a question holds for one turn only
    memory.pending = None
    memory.choice = None
    turn = _Turn(call_tool, memory, today)
    try:
        intent = parse_intent(text, today, expecting_answer=pending is not None)
        if pending is not None and intent.kind in {"yes", "no"}:
            result = _answer(turn, pending, yes=intent.kind == "yes")
        elif choice is not None and _is_choice_answer(intent):
            result = _choose(turn, choice, text)
        else:
            result = _command(turn, text, intent)
    except ToolError as err:
        result = _Result(f"Sorry, that didn't work: {err}")
    except Exception:  # a parsing bug must not lose the turn; the person gets an honest answer
        log.exception("offline agent failed on a %d-character message", len(text))  # never the text itself
        result = _Result("Sorry, something went wrong while handling that. Nothing else was changed.")
    if turn.changes:
        memory.last_changes = turn.changes
    if result.confirmation is not None:
        memory.pending = result.confirmation.model_copy(deep=True)
    return AgentReply(
        text=result.text,
        memory=memory,
        confirmation=result.confirmation,
        # Said, never guessed from the tool calls: finding the task a command names reads every
        # task, and a reply that lists none must not come with a card of all of them.
        listed=result.listed if result.listed is not None else [],
        title=result.title,
    )


def _command(turn: _Turn, text: str, intent: Intent) -> _Result:
    """One message: its parts in order when it joins commands ("add X to work and assign it to sam")."""
    parts = team.split_compound(text)
    if len(parts) == 1:
        return _single(turn, text, intent)
    results: list[_Result] = []
    for part in parts:
        try:
            results.append(_single(turn, part, parse_intent(part, turn.today)))
        except ToolError as err:
            results.append(_Result(f"Sorry, that didn't work: {err}"))
            break
        if results[-1].confirmation is not None:
            break
    last = results[-1]
    return _Result(
        " ".join(r.text for r in results),
        confirmation=last.confirmation,
        listed=last.listed,
        title=next((r.title for r in results if r.title), None),
    )


def _single(turn: _Turn, text: str, intent: Intent) -> _Result:
    """A team command (projects, assignees, comments, activity, sharing), a command narrowed to a
    project or an assignee, or any other command as before."""
    core = strip_discourse(squash(fix_keywords(text)))
    if not core or not team.TEAM_WORDS.search(core):
        return _dispatch(turn, intent)
    names = [
        str(p.get("name"))
        for p in turn.projects(members=bool(team.PEOPLE_WORDS.search(core)))
        if p.get("name")
    ]
    people = turn.people() if team.PEOPLE_WORDS.search(core) else team.People()
    asked = team.parse_team(core, names, people)
    if asked is not None:
        return _team(turn, asked)
    assignee = team.find_assignee_filter(core, people)
    rest = assignee[1] if assignee else core
    scope = team.find_scope(rest, names) if names else None
    if assignee is None and scope is None:
        return _dispatch(turn, intent)
    if scope is not None and scope.creating:
        if (refused := _read_only(turn, scope.project)) is not None:
            return refused
        again = parse_intent(scope.rest, turn.today)
        if again.kind in {"create", "maybe_update"} and again.drafts:
            for draft in again.drafts:
                draft.project = scope.project
            return _create(turn, replace(again, kind="create"))
        return _dispatch(turn, intent)
    if scope is not None:
        # "count the garden tasks" asks how many
        rest = re.sub(r"^count\b", "how many are", scope.rest, flags=re.IGNORECASE)
        turn.scope = scope.project
    who = None
    if assignee is not None:
        who = _narrow_to(turn, assignee[0])
    again = parse_intent(rest, turn.today)
    if scope is not None and again.kind == "create" and again.drafts:  # "for work: prepare slides"
        if (refused := _read_only(turn, scope.project)) is not None:
            return refused
        for draft in again.drafts:
            draft.project = scope.project
        return _create(turn, again)
    if again.kind in {"unknown", "maybe_update", "greet", "thanks"} or (
        again.kind == "list" and again.query is None
    ):
        again = Intent("list", query=TaskQuery(status="pending"), text=rest)
    if again.kind == "list" and again.query is not None:
        again = replace(again, query=replace(again.query, project=turn.scope, assignee=who))
    return _dispatch(turn, again)


def _narrow_to(turn: _Turn, who: str) -> str:
    """Keep only the tasks assigned to ``who`` ("me", a name, an email, "nobody"); how to say it."""
    if who == "nobody":
        result = turn.call_tool("list_tasks", {"status": "all", "limit": 200, "unassigned": True})
        said = "nobody"
    else:
        result = turn.call_tool("list_tasks", {"status": "all", "limit": 200, "assignee": who})
        tasks = result.get("tasks") or []
        said = (
            "you"
            if who.casefold() in {"me", "myself"}
            else str((tasks[0].get("assignee_name") if tasks else None) or who)
        )
    turn.only = {str(t.get("id")) for t in result.get("tasks") or []}
    return said


# --- team commands --------------------------------------------------------------------------------
def _team(turn: _Turn, asked: team.TeamIntent) -> _Result:
    handlers: dict[str, Callable[[_Turn, team.TeamIntent], _Result]] = {
        "create_project": _create_project,
        "list_projects": _list_projects,
        "move": _move,
        "assign": _assign,
        "unassign": _assign,
        "comment": _comment,
        "activity": _activity,
        "share": _share,
        "who": _whose,
    }
    return handlers[asked.kind](turn, asked)


def _whose(turn: _Turn, asked: team.TeamIntent) -> _Result:
    """ "who is the report assigned to?": the task's assignee (and project), or nobody."""
    tasks, problem = _refs(turn, asked, "look up")
    if problem:
        return problem
    turn.focus(tasks)
    lines = []
    for task in tasks:
        who = task.get("assignee_name") or task.get("assignee")
        where = f" (in {replies.md_escape(str(task['project']))})" if task.get("project") else ""
        if who:
            lines.append(
                f"{replies.quote(task.get('title'))}{where} is assigned to {replies.md_escape(str(who))}."
            )
        else:
            lines.append(f"{replies.quote(task.get('title'))}{where} is not assigned to anyone.")
    return _Result(" ".join(lines), title=titles.for_tasks(tasks))


def _create_project(turn: _Turn, asked: team.TeamIntent) -> _Result:
    result = turn.change("create_project", {"name": asked.project})
    name = str(result.get("name") or asked.project)
    return _Result(
        f'Created the project {replies.quote(name)}. Add tasks to it with "add buy milk to {name}".',
        title=name,
    )


def _list_projects(turn: _Turn, asked: team.TeamIntent) -> _Result:
    lines = []
    for i, project in enumerate(turn.projects(), start=1):
        others = [
            m
            for m in project.get("members") or []
            if m.get("role") != "owner" or len(project.get("members") or []) > 1
        ]
        shared = len(project.get("members") or []) > 1
        detail = f"{project.get('open_tasks', 0)} open"
        if shared:
            detail += f", {len(others)} members"
        if project.get("role") != "owner":
            detail += f", you are {project.get('role')}"
        lines.append(f"{i}. {replies.md_escape(str(project.get('name')))} ({detail})")
    head = f"You have {len(lines)} project{'s' if len(lines) != 1 else ''}:"
    return _Result("\n".join([head, *lines]), title="My projects")


def _refs(turn: _Turn, asked: team.TeamIntent, what: str) -> tuple[list[TaskDict], _Result | None]:
    intent = Intent("update", ref=asked.ref, text=asked.text)
    found = _targets(turn, intent, turn.forced, prefer_completed=False)
    return found.tasks, _problem(turn, intent, found, what)


def _ask_team(
    turn: _Turn, asked: team.TeamIntent, tasks: list[TaskDict], change: dict[str, Any], question: str
) -> _Result | None:
    """Ask before moving or (un)assigning more than :data:`BULK_MAX` tasks, like any bulk change; the
    card's button runs ``update_task`` with ``change`` on each listed task, a "yes" this command."""
    intent = Intent("update", ref=asked.ref, text=asked.text)
    planned = [(t, "update_task", {"task_id": t.get("id"), **change}) for t in tasks]
    return _ask_first(turn, intent, "move" if "project_id" in change else "update", planned, question)


_PUT = re.compile(r"^(?:put|place|drop|stick|pop|throw|send)\b", re.IGNORECASE)


def _read_only(turn: _Turn, name: str) -> _Result | None:
    """The answer when the person may only read ``name`` (a viewer): nothing is added or moved there."""
    project = next(
        (p for p in turn.projects(members=False) if str(p.get("name")).casefold() == name.casefold()), None
    )
    if project is not None and project.get("role") == "viewer":
        return _Result(
            f"You can view {replies.quote(project.get('name'))} but not change it; "
            "ask its owner to make you an editor. Nothing was changed."
        )
    return None


def _move(turn: _Turn, asked: team.TeamIntent) -> _Result:
    if (refused := _read_only(turn, asked.project)) is not None:
        return refused
    intent = Intent("update", ref=asked.ref, text=asked.text)
    found = _targets(turn, intent, None, prefer_completed=False)
    if not found.tasks and found.problem in {None, "none"} and _PUT.match(asked.text):
        # "put bananas on the groceries list" with no such task yet: it is new, and goes there
        again = parse_intent(f"add {asked.ref}", turn.today)
        if again.kind in {"create", "maybe_update"} and again.drafts:
            for draft in again.drafts:
                draft.project = asked.project
            return _create(turn, replace(again, kind="create"))
    if turn.forced is not None:
        found = Targets(turn.forced)
    problem = _problem(turn, intent, found, "move")
    if problem:
        return problem
    tasks = found.tasks
    question = f"Move {len(tasks)} tasks to {asked.project}?"
    ask = _ask_team(turn, asked, tasks, {"project_id": asked.project}, question)
    if ask:
        return ask
    moved = []
    for task in tasks:
        result = turn.change("move_task", {"task_id": task.get("id"), "project": asked.project})
        moved.append(
            {**task, **(result.get("task") or {}), "title": result.get("title") or task.get("title")}
        )
    turn.focus(moved)
    where = str((moved[0].get("project") if moved else None) or asked.project)
    return _Result(
        f"Moved {replies.who(moved)} to {replies.md_escape(where)}.", title=titles.for_tasks(moved)
    )


def _assign(turn: _Turn, asked: team.TeamIntent) -> _Result:
    verb = "assign" if asked.kind == "assign" else "unassign"
    tasks, problem = _refs(turn, asked, verb)
    if problem:
        return problem
    if verb == "assign":
        ask = _ask_team(
            turn, asked, tasks, {"assignee_id": asked.who}, f"Assign {len(tasks)} tasks to {asked.who}?"
        )
    else:
        ask = _ask_team(turn, asked, tasks, {"assignee_id": None}, f"Unassign {len(tasks)} tasks?")
    if ask:
        return ask
    done = []
    for task in tasks:
        if verb == "assign":
            try:
                result = turn.change("assign_task", {"task_id": task.get("id"), "assignee": asked.who})
            except ToolError as err:  # not a member, or a name several people answer to: say so
                if done:
                    raise
                turn.focus([task])
                return _Result(_capitalized(str(err)), title=titles.for_tasks([task]))
        else:
            result = turn.change("unassign_task", {"task_id": task.get("id")})
        done.append({**task, **(result.get("task") or {}), "title": result.get("title") or task.get("title")})
    turn.focus(done)
    if verb == "unassign":
        return _Result(f"{replies.who(done)} {'is' if len(done) == 1 else 'are'} now assigned to nobody.",
                       title=titles.for_tasks(done))  # fmt: skip
    name = str(done[0].get("assignee_name") or asked.who) if done else asked.who
    if asked.who.casefold() in {"me", "myself"}:
        name = "you"
    return _Result(
        f"Assigned {replies.who(done)} to {replies.md_escape(name)}.", title=titles.for_tasks(done)
    )


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _comment(turn: _Turn, asked: team.TeamIntent) -> _Result:
    tasks, problem = _refs(turn, asked, "comment on")
    if problem:
        return problem
    if len(tasks) > 1:
        return _Result(replies.ask_which(tasks, turn.today))
    result = turn.change("add_comment", {"task_id": tasks[0].get("id"), "body": asked.body})
    turn.focus(tasks)
    return _Result(
        f"Commented on {replies.quote(result.get('title') or tasks[0].get('title'))}: "
        f"{replies.md_escape(asked.body)}",
        title=titles.for_tasks(tasks),
    )


_PERIODS = {"today": "today", "yesterday": "since yesterday", "week": "in the last 7 days", "all": "lately"}


def _activity(turn: _Turn, asked: team.TeamIntent) -> _Result:
    args: dict[str, Any] = {"since": asked.since, "limit": 20}
    if asked.who:
        args["person"] = asked.who
    if asked.project:
        args["project"] = asked.project
    result = turn.call_tool("project_activity", args)
    entries = result.get("entries") or []
    subject = str(result.get("person") or asked.who or result.get("project") or asked.project)
    when = _PERIODS.get(asked.since, "lately")
    if not entries:
        if asked.who:
            return _Result(
                f"{replies.md_escape(subject)} hasn't changed anything in your shared projects {when}."
            )
        return _Result(f"Nothing happened in {replies.md_escape(subject)} {when}.")
    lines = []
    for entry in entries:
        where = f" ({entry['project']})" if entry.get("project") and not asked.project else ""
        lines.append(f"- {replies.md_escape(str(entry.get('text')))}{replies.md_escape(where)}")
    head = (
        f"What {replies.md_escape(subject)} did {when}:"
        if asked.who
        else f"Activity in {replies.md_escape(subject)} {when}:"
    )
    return _Result("\n".join([head, *lines]), title=f"{subject} activity")


def _share(turn: _Turn, asked: team.TeamIntent) -> _Result:
    """Sharing always asks first: a confirmation card, applied on its button or a "yes"."""
    project = next(
        (p for p in turn.projects() if str(p.get("name") or "").casefold() == asked.project.casefold()), None
    )
    if project is None:
        return _Result(f"You have no project called {replies.quote(asked.project)}.")
    name = str(project.get("name"))
    if project.get("inbox"):
        return _Result("Your Inbox is personal and can't be shared; create a project to share tasks.")
    if project.get("role") != "owner":
        return _Result(f"Only the owner of {replies.quote(name)} can share it.")
    email = turn.people().email_of(asked.who)
    if email is None:
        return _Result(
            f'What is {replies.md_escape(asked.who)}\'s email? Say "share {name} with name@example.com".'
        )
    call = {"tool": "share_project", "args": {"project": str(project.get("id") or name), "email": email,
                                             "role": asked.role}}  # fmt: skip
    what = f"{name} with {email} as {asked.role}"
    confirmation = Confirmation(action="share", task_ids=[], titles=[what], text=asked.text, calls=[call])
    rights = "see and change its tasks" if asked.role == "editor" else "see its tasks and comment"
    question = f"Share {replies.quote(name)} with {email} as {asked.role}? They will {rights}. Say yes or no."
    return _Result(question, confirmation, title=f"Share {name}")


def _answer_share(turn: _Turn, pending: Confirmation, *, yes: bool) -> _Result:
    if not yes:
        return _Result("Okay, I didn't share it. Nothing changed.")
    texts = []
    for call in pending.calls:
        result = turn.change(str(call.get("tool")), dict(call.get("args") or {}))
        name, email, role = result.get("name"), result.get("email"), result.get("role")
        if result.get("status") == "invited":
            texts.append(
                f"Invited {email} to {replies.quote(name)} as {role}: "
                "they join when they sign up with that email."
            )
        else:
            texts.append(f"Shared {replies.quote(name)} with {email} as {role}.")
    return _Result(" ".join(texts) or "Nothing to share.")


def _dispatch(turn: _Turn, intent: Intent, forced: list[TaskDict] | None = None) -> _Result:
    handlers: dict[IntentKind, Callable[[_Turn, Intent, list[TaskDict] | None], _Result]] = {
        "create": _create,
        "list": _list,
        "complete": _complete,
        "reopen": _reopen,
        "delete": _delete,
        "update": _update,
        "maybe_update": _maybe_update,
        "undo": _undo,
        "subtasks": _subtasks,
        "breakdown": _breakdown,
    }
    if intent.kind in handlers:
        return handlers[intent.kind](turn, intent, forced)
    if intent.kind == "need_ref":
        verb = intent.ref or "change"
        return _Result(f'Which task should I {verb}? For example: "{verb} buy milk", or "{verb} task 2".')
    fixed: dict[IntentKind, str] = {
        "greet": replies.GREETING,
        "thanks": replies.THANKS,
        "help": replies.HELP,
        "yes": replies.NOTHING_PENDING,
        "no": replies.NOTHING_PENDING,
    }
    return _Result(fixed.get(intent.kind) or replies.unknown(intent.text))


# --- confirmation and disambiguation -----------------------------------------------------------
def _answer(turn: _Turn, pending: Confirmation, *, yes: bool) -> _Result:
    if pending.action == "share":
        return _answer_share(turn, pending, yes=yes)
    if pending.action == "subtasks":  # a model's proposal, answered after a switch to this agent
        return _answer_proposal(turn, pending, yes=yes)
    if pending.action != "delete":
        return _answer_change(turn, pending, yes=yes)
    titles = pending.titles
    if not yes:
        return _Result(f"Okay, I kept them. Nothing was deleted ({len(titles)} tasks kept).")
    deleted: list[str] = []
    failed: list[str] = []
    for task_id in pending.task_ids:
        try:
            deleted.append(str(turn.change("delete_task", {"task_id": task_id}).get("title") or ""))
        except ToolError as err:
            failed.append(str(err))
    turn.memory.focus = []
    text = f"Deleted {len(deleted)} task{'s' if len(deleted) != 1 else ''}: " + replies.join_titles(
        [{"title": t} for t in deleted], limit=5
    )
    text += '. Say "undo" to bring them back.' if deleted else "."
    if failed:
        text += " Some could not be deleted: " + "; ".join(failed)
    return _Result(text)


def _answer_proposal(turn: _Turn, pending: Confirmation, *, yes: bool) -> _Result:
    if not yes:
        return _Result("Okay, I didn't add them. Nothing changed.")
    done = [turn.change(str(c.get("tool")), dict(c.get("args") or {})) for c in pending.calls]
    added = [str(t) for r in done for t in r.get("titles") or []]
    parent = done[0].get("title") if done else ""
    many = len(added) != 1
    return _Result(
        f"Added {len(added)} subtask{'s' if many else ''} to {replies.quote(parent)}: {', '.join(added)}."
    )


def _answer_change(turn: _Turn, pending: Confirmation, *, yes: bool) -> _Result:
    """A bulk change asked about: on yes, the command runs again on exactly the tasks it listed."""
    if not yes:
        return _Result("Okay, nothing changed.")
    ids = list(pending.task_ids)
    tasks = [t for t in turn.tasks() if str(t.get("id")) in ids]
    tasks.sort(key=lambda t: ids.index(str(t.get("id"))))
    if not tasks or not pending.text:
        return _Result("Those tasks are gone now, so nothing changed.")
    turn.confirmed = True
    if team.TEAM_WORDS.search(pending.text):  # a team command asked about ("move all of them to work")
        names = [str(p.get("name")) for p in turn.projects() if p.get("name")]
        asked = team.parse_team(pending.text, names, turn.people())
        if asked is not None and asked.kind in {"move", "assign", "unassign"}:
            turn.forced = tasks
            return _team(turn, asked)
    return _dispatch(turn, parse_intent(pending.text, turn.today), tasks)


def _ask_first(
    turn: _Turn,
    intent: Intent,
    action: str,
    planned: list[tuple[TaskDict, str, dict[str, Any]]],
    question: str,
) -> _Result | None:
    """Ask before changing more than :data:`BULK_MAX` tasks; None when the change may run now.

    ``planned`` holds each task that would change with its tool call; only those are listed.
    """
    if turn.confirmed or len(planned) <= BULK_MAX:
        return None
    tasks = [t for t, _, _ in planned]
    turn.focus(tasks)
    confirmation = Confirmation(
        action=action,
        task_ids=[str(t.get("id")) for t in tasks],
        titles=[str(t.get("title")) for t in tasks],
        text=intent.text,
        calls=[{"tool": tool, "args": args} for _, tool, args in planned],
    )
    return _Result(replies.confirm_change(question), confirmation, title=_title(turn, intent, tasks))


def _is_choice_answer(intent: Intent) -> bool:
    return intent.kind in {"unknown", "maybe_update"} or bool(positions(intent.text))


def _choose(turn: _Turn, choice: PendingChoice, text: str) -> _Result:
    """Apply the command that was ambiguous to the task the person now picked."""
    ids = choice.ids
    candidates = [t for t in turn.tasks() if str(t.get("id")) in ids]
    candidates.sort(key=lambda t: ids.index(str(t.get("id"))))
    picked = resolve_targets(text, None, candidates, AgentMemory(last_list=ids), turn.today)
    if not picked.tasks or len(picked.tasks) != 1:
        return _dispatch(turn, parse_intent(text, turn.today))
    original = parse_intent(choice.text, turn.today)
    return _dispatch(turn, original, picked.tasks)


def _targets(
    turn: _Turn, intent: Intent, forced: list[TaskDict] | None, *, prefer_completed: bool | None
) -> Targets:
    if forced is not None:
        return Targets(forced)
    return resolve_targets(
        intent.ref, intent.query, turn.tasks(), turn.memory, turn.today, prefer_completed=prefer_completed
    )


def _problem(turn: _Turn, intent: Intent, found: Targets, what: str) -> _Result | None:
    """The reply when targets could not be settled (none, several, stale), else None."""
    if found.problem == "ambiguous":
        turn.memory.choice = PendingChoice(text=intent.text, ids=[str(t.get("id")) for t in found.candidates])
        turn.memory.last_list = [str(t.get("id")) for t in found.candidates]
        turn.focus(found.candidates)
        return _Result(replies.ask_which(found.candidates, turn.today), listed=found.candidates)
    if found.problem == "empty":
        return _Result(f"Which task do you mean? I'm not sure what to {what}.")
    if found.problem == "stale":
        return _Result(
            'That number isn\'t in the last list I showed. Say "show my tasks" to see the numbers.'
        )
    if found.problem == "none":
        return _Result(replies.not_found(intent.ref.strip() or intent.text))
    if not found.tasks:
        if found.bulk:
            return _Result(f"There are no matching tasks to {what}.")
        return _Result(replies.not_found(intent.ref.strip() or intent.text))
    return None


# --- intents -----------------------------------------------------------------------------------
_STILL = re.compile(r"\bstill\s+(?:need|have|got|gotta|want|must|should)\b", re.IGNORECASE)
"""'I still need to call mom': said of a task marked done, it is not done after all."""


def _still_there(turn: _Turn, intent: Intent) -> TaskDict | None:
    """The task a "still need to X" (one plain title, nothing else asked) means, if the person has
    one called X: an open one (nothing to add), else a done one (to reopen)."""
    if len(intent.drafts) != 1 or not _STILL.search(intent.text):
        return None
    draft = intent.drafts[0]
    if draft.due or draft.priority or draft.tags or draft.recurrence or draft.at or draft.project:
        return None
    key = draft.title.casefold()
    twins = [t for t in turn.tasks() if str(t.get("title") or "").casefold() == key]
    open_first = sorted(twins, key=lambda t: bool(t.get("completed")))
    return open_first[0] if open_first else None


def _create(turn: _Turn, intent: Intent, forced: list[TaskDict] | None = None) -> _Result:
    if not intent.drafts:
        return _Result(replies.NO_TITLE)
    there = _still_there(turn, intent)
    if there is not None:  # reopen it (or say it is open) rather than add it twice
        return _reopen(turn, Intent("reopen", ref=intent.drafts[0].title, text=intent.text), [there])
    created: list[TaskDict] = []
    errors: list[str] = []
    for draft in intent.drafts:
        args: dict[str, Any] = {"title": draft.title}
        if draft.priority:
            args["priority"] = draft.priority
        if draft.tags:
            args["tags"] = draft.tags
        due = draft.due
        if (draft.at or draft.remind) and due is None:
            due = turn.today  # "remind me at 5pm to ...", "every day at 8am": from today
        if due:
            args["due_date"] = due.isoformat()
        if draft.at:
            args["due_time"] = draft.at
        if draft.before is not None:
            args["reminders"] = [{"before": draft.before}]
        elif draft.remind:
            args["reminders"] = [{"before": 0}]  # at the due time (09:00 on a day without one)
        if draft.recurrence:
            args["recurrence"] = draft.recurrence
        if draft.project:
            args["project_id"] = draft.project
        try:
            result = turn.change("add_task", args)
        except ToolError as err:
            errors.append(f"{replies.quote(draft.title)}: {err}")
            continue
        task = dict(result.get("task") or {})
        task.setdefault("id", result.get("task_id"))
        task.setdefault("title", result.get("title") or draft.title)
        for key, value in args.items():
            task.setdefault(key, value)
        created.append(task)
    turn.focus(created)
    projects = {str(d.project) for d in intent.drafts if d.project}
    where = f" to {replies.md_escape(projects.pop())}" if len(projects) == 1 else ""
    if len(created) == 1:
        text = (
            f"Added {replies.quote(created[0].get('title'))}{where}{replies.details(created[0], turn.today)}."
        )
    elif created:
        text = f"Added {len(created)} tasks{where}: {replies.join_titles(created, limit=5)}."
    else:
        text = "I couldn't add that."
    approximated = {
        d.recurrence_said: d.recurrence for d in intent.drafts if d.recurrence_said and d.recurrence
    }
    for said, rule in approximated.items():
        text += " " + replies.approximate_repeat(said, rule)
    if errors:
        text += " Problems: " + "; ".join(errors)
    return _Result(text, title=titles.for_tasks(created))


def _list(turn: _Turn, intent: Intent, forced: list[TaskDict] | None = None) -> _Result:
    tasks = turn.tasks()
    if intent.query is None and intent.ref:  # "what did I just add?": what was just spoken of
        spoken = _targets(turn, intent, forced, prefer_completed=None).tasks
        latest = newest(tasks)
        spoken = spoken or ([latest] if latest is not None else [])
        if not spoken:
            return _Result("You have no tasks yet.")
        turn.focus(spoken)
        said = replies.details(spoken[0], turn.today) if len(spoken) == 1 else ""
        return _Result(f"That was {replies.who(spoken)}{said}.", listed=spoken)
    if intent.query is None:
        return _Result(replies.unknown(intent.text))
    # Words left over after the filters name a tag, else they are searched for, never dropped.
    query = apply_words(listing_words(intent.query), tasks, search=True)
    guessed = query.search is not None and intent.query.search is None
    if not query.explicit_status:  # open tasks unless completed ones were asked for
        query = replace(query, status="pending")
    shown = [t for t in tasks if matches(t, query, turn.today)]
    lead = ""
    if guessed and not shown and _TASK_WORDS.search(intent.text):
        # "list all tasks in some odd way": words it could not use are said, not silently dropped
        lead = f"I couldn't use {replies.quote(query.search)}, so here is the whole list. "
        query = replace(query, search=None)
        shown = [t for t in tasks if matches(t, query, turn.today)]
    hidden = 0
    if not query.explicit_status and query.due not in {"overdue", "day"}:  # a completed task is never overdue
        done = replace(query, status="completed")
        hidden = sum(1 for t in tasks if t.get("completed") and matches(t, done, turn.today))
    _sort(shown, query)
    turn.memory.last_list = [str(t.get("id")) for t in shown]
    turn.focus(shown)
    text = lead + replies.listing(shown, query, turn.today, hidden_completed=hidden)
    if guessed and not lead and not shown and not hidden:  # "tell me a joke": no task is about that
        text += " " + replies.CAN_DO
    return _Result(text, listed=shown, title=titles.for_query(query, turn.today))


_TASK_WORDS = re.compile(r"\b(?:tasks?|todos?|to-dos?|items?|list)\b", re.IGNORECASE)
_PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def _sort(shown: list[TaskDict], query: TaskQuery) -> None:
    """Order a listing: as asked ("by priority"), else by the date the question is about."""
    if query.sort == "priority":
        shown.sort(key=lambda t: _PRIORITY_ORDER.get(str(t.get("priority") or "medium"), 1))
    elif query.sort == "title":
        shown.sort(key=lambda t: str(t.get("title") or "").lower())
    elif query.completed_from is not None:
        shown.sort(key=lambda t: str(t.get("completed_at") or ""))
    elif query.sort == "due" or query.due or query.due_on:  # by day, then by time (a day's untimed last)
        shown.sort(key=lambda t: (str(t.get("due_date") or "9999"), str(t.get("due_time") or "99")))


def _complete(turn: _Turn, intent: Intent, forced: list[TaskDict] | None = None) -> _Result:
    found = _targets(turn, intent, forced, prefer_completed=False)
    problem = _problem(turn, intent, found, "complete")
    if problem:
        return problem
    todo = [(t, "complete_task", {"task_id": t.get("id")}) for t in found.tasks if not t.get("completed")]
    asked = _ask_first(turn, intent, "complete", todo, f"Mark {len(todo)} tasks as done?")
    if asked:
        return asked
    done, already = [], []
    for task in found.tasks:
        if task.get("completed"):
            already.append(task)
            continue
        result = turn.change("complete_task", {"task_id": task.get("id")})
        done.append({**task, "title": result.get("title") or task.get("title")})
    turn.focus(done or already)
    parts = []
    if done:
        parts.append(f"Marked {replies.who(done)} as done.")
    if already:
        parts.append(f"{replies.who(already)} {'was' if len(already) == 1 else 'were'} already done.")
    return _Result(" ".join(parts), title=_title(turn, intent, found.tasks))


def _reopen(turn: _Turn, intent: Intent, forced: list[TaskDict] | None = None) -> _Result:
    found = _targets(turn, intent, forced, prefer_completed=True)
    problem = _problem(turn, intent, found, "reopen")
    if problem:
        return problem
    todo = [(t, "reopen_task", {"task_id": t.get("id")}) for t in found.tasks if t.get("completed")]
    asked = _ask_first(turn, intent, "reopen", todo, f"Reopen {len(todo)} tasks?")
    if asked:
        return asked
    opened, already = [], []
    for task in found.tasks:
        if not task.get("completed"):
            already.append(task)
            continue
        result = turn.change("reopen_task", {"task_id": task.get("id")})
        opened.append({**task, "title": result.get("title") or task.get("title")})
    turn.focus(opened or already)
    parts = []
    if opened:
        pronoun = "it is" if len(opened) == 1 else "they are"
        parts.append(f"Reopened {replies.who(opened)}; {pronoun} open again.")
    if already:
        parts.append(f"{replies.who(already)} {'is' if len(already) == 1 else 'are'} already open.")
    return _Result(" ".join(parts), title=_title(turn, intent, found.tasks))


def _delete(turn: _Turn, intent: Intent, forced: list[TaskDict] | None = None) -> _Result:
    found = _targets(turn, intent, forced, prefer_completed=None)
    problem = _problem(turn, intent, found, "delete")
    if problem:
        return problem
    tasks = found.tasks
    if len(tasks) > 1:
        turn.focus(tasks)
        confirmation = Confirmation(
            action="delete",
            task_ids=[str(t.get("id")) for t in tasks],
            titles=[str(t.get("title")) for t in tasks],
        )
        return _Result(
            replies.confirm_delete(tasks, turn.today), confirmation, title=_title(turn, intent, tasks)
        )
    result = turn.change("delete_task", {"task_id": tasks[0].get("id")})
    turn.memory.focus = []
    title = replies.quote(result.get("title") or tasks[0].get("title"))
    return _Result(f'Deleted {title}. Say "undo" to bring it back.', title=_title(turn, intent, tasks))


def _update(turn: _Turn, intent: Intent, forced: list[TaskDict] | None = None) -> _Result:
    changes = intent.changes or Changes()
    found = _targets(turn, intent, forced, prefer_completed=None)
    if forced is None and intent.query is not None:
        found.tasks = _editable_selection(found.tasks, intent.query, changes)
    problem = _problem(turn, intent, found, "change")
    if problem:
        return problem
    plans = [(task, *_update_args(task, changes, turn.today, turn.tasks())) for task in found.tasks]
    planned = [(task, "update_task", args) for task, args, _ in plans if len(args) > 1]
    moves = all(set(args) == {"task_id", "due_date"} and args["due_date"] for _, _, args in planned)
    one_day = len({str(args.get("due_date")) for _, _, args in planned}) == 1
    if moves and one_day and planned and intent.query is not None and intent.query.due == "overdue":
        return _reschedule(turn, intent, planned)
    question = _bulk_question([p for p in plans if len(p[1]) > 1], changes, turn.today)
    asked = _ask_first(turn, intent, "move" if moves else "update", planned, question)
    if asked:
        return asked
    changed: list[tuple[TaskDict, list[str]]] = []
    same: list[TaskDict] = []
    for task, args, said in plans:
        if len(args) == 1:
            same.append(task)
            continue
        result = turn.change("update_task", args)
        title = result.get("title") or args.get("title") or task.get("title")
        changed.append(({**task, **args, "title": title}, said))
    turn.focus([t for t, _ in changed] or found.tasks)
    parts = [_update_summary(changed, changes, turn.today)] if changed else []
    if same:
        if changed:
            parts.append(f"{replies.who(same)} already looked like that.")
        else:
            verb = "already looks" if len(same) == 1 else "already look"
            parts.append(f"{replies.who(same)} {verb} like that; nothing to change.")
    return _Result(" ".join(parts), title=_title(turn, intent, [t for t, _ in changed] or found.tasks))


def _editable_selection(tasks: list[TaskDict], query: TaskQuery, changes: Changes) -> list[TaskDict]:
    """The tasks a selection ("all my tasks", "everything") changes: the open ones, as a listing
    shows, unless it named a status ("completed tasks"); and for "push everything back a day" only
    those with a date to move (an undated task would get one it never had)."""
    if not query.explicit_status:
        tasks = [t for t in tasks if not t.get("completed")]
    if changes.shift_days:
        tasks = [t for t in tasks if t.get("due_date")]
    return tasks


def _reschedule(turn: _Turn, intent: Intent, planned: list[tuple[TaskDict, str, dict[str, Any]]]) -> _Result:
    """ "reschedule my overdue tasks to tomorrow": asks first (the card lists them), then moves them all
    as one change (one undo) through ``reschedule_overdue``."""
    tasks = [t for t, _, _ in planned]
    due = dt.date.fromisoformat(str(planned[0][2]["due_date"])[:10])
    when = describe_date(due, turn.today)
    if not turn.confirmed:
        turn.focus(tasks)
        confirmation = Confirmation(
            action="move",
            task_ids=[str(t.get("id")) for t in tasks],
            titles=[str(t.get("title")) for t in tasks],
            text=intent.text,
            calls=[{"tool": tool, "args": args} for _, tool, args in planned],
        )
        count = f"{len(tasks)} overdue task{'s' if len(tasks) != 1 else ''}"
        question = f"Move {count} to {when}?"
        return _Result(replies.confirm_change(question), confirmation, title="Overdue tasks")
    result = turn.change(
        "reschedule_overdue", {"due_date": due.isoformat(), "task_ids": [str(t.get("id")) for t in tasks]}
    )
    titles = [{"title": t} for t in result.get("titles") or []]
    turn.focus(tasks)
    them = "it" if len(titles) == 1 else "them"
    return _Result(
        f'Moved {replies.who(titles)} to {when}. Say "undo" to put {them} back.', title="Overdue tasks"
    )


def _subtasks(turn: _Turn, intent: Intent, forced: list[TaskDict] | None = None) -> _Result:
    """ "add subtasks to plan the party: invite friends, order cake": one change under that task."""
    target = Intent("update", ref=intent.ref, text=intent.text)
    found = _targets(turn, target, forced, prefer_completed=False)
    if intent.otherwise is not None and forced is None and not _named_exactly(intent.ref, found.tasks):
        return _dispatch(turn, intent.otherwise)  # "add check under the sink": no task is "the sink"
    problem = _problem(turn, intent, found, "add subtasks to")
    if problem:
        return problem
    if len(found.tasks) > 1:
        return _Result(replies.ask_which(found.tasks, turn.today))
    parent = found.tasks[0]
    plain = all(
        not (d.priority or d.tags or d.due or d.recurrence or d.at or d.before is not None)
        for d in intent.drafts
    )
    if plain:
        result = turn.change(
            "add_subtasks", {"parent_id": str(parent.get("id")), "titles": [d.title for d in intent.drafts]}
        )
        created = list(result.get("tasks") or [{"title": t} for t in result.get("titles") or []])
    else:
        created = []
        for draft in intent.drafts:
            args: dict[str, Any] = {"title": draft.title, "parent_id": str(parent.get("id"))}
            if draft.priority:
                args["priority"] = draft.priority
            if draft.tags:
                args["tags"] = draft.tags
            if draft.due or draft.at:
                args["due_date"] = (draft.due or turn.today).isoformat()
            if draft.at:
                args["due_time"] = draft.at
            if draft.recurrence:
                args["recurrence"] = draft.recurrence
            result = turn.change("add_task", args)
            created.append(dict(result.get("task") or {"title": result.get("title") or draft.title}))
    turn.focus(created)
    many = len(created) != 1
    return _Result(
        f"Added {len(created)} subtask{'s' if many else ''} to {replies.quote(parent.get('title'))}: "
        f"{replies.join_titles(created, limit=5)}.",
        title=titles.for_tasks([parent]),
    )


def _named_exactly(ref: str, tasks: list[TaskDict]) -> bool:
    """Whether ``ref`` is the title of the one task found (case and a leading "the" aside)."""

    def plain(text: object) -> str:
        return re.sub(r"^(?:the|my)\s+", "", str(text or "").strip().casefold())

    return len(tasks) == 1 and plain(tasks[0].get("title")) == plain(ref)


def _breakdown(turn: _Turn, intent: Intent, forced: list[TaskDict] | None = None) -> _Result:
    """ "break down plan the party": proposing subtasks takes a language model; say so, show the form."""
    found = _targets(turn, Intent("update", ref=intent.ref, text=intent.text), forced, prefer_completed=False)
    name = str(found.tasks[0].get("title")) if len(found.tasks) == 1 else intent.ref
    return _Result(
        "Suggesting subtasks needs a language model (the OpenAI backend), and I'm the local assistant. "
        f"Tell me the steps and I'll add them: "
        f'"add subtasks to {replies.md_escape(name)}: first step, second step".',
        title=titles.for_tasks(found.tasks[:1]) if len(found.tasks) == 1 else None,
    )


def _title(turn: _Turn, intent: Intent, tasks: list[TaskDict]) -> str | None:
    """The conversation title for a turn that acted on ``tasks``: a selection's name, else theirs."""
    if intent.query is not None and len(tasks) > 1:
        return titles.for_query(intent.query, turn.today)
    return titles.for_tasks(tasks)


def _update_summary(changed: list[tuple[TaskDict, list[str]]], changes: Changes, today: dt.date) -> str:
    """One sentence for what an update did: each change for one task, a summary for several."""
    tasks = [t for t, _ in changed]
    if len(changed) == 1:
        return f"Updated {replies.quote(tasks[0].get('title'))}: {', '.join(changed[0][1])}."
    said = {tuple(s) for _, s in changed}
    dues = {str(t.get("due_date") or "") for t in tasks}
    only_due = all(len(s) == 1 and s[0].startswith("now due") for _, s in changed)
    if only_due and len(dues) == 1 and tasks[0].get("due_date"):
        day = dt.date.fromisoformat(str(tasks[0]["due_date"])[:10])
        return f"Moved {replies.who(tasks)} to {describe_date(day, today)}."
    if only_due and changes.shift_days:
        amount = abs(changes.shift_days)
        direction = "later" if changes.shift_days > 0 else "earlier"
        return f"Moved {replies.who(tasks)} {amount} day{'s' if amount != 1 else ''} {direction}."
    if len(said) == 1:
        return f"Updated {replies.who(tasks)}: {', '.join(next(iter(said)))}."
    return f"Updated {replies.who(tasks)}."


def _bulk_question(
    planned: list[tuple[TaskDict, dict[str, Any], list[str]]], changes: Changes, today: dt.date
) -> str:
    """The question before an update of many tasks: "Move 9 tasks to tomorrow?"."""
    count = f"{len(planned)} tasks"
    only_due = all(set(args) == {"task_id", "due_date"} and args["due_date"] for _, args, _ in planned)
    dues = {str(args.get("due_date")) for _, args, _ in planned}
    if only_due and len(dues) == 1:
        return f"Move {count} to {describe_date(dt.date.fromisoformat(dues.pop()[:10]), today)}?"
    if only_due and changes.shift_days:
        amount = abs(changes.shift_days)
        direction = "later" if changes.shift_days > 0 else "earlier"
        return f"Move {count} {amount} day{'s' if amount != 1 else ''} {direction}?"
    said = {tuple(words) for _, _, words in planned}
    return f"Change {count} ({', '.join(said.pop())})?" if len(said) == 1 else f"Change {count}?"


def _update_args(
    task: TaskDict, changes: Changes, today: dt.date, tasks: list[TaskDict] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Tool arguments for ``update_task`` and words describing the change."""
    args: dict[str, Any] = {"task_id": task.get("id")}
    said: list[str] = []
    if changes.title and changes.title != task.get("title"):
        args["title"] = changes.title
        said.append(f"renamed from {replies.quote(task.get('title'))}")
    if changes.description is not None:
        args["description"] = changes.description
        said.append("description set")
    if changes.priority and changes.priority != task.get("priority"):
        args["priority"] = changes.priority
        said.append(f"now {changes.priority} priority")
    due, at = changes.due, changes.at
    if changes.shift_days:
        current = task.get("due_date")
        base = dt.date.fromisoformat(str(current)[:10]) if current else today
        due = base + dt.timedelta(days=changes.shift_days)
    if changes.shift_minutes:
        due, at = _shifted_time(task, changes.shift_minutes, due or _day(task, today))
    if changes.bare_clock:
        at = _nearest_clock(changes.bare_clock, task.get("due_time"))
    if due is not None and due.isoformat() != str(task.get("due_date") or "")[:10]:
        args["due_date"] = due.isoformat()
        said.append(f"now due {describe_date(due, today)}")
    elif changes.clear_due and task.get("due_date"):
        args["due_date"] = None
        said.append("due date removed")
    tags = [str(t) for t in task.get("tags") or []]
    new_tags = [t for t in tags if t not in changes.tags_remove and "*" not in changes.tags_remove]
    new_tags += [t for t in changes.tags_add if t not in new_tags]
    if new_tags != tags:
        args["tags"] = new_tags
        said.append("tags now " + (replies.tag_list(new_tags) if new_tags else "cleared"))
    if changes.recurrence and changes.recurrence != task.get("recurrence"):
        args["recurrence"] = changes.recurrence
        said.append(f"repeats {changes.recurrence}")
    elif changes.clear_recurrence and task.get("recurrence"):
        args["recurrence"] = None
        said.append("no longer repeats")
    if at and at != task.get("due_time"):
        args["due_time"] = at
        if "due_date" not in args and not task.get("due_date"):
            args["due_date"] = today.isoformat()  # a time needs a day: today
            said.append("now due today")
        said.append(f"at {replies.clock(at)}")
    elif changes.clear_time and task.get("due_time"):
        args["due_time"] = None
        said.append("time removed (still due " + describe_date(_day(task, today), today) + ")")
    current = list(task.get("reminders") or [])
    if changes.clear_reminders and current:
        args["reminders"] = []
        said.append("reminders removed")
    elif changes.reminds():
        spec = _reminder_spec(task, changes, today)
        if spec not in current:
            args["reminders"] = [*current, spec]
            said.append("reminder " + replies.reminder(spec, today))
    if changes.parent:
        parent = _parent_of(changes.parent, task, tasks or [], today)
        if parent is not None and str(parent.get("id")) != str(task.get("parent_id")):
            args["parent_id"] = str(parent.get("id"))
            said.append(f"now a subtask of {replies.quote(parent.get('title'))}")
    elif changes.clear_parent and task.get("parent_id"):
        args["parent_id"] = None
        said.append("now a task of its own")
    return args, said


def _nearest_clock(said: str, current: object) -> str:
    """ "push it to 7" (``said`` "7:00"): 07:00 or 19:00, whichever is nearer the task's own time;
    without one, 1-6 o'clock is afternoon and 7-11 morning (12 is noon)."""
    hour, minute = (int(part) for part in said.split(":"))
    morning, afternoon = hour % 12 * 60 + minute, (hour % 12 + 12) * 60 + minute
    if current:
        now = dt.time.fromisoformat(str(current)[:5])
        mine = now.hour * 60 + now.minute
        pick = morning if abs(morning - mine) <= abs(afternoon - mine) else afternoon
    else:
        pick = afternoon if 1 <= hour <= 6 or hour == 12 else morning
    return f"{pick // 60:02d}:{pick % 60:02d}"


def _shifted_time(task: TaskDict, minutes: int, day: dt.date) -> tuple[dt.date, str]:
    """ "push the dentist back an hour": its day and time moved by ``minutes`` (past midnight, the
    day moves too). A task without a time has none to move: say so, change nothing."""
    current = task.get("due_time")
    if not current:
        raise ToolError(
            f"{replies.quote(task.get('title'))} has no time to move. Give it one first, "
            f'e.g. "move {replies.md_escape(str(task.get("title")))} to 3pm". Nothing was changed.'
        )
    moved = dt.datetime.combine(day, dt.time.fromisoformat(str(current)[:5])) + dt.timedelta(minutes=minutes)
    return moved.date(), moved.strftime("%H:%M")


def _day(task: TaskDict, today: dt.date) -> dt.date:
    due = task.get("due_date")
    return dt.date.fromisoformat(str(due)[:10]) if due else today


def _reminder_spec(task: TaskDict, changes: Changes, today: dt.date) -> dict[str, Any]:
    """The reminder a change asks for: minutes before the due time, or a local date and time (on
    the day said, else on the task's due day when that is still ahead, else today)."""
    if changes.remind_before is not None:
        return {"before": changes.remind_before}
    day = changes.remind_on
    if day is None:
        due = _day(task, today)
        day = due if due >= today else today
    return {"at": f"{day.isoformat()}T{changes.remind_at}"}


def _parent_of(title: str, task: TaskDict, tasks: list[TaskDict], today: dt.date) -> TaskDict | None:
    """The task called ``title`` that is not ``task`` (by the same matching as any reference)."""
    others = [t for t in tasks if str(t.get("id")) != str(task.get("id"))]
    found = resolve_targets(title, None, others, AgentMemory(), today, prefer_completed=False)
    if len(found.tasks) != 1:
        raise ToolError(f"I couldn't tell which task {replies.quote(title)} is. Nothing was changed.")
    return found.tasks[0]


def _maybe_update(turn: _Turn, intent: Intent, forced: list[TaskDict] | None = None) -> _Result:
    """ "pay rent tomorrow": update that task if it exists, else add it as a new task."""
    found = _targets(turn, intent, forced, prefer_completed=None)
    if found.tasks:
        return _update(turn, intent, found.tasks)
    problem = _problem(turn, intent, found, "change") if found.problem == "ambiguous" else None
    return problem or _create(turn, intent)


def _undo(turn: _Turn, intent: Intent, forced: list[TaskDict] | None = None) -> _Result:
    """Revert the previous turn's changes (all of them when one turn made several)."""
    steps = max(1, min(turn.memory.last_changes or 1, 50))
    undone: list[dict[str, Any]] = []
    for _ in range(steps):
        try:
            undone.append(turn.call_tool("undo", {}))
        except ToolError as err:
            if not undone:
                return _Result(str(err) or "There's nothing to undo.")
            break
    turn.memory.last_changes = 1
    turn.memory.focus = [str(u.get("task_id")) for u in undone if u.get("task_id") is not None]
    if len(undone) <= replies.NAMED_MAX:
        phrases = [f"{undone_verb(u.get('undone'))} {replies.quote(u.get('title'))}" for u in undone]
        return _Result("Undone: " + "; ".join(phrases) + ".")
    counts: dict[str, int] = {}
    for u in undone:
        counts[undone_verb(u.get("undone"))] = counts.get(undone_verb(u.get("undone")), 0) + 1
    phrases = [f"{verb} {n} task{'s' if n != 1 else ''}" for verb, n in counts.items()]
    return _Result("Undone: " + " and ".join(phrases) + ".")
