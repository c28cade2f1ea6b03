"""The task page's state on a real database (no browser): quick add, the default view and the
detail panel's per-change Undo (issue 15, items 7, 8 and 10)."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta

import reflex as rx
from sqlmodel import Session, select

from app.models import Task, TaskOperation
from app.services import tasks as task_service
from app.states.tasks import TasksState
from tests.states.tab import in_tab, sign_up


def test_tasks_state_opens_on_today_then_open_tasks_by_due_date(app_db):
    token, user_id = sign_up(app_db)
    today = date.today()
    with Session(app_db) as s:
        for title, due, done in [
            ("undated", None, False),
            ("later", today + timedelta(days=5), False),
            ("done", today - timedelta(days=9), True),
            ("today", today, False),
            ("overdue", today - timedelta(days=1), False),
        ]:
            data = {"title": title, "due_date": due.isoformat() if due else None, "completed": done}
            task_service.create_task(s, user_id=user_id, data=data)
        s.commit()

    async def work(root: rx.State) -> list[str]:
        state = await root.get_state(TasksState)
        await state.on_load()
        # Something is due: the page opens on Today (overdue first), its address left as it was.
        assert (state.view, state.tab, state.today_count) == ("today", "today", 2)
        assert [row.title for row in state.tasks] == ["overdue", "today"]
        assert state._url() == "/tasks"
        await state.set_tab("pending")
        assert (state.status, state.sort) == ("pending", "due_date")
        assert state._url() == "/tasks?view=all"
        return [row.title for row in state.tasks]

    assert in_tab(token, work) == ["overdue", "today", "later", "undated"]


def test_tasks_state_quick_add_chips_then_creates_the_parsed_task(app_db):
    token, user_id = sign_up(app_db)

    async def work(root: rx.State) -> None:
        state = await root.get_state(TasksState)
        await state.on_load()
        state.set_quick_text("Call Bob tomorrow at 3pm #work p1")
        names = [chip.remove_label for chip in state.quick_chips]
        assert names == [
            "Remove due date tomorrow",
            "Remove time at 3pm",
            "Remove tag work",
            "Remove priority high",
        ]
        state.remove_chip("p1")
        assert state.quick_title == "Call Bob p1"
        state.remove_chip("p1")  # twice is once
        assert state.quick_keep == ["p1"]
        state.set_quick_text("Call Bob tomorrow at 3pm #work p1")
        await state.add_task({"title": "Call Bob tomorrow at 3pm #work p1", "priority": "medium"})
        assert state.error == ""
        assert (state.quick_text, state.quick_chips, state.quick_keep) == ("", [], [])

    in_tab(token, work)
    with Session(app_db) as s:
        task = s.exec(select(Task).where(Task.user_id == user_id)).one()
    assert (task.title, task.priority, task.tags) == ("Call Bob p1", "medium", ["work"])
    assert task.due_date == date.today() + timedelta(days=1)
    assert (task.due_time, task.description) == (time(15, 0), "")


def test_tasks_state_quick_add_with_only_attributes_asks_for_a_title(app_db):
    token, user_id = sign_up(app_db)

    async def work(root: rx.State) -> str:
        state = await root.get_state(TasksState)
        await state.add_task({"title": "tomorrow p1"})
        return state.error

    assert "Add what the task is" in in_tab(token, work)
    with Session(app_db) as s:
        assert s.exec(select(Task).where(Task.user_id == user_id)).all() == []


def test_tasks_state_problems_read_as_sentences_without_a_field_name(app_db):
    """A tag too long in quick add, or one with a space in the panel, is said as a sentence (it said
    "tags: Tag '…' is too long (at most 32 characters).", the API's form; issue 15, item 15)."""
    token, user_id = sign_up(app_db)
    with Session(app_db) as s:
        task_id = str(task_service.create_task(s, user_id=user_id, data={"title": "Plan trip"}).id)
        s.commit()

    async def work(root: rx.State) -> tuple[str, str, str]:
        state = await root.get_state(TasksState)
        await state.on_load()
        await state.add_task({"title": "buy milk #" + "x" * 40})
        quick = state.error
        await state.open_detail(task_id)
        await state.save_field("tags", "home, a!b")
        tags = state.detail_error
        await state.save_field("title", "   ")
        return quick, tags, state.detail_error

    quick, tags, title = in_tab(token, work)
    assert quick == f"Tag '{'x' * 40}' is too long (at most 32 characters)."
    assert tags.startswith("Tag 'a!b' may only hold letters"), tags
    assert title == "Title can't be empty."


def test_tasks_state_detail_undo_reverts_only_its_own_change(app_db):
    token, user_id = sign_up(app_db)
    with Session(app_db) as s:
        task_id = str(task_service.create_task(s, user_id=user_id, data={"title": "Plan trip"}).id)
        s.commit()
    tomorrow = (date.today() + timedelta(days=1)).isoformat()

    async def work(root: rx.State) -> None:
        state = await root.get_state(TasksState)
        await state.on_load()
        await state.open_detail(task_id)
        assert state.detail.title == "Plan trip"
        await state.save_field("due_date", tomorrow)
        await state.save_field("priority", "high")
        await state.save_field("priority", "high")  # unchanged: no second entry
        await state.save_field("description", "Pack **boots**")
        assert [c.field for c in state.detail_changes] == ["description", "priority", "due_date"]
        # The newest change: the journal entry itself is undone.
        newest = state.detail_changes[0].op_id
        await state.undo_change(newest)
        assert state.detail.description == ""
        assert state.detail_changes[0].undone
        await state.undo_change(newest)  # a second click changes nothing
        # An older change: only its field goes back; the newer priority stays.
        await state.undo_change(state.detail_changes[2].op_id)
        assert (state.detail.due_date, state.detail.priority) == ("", "high")
        assert state.detail_changes[2].undone
        assert not state.detail_changes[1].undone
        await state.save_field("title", "   ")
        assert state.detail_error
        closing = await state.set_detail_open(False)
        assert state.detail_id == ""
        assert closing is not None  # focus goes back to the row's Open button

    in_tab(token, work)
    with Session(app_db) as s:
        task = s.get(Task, uuid.UUID(task_id))
        assert (task.due_date, task.priority, task.description) == (None, "high", "")
        ops = s.exec(select(TaskOperation).where(TaskOperation.user_id == user_id)).all()
        assert sum(op.undone_at is not None for op in ops) == 1
