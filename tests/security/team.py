"""A small team around one shared project, and the people who must not get into it (issue 16).

Alice owns **Groceries** (shared: Ed editor, Vic viewer; Dave was an editor and was removed;
an invitation for Erin's email is pending, and Erin has an account that never accepted it) and
**Private plans** (hers alone). Bob is an editor of Carol's **Work**, a member of another
project but not of Alice's. Everyone trying their luck also owns a project of their own
(**Mine**, with a task) to move, assign and transfer from.

Every row is made through the real services, on the database ``session_scope()`` uses.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from app.core.db import session_scope
from app.models import User
from app.services import comments as comment_service
from app.services import projects as project_service
from app.services import tasks as task_service

READERS = ("non-member", "removed member", "pending invitee")
"""Who must not read the project (nor write it)."""
WRITERS = (*READERS, "viewer")
"""Who must not change its tasks: the readers and a viewer."""
OWNERS = (*WRITERS, "editor")
"""Who must not do what only an owner does: the writers and an editor."""
ANYONE = OWNERS
MODES = {"read": READERS, "write": WRITERS, "own": OWNERS, "any": ANYONE}


@dataclass
class Team:
    owner: uuid.UUID
    owner_email: str
    project_ids: list[str] = field(default_factory=list)
    """Groceries (shared), Private plans, and Alice's Inbox."""
    task_ids: list[str] = field(default_factory=list)
    comment_ids: list[str] = field(default_factory=list)
    member_ids: list[str] = field(default_factory=list)
    """Alice, Ed and Vic: Groceries' members."""
    names: list[str] = field(default_factory=list)
    invited_email: str = ""
    attackers: dict[str, uuid.UUID] = field(default_factory=dict)
    mine: dict[str, uuid.UUID] = field(default_factory=dict)
    """Each attacker's own project."""
    my_task: dict[str, uuid.UUID] = field(default_factory=dict)
    """A task in each attacker's own project."""

    def ids(self, kind: str) -> list[str]:
        return {
            "project": self.project_ids,
            "task": self.task_ids,
            "comment": self.comment_ids,
            "user": self.member_ids,
            "name": self.names,
        }[kind]


def _person(label: str) -> tuple[uuid.UUID, str]:
    email = f"{label}-{uuid.uuid4().hex[:8]}@example.com"
    with session_scope() as session:
        user = User(email=email, hashed_password="-", name=label.capitalize())
        session.add(user)
        session.flush()
        return user.id, email


def build_team() -> Team:
    alice, alice_email = _person("alice")
    ed, ed_email = _person("ed")
    vic, vic_email = _person("vic")
    dave, dave_email = _person("dave")
    bob, bob_email = _person("bob")
    carol, _ = _person("carol")
    erin_email = f"erin-{uuid.uuid4().hex[:8]}@example.com"
    team = Team(owner=alice, owner_email=alice_email, invited_email=erin_email)
    with session_scope() as s:
        groceries = project_service.create_project(s, user_id=alice, name="Groceries", color="green")
        private = project_service.create_project(s, user_id=alice, name="Private plans")
        for email, role in ((ed_email, "editor"), (vic_email, "viewer"), (dave_email, "editor")):
            project_service.share_project(s, user_id=alice, project_id=groceries.id, email=email, role=role)
        invited = project_service.share_project(
            s, user_id=alice, project_id=groceries.id, email=erin_email, role="editor"
        )
        assert invited.outcome == "invited"
        work = project_service.create_project(s, user_id=carol, name="Work")
        project_service.share_project(s, user_id=carol, project_id=work.id, email=bob_email, role="editor")
        task_service.create_task(s, user_id=bob, data={"title": "Bob's work item", "project_id": work.id})

        def task(title: str, by: uuid.UUID, project: uuid.UUID, **extra: object) -> uuid.UUID:
            return task_service.create_task(
                s, user_id=by, data={"title": title, "project_id": project, **extra}
            ).id

        milk = task("Buy milk", alice, groceries.id, assignee_id=ed)
        eggs = task("Buy eggs", dave, groceries.id, assignee_id=dave)
        bread = task("Buy bread", ed, groceries.id, completed=True)
        weekly = task("Weekly shop", alice, groceries.id, recurrence="weekly", due_date="2026-12-07")
        secret = task("Surprise party", alice, private.id)
        inbox_task = task("Alice's own errand", alice, project_service.inbox(s, user_id=alice).id)
        by_alice = comment_service.add_comment(s, user_id=alice, task_id=milk, body="Oat milk please")
        by_dave = comment_service.add_comment(s, user_id=dave, task_id=eggs, body="A dozen")
        private_note = comment_service.add_comment(s, user_id=alice, task_id=secret, body="Shh")
        project_service.remove_member(s, user_id=alice, project_id=groceries.id, member_id=dave)
        team.project_ids = [
            str(groceries.id),
            str(private.id),
            str(project_service.inbox(s, user_id=alice).id),
        ]
        team.task_ids = [str(t) for t in (milk, eggs, bread, weekly, secret, inbox_task)]
        team.comment_ids = [str(c.comment.id) for c in (by_alice, by_dave, private_note)]
        team.member_ids = [str(alice), str(ed), str(vic)]
        team.names = ["Groceries", "GROCERIES", "  groceries ", "Private plans"]  # "Inbox" is their own
    erin, _ = _erin(erin_email)
    team.attackers = {
        "non-member": bob,
        "removed member": dave,
        "pending invitee": erin,
        "viewer": vic,
        "editor": ed,
    }
    with session_scope() as s:
        for label, user_id in team.attackers.items():
            mine = project_service.create_project(s, user_id=user_id, name="Mine")
            team.mine[label] = mine.id
            team.my_task[label] = task_service.create_task(
                s, user_id=user_id, data={"title": f"{label} task", "project_id": mine.id}
            ).id
    return team


def _erin(email: str) -> tuple[uuid.UUID, str]:
    """An account with the invited email that never accepted (made without ``auth.register``): an
    invitation alone grants nothing."""
    with session_scope() as session:
        user = User(email=email, hashed_password="-", name="Erin")
        session.add(user)
        session.flush()
        return user.id, email
