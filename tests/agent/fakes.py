"""A dict-backed stand-in for the tool registry, for unit-testing the offline agent.

It implements the documented tool contract (names, arguments, result shapes, ToolError on
refusal, an undo stack) and nothing else; the real registry is tested by its own suite.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from typing import Any

from app.agent.types import ToolError

TODAY = dt.date(2025, 11, 19)  # a Wednesday; fixed so date phrases have known answers


class FakeTools:
    """Callable as ``call_tool(name, args)``; records every call in ``calls``."""

    def __init__(self, today: dt.date = TODAY) -> None:
        self.today = today
        self.tasks: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._undo: list[tuple[str, str, dict[str, Any] | None]] = []
        self._ids = itertools.count(1)
        self.projects: list[dict[str, Any]] = []
        """Projects (``{id, name, inbox, role, members: [{email, name, role}]}``); empty: no project
        tools (``list_projects`` is then refused, as from a registry without them)."""
        self.comments: list[dict[str, Any]] = []
        self.activity: list[dict[str, Any]] = []

    # --- helpers for tests -------------------------------------------------------------------
    def seed(
        self,
        title: str,
        *,
        priority: str = "medium",
        tags: list[str] | None = None,
        due: dt.date | str | None = None,
        done: bool = False,
        recurrence: str | None = None,
        due_time: str | None = None,
        parent: str | None = None,
    ) -> dict[str, Any]:
        """Create a task directly (not through a tool call); ``parent``: the parent's title."""
        due_text = due.isoformat() if isinstance(due, dt.date) else due
        task = self._new(title, "", priority, tags or [], due_text, recurrence)
        task["due_time"] = due_time
        if parent is not None:
            above = self.by_title(parent)
            task["parent_id"], task["parent"], task["project"] = above["id"], above["title"], above["project"]
        if done:
            task["completed"] = True
            task["completed_at"] = "2025-01-01T00:00:00"
        return task

    def project(
        self, name: str, *, members: list[tuple[str, str]] = (), role: str = "owner"
    ) -> dict[str, Any]:
        """Add a project the person is in (the Inbox comes first); ``members``: (name, email) pairs."""
        if not self.projects:
            self.projects.append(
                {"id": "p0", "name": "Inbox", "inbox": True, "role": "owner", "open_tasks": 0,
                 "members": [{"name": "Me", "email": "me@x.test", "role": "owner"}]}
            )  # fmt: skip
        project = {
            "id": f"p{len(self.projects)}",
            "name": name,
            "inbox": False,
            "role": role,
            "open_tasks": 0,
            "members": [{"name": "Me", "email": "me@x.test", "role": role}]
            + [{"name": n, "email": e, "role": "editor"} for n, e in members],
        }
        self.projects.append(project)
        return project

    def _find_project(self, ref: str) -> dict[str, Any]:
        for project in self.projects:
            if ref in (project["id"],) or project["name"].lower() == " ".join(ref.split()).lower():
                return project
        raise ToolError(f"You have no project called “{ref}”.")

    def _member(self, project: dict[str, Any], who: str) -> dict[str, Any]:
        key = who.lower()
        found = [
            m for m in project["members"]
            if (key in {"me", "myself"} and m["email"] == "me@x.test") or key in
            {m["email"], (m["name"] or "").lower(), (m["name"] or "").lower().split()[0]}
        ]  # fmt: skip
        if not found:
            raise ToolError(f"{who} is not a member of “{project['name']}”: share it with them first.")
        if len(found) > 1:
            raise ToolError(f"Which {who} do you mean? Say their email.")
        return found[0]

    def titles(self) -> list[str]:
        return [t["title"] for t in self.tasks.values()]

    def by_title(self, title: str) -> dict[str, Any]:
        return next(t for t in self.tasks.values() if t["title"].lower() == title.lower())

    def changing_calls(self) -> list[str]:
        reads = {"list_tasks", "search_tasks", "list_projects", "project_activity"}
        return [name for name, _ in self.calls if name not in reads]

    # --- the tool interface ------------------------------------------------------------------
    def __call__(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((name, copy.deepcopy(args)))
        handler = getattr(self, f"_tool_{name}", None)
        if handler is None:
            raise ToolError(f"Unknown tool {name}")
        return handler(**args)

    def _new(self, title, description, priority, tags, due_date, recurrence) -> dict[str, Any]:
        task_id = str(next(self._ids))
        stamp = f"2025-01-01T00:00:{int(task_id):02d}"
        task = {
            "id": task_id,
            "project": "Inbox",
            "assignee": None,
            "assignee_name": None,
            "title": title,
            "description": description,
            "completed": False,
            "completed_at": None,
            "priority": priority,
            "tags": list(tags),
            "due_date": due_date,
            "recurrence": recurrence,
            "due_time": None,
            "parent_id": None,
            "parent": None,
            "reminders": [],
            "created_at": stamp,
            "updated_at": stamp,
        }
        self.tasks[task_id] = task
        return task

    def _get(self, task_id: str) -> dict[str, Any]:
        task = self.tasks.get(str(task_id))
        if task is None:
            raise ToolError(f"Task {task_id} not found.")
        return task

    def _tool_add_task(
        self,
        title: str,
        description: str = "",
        priority: str = "medium",
        tags: list[str] | None = None,
        due_date: str | None = None,
        recurrence: str | None = None,
        project_id: str | None = None,
        assignee_id: str | None = None,
        due_time: str | None = None,
        parent_id: str | None = None,
        reminders: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        project = self._find_project(project_id) if project_id is not None else None
        parent = self._get(parent_id) if parent_id is not None else None
        if not title.strip():
            raise ToolError("A task needs a title.")
        if priority not in {"low", "medium", "high"}:
            raise ToolError(f"Unknown priority {priority}.")
        if recurrence not in {None, "daily", "weekly", "monthly"}:
            raise ToolError(f"Unknown recurrence {recurrence}.")
        if due_date is not None:
            dt.date.fromisoformat(due_date)
        if due_time is not None and due_date is None:
            due_date = self.today.isoformat()
        task = self._new(title, description, priority, tags or [], due_date, recurrence)
        task["due_time"], task["reminders"] = due_time, list(reminders or [])
        if parent is not None:
            task["parent_id"], task["parent"], task["project"] = (
                parent["id"],
                parent["title"],
                parent["project"],
            )
        if project is not None:
            task["project"] = project["name"]
            if assignee_id is not None:
                member = self._member(project, assignee_id)
                task["assignee"], task["assignee_name"] = member["email"], member["name"]
        self._undo.append(("create", task["id"], None))
        return {"task_id": task["id"], "status": "created", "title": title, "task": copy.deepcopy(task)}

    def _tool_list_tasks(
        self,
        status: str = "all",
        tag: str | None = None,
        priority: str | None = None,
        due: str | None = None,
        search: str | None = None,
        sort: str = "created",
        limit: int = 50,
        project: str | None = None,
        assignee: str | None = None,
        unassigned: bool = False,
        within_days: int | None = None,
    ) -> dict[str, Any]:
        tasks = list(self.tasks.values())
        if due == "agenda":
            tasks = [t for t in tasks if t["due_date"] and t["due_date"] <= self.today.isoformat()]
        elif due == "overdue":
            tasks = [t for t in tasks if t["due_date"] and t["due_date"] < self.today.isoformat()]
        if project is not None:
            name = self._find_project(project)["name"]
            tasks = [t for t in tasks if t["project"] == name]
        if assignee is not None:
            emails = set()
            for p in self.projects:
                try:
                    emails.add(self._member(p, assignee)["email"])
                except ToolError:
                    pass
            if not emails:
                raise ToolError(f"{assignee} is not a member of any of your projects.")
            tasks = [t for t in tasks if t["assignee"] in emails]
        if unassigned:
            tasks = [t for t in tasks if t["assignee"] is None]
        if status == "pending":
            tasks = [t for t in tasks if not t["completed"]]
        elif status == "completed":
            tasks = [t for t in tasks if t["completed"]]
        if tag:
            tasks = [t for t in tasks if tag in t["tags"]]
        if priority:
            tasks = [t for t in tasks if t["priority"] == priority]
        if search:
            tasks = [t for t in tasks if search.lower() in t["title"].lower()]
        return {"tasks": copy.deepcopy(tasks[:limit]), "count": len(tasks)}

    def _tool_search_tasks(self, query: str) -> dict[str, Any]:
        return self._tool_list_tasks(search=query)

    def _tool_complete_task(self, task_id: str) -> dict[str, Any]:
        task = self._get(task_id)
        if task["completed"]:
            raise ToolError(f"'{task['title']}' is already completed.")
        self._undo.append(("complete", task["id"], copy.deepcopy(task)))
        task["completed"], task["completed_at"] = True, f"{self.today.isoformat()}T12:00:00"
        return {"task_id": task["id"], "status": "completed", "title": task["title"]}

    def _tool_reopen_task(self, task_id: str) -> dict[str, Any]:
        task = self._get(task_id)
        self._undo.append(("reopen", task["id"], copy.deepcopy(task)))
        task["completed"], task["completed_at"] = False, None
        return {"task_id": task["id"], "status": "pending", "title": task["title"]}

    def _tool_delete_task(self, task_id: str) -> dict[str, Any]:
        task = self._get(task_id)
        self._undo.append(("delete", task["id"], copy.deepcopy(task)))
        del self.tasks[task["id"]]
        return {"task_id": task["id"], "status": "deleted", "title": task["title"]}

    def _tool_update_task(self, task_id: str, **fields: Any) -> dict[str, Any]:
        task = self._get(task_id)
        allowed = {"title", "description", "priority", "tags", "due_date", "recurrence", "due_time",
                   "parent_id", "reminders"}  # fmt: skip
        if set(fields) - allowed:
            raise ToolError(f"Unknown fields {sorted(set(fields) - allowed)}.")
        self._undo.append(("update", task["id"], copy.deepcopy(task)))
        if fields.get("parent_id") is not None:
            fields["parent"] = self._get(fields["parent_id"])["title"]
        elif "parent_id" in fields:
            fields["parent"] = None
        if "due_date" in fields and fields["due_date"] is None:
            fields["due_time"] = None
        elif fields.get("due_time") and not task["due_date"] and "due_date" not in fields:
            fields["due_date"] = self.today.isoformat()
        task.update(fields)
        return {
            "task_id": task["id"],
            "status": "updated",
            "title": task["title"],
            "task": copy.deepcopy(task),
        }

    # --- daily loop tools (issue 17) -----------------------------------------------------------
    def _tool_add_subtasks(self, parent_id: str, titles: list[str]) -> dict[str, Any]:
        parent = self._get(parent_id)
        created = []
        for title in titles:
            task = self._new(title, "", "medium", [], None, None)
            task["parent_id"], task["parent"], task["project"] = (
                parent["id"],
                parent["title"],
                parent["project"],
            )
            created.append(task)
        self._undo.append(("group", "", {"undo": [("create", t["id"], None) for t in created]}))
        return {
            "status": "created",
            "task_id": parent["id"],
            "title": parent["title"],
            "count": len(created),
            "task_ids": [t["id"] for t in created],
            "titles": titles,
            "tasks": copy.deepcopy(created),
        }

    def _tool_add_reminder(
        self, task_id: str, at: str | None = None, before: int | None = None
    ) -> dict[str, Any]:
        task = self._get(task_id)
        self._undo.append(("update", task["id"], copy.deepcopy(task)))
        task["reminders"].append({"at": at} if at is not None else {"before": before})
        return {
            "task_id": task["id"],
            "status": "updated",
            "title": task["title"],
            "task": copy.deepcopy(task),
        }

    def _tool_my_day(self, limit: int = 50, project: str | None = None) -> dict[str, Any]:
        listed = self._tool_list_tasks(status="pending", due="agenda", project=project, limit=limit)
        overdue = sum(1 for t in listed["tasks"] if t["due_date"] < self.today.isoformat())
        return {
            "today": self.today.isoformat(),
            **listed,
            "overdue": overdue,
            "due_today": listed["count"] - overdue,
        }

    def _tool_reschedule_overdue(self, due_date: str, task_ids: list[str] | None = None) -> dict[str, Any]:
        late = self._tool_list_tasks(status="pending", due="overdue", limit=2000)["tasks"]
        moved = [self.tasks[t["id"]] for t in late if task_ids is None or t["id"] in task_ids]
        if not moved:
            raise ToolError("You have no overdue tasks to move. Nothing was changed.")
        self._undo.append(("group", "", {"undo": [("update", t["id"], copy.deepcopy(t)) for t in moved]}))
        for task in moved:
            task["due_date"] = due_date
        return {"status": "updated", "due_date": due_date, "count": len(moved),
                "task_ids": [t["id"] for t in moved], "titles": [t["title"] for t in moved]}  # fmt: skip

    def _tool_undo(self) -> dict[str, Any]:
        if not self._undo:
            raise ToolError("Nothing to undo.")
        kind, task_id, before = self._undo.pop()
        if kind == "group":  # one change to several tasks (add_subtasks, reschedule_overdue)
            assert before is not None
            titles = []
            for sub_kind, sub_id, sub_before in reversed(before["undo"]):
                if sub_kind == "create":
                    titles.append(self.tasks.pop(sub_id)["title"])
                else:
                    self.tasks[sub_id] = sub_before
                    titles.append(sub_before["title"])
            return {"status": "undone", "task_id": None, "title": ", ".join(titles), "undone": "update"}
        if kind == "create":
            title = self.tasks.pop(task_id)["title"]
        else:
            assert before is not None
            self.tasks[task_id] = before
            title = before["title"]
        return {"status": "undone", "task_id": task_id, "title": title, "undone": kind}

    # --- team tools (issue 16) ---------------------------------------------------------------
    def _tool_list_projects(self, archived: bool = False, members: bool = True) -> dict[str, Any]:
        if not self.projects:
            raise ToolError("Unknown tool list_projects")
        return {"projects": copy.deepcopy(self.projects), "count": len(self.projects)}

    def _tool_create_project(self, name: str) -> dict[str, Any]:
        if any(p["name"].lower() == name.lower() for p in self.projects):
            raise ToolError(f"A project called “{name}” already exists.")
        project = self.project(name)
        return {"status": "created", "project_id": project["id"], "name": name, "project": project}

    def _tool_move_task(self, task_id: str, project: str) -> dict[str, Any]:
        task = self._get(task_id)
        target = self._find_project(project)
        self._undo.append(("update", task["id"], copy.deepcopy(task)))
        task["project"] = target["name"]
        return {
            "task_id": task["id"],
            "status": "updated",
            "title": task["title"],
            "task": copy.deepcopy(task),
        }

    def _tool_assign_task(self, task_id: str, assignee: str) -> dict[str, Any]:
        task = self._get(task_id)
        member = self._member(self._find_project(task["project"]), assignee)
        self._undo.append(("update", task["id"], copy.deepcopy(task)))
        task["assignee"], task["assignee_name"] = member["email"], member["name"]
        return {
            "task_id": task["id"],
            "status": "updated",
            "title": task["title"],
            "task": copy.deepcopy(task),
        }

    def _tool_unassign_task(self, task_id: str) -> dict[str, Any]:
        task = self._get(task_id)
        self._undo.append(("update", task["id"], copy.deepcopy(task)))
        task["assignee"] = task["assignee_name"] = None
        return {
            "task_id": task["id"],
            "status": "updated",
            "title": task["title"],
            "task": copy.deepcopy(task),
        }

    def _tool_add_comment(self, task_id: str, body: str) -> dict[str, Any]:
        task = self._get(task_id)
        self.comments.append({"task_id": task["id"], "body": body})
        return {
            "status": "commented",
            "task_id": task["id"],
            "title": task["title"],
            "comment": {"body": body},
        }

    def _tool_project_activity(
        self, project: str | None = None, person: str | None = None, since: str = "all", limit: int = 50
    ) -> dict[str, Any]:
        entries = [e for e in self.activity if person is None or e["who"].lower() == person.lower()]
        entries = [e for e in entries if project is None or e["project"] == project]
        return {"entries": entries, "count": len(entries), "project": project, "person": person}

    def _tool_share_project(self, project: str, email: str, role: str = "editor") -> dict[str, Any]:
        target = self._find_project(project)
        target["members"].append({"name": None, "email": email, "role": role})
        return {"status": "member", "project_id": target["id"], "name": target["name"], "project": target,
                "email": email, "role": role}  # fmt: skip
