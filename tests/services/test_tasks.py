"""The task service on a real database (SQLite and PostgreSQL): queries, changes, recurrence, isolation."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from app.models import Reminder, Task, TaskOperation
from app.services import tasks
from app.services.errors import InvalidInputError, NotFoundError
from app.services.operations import PAGE
from app.services.tasks import TaskQuery
from tests.utils.factories import make_task
from tests.utils.sql_log import statements_run

TODAY = date(2025, 3, 15)


def titles(session, user, *, today=TODAY, **query):
    return [
        t.title for t in tasks.list_tasks(session, user_id=user.id, query=TaskQuery(**query), today=today)
    ]


def reload(session, task_id):
    """The task as stored in the database (not the session's cached object), or None."""
    session.flush()
    session.expunge_all()
    return session.get(Task, task_id)


def op_count(session):
    session.flush()
    return len(session.exec(select(TaskOperation)).all())


# --- list_tasks: filters ----------------------------------------------------------------------


def test_list_tasks_default_is_all_newest_first(session, user):
    make_task(session, user, "first")
    make_task(session, user, "second", completed=True)
    make_task(session, user, "third")
    assert titles(session, user) == ["third", "second", "first"]
    assert tasks.list_tasks(session, user_id=user.id, today=TODAY)[0].title == "third"


def test_list_tasks_empty_for_new_user(session, user):
    assert titles(session, user) == []


def test_list_tasks_status_filter(session, user):
    make_task(session, user, "open")
    make_task(session, user, "done", completed=True)
    assert titles(session, user, status="all") == ["done", "open"]
    assert titles(session, user, status="pending") == ["open"]
    assert titles(session, user, status="completed") == ["done"]


def test_list_tasks_tag_filter_normalises_query(session, user):
    make_task(session, user, "a", tags=["work", "home"])
    make_task(session, user, "b", tags=["home"])
    make_task(session, user, "c")
    for tag in ("work", "Work", "#work", "  #WORK  "):
        assert titles(session, user, tag=tag) == ["a"], tag
    assert titles(session, user, tag="home") == ["b", "a"]
    assert titles(session, user, tag="") == ["c", "b", "a"]


def test_list_tasks_tag_filter_matches_whole_tags_only(session, user):
    make_task(session, user, "work", tags=["work"])
    make_task(session, user, "workshop", tags=["workshop"])
    make_task(session, user, "homework", tags=["homework"])
    make_task(session, user, "snake", tags=["x_y"])
    make_task(session, user, "xay", tags=["xay"])
    assert titles(session, user, tag="work") == ["work"]
    assert titles(session, user, tag="wor") == []
    assert titles(session, user, tag="x_y") == ["snake"]
    assert titles(session, user, tag="x%") == []


def test_list_tasks_tag_filter_non_ascii_and_symbols(session, user):
    make_task(session, user, "coffee", tags=["café"])
    make_task(session, user, "plain", tags=["cafe"])
    make_task(session, user, "path", tags=["a/b", "r&d"])
    assert titles(session, user, tag="Café") == ["coffee"]
    assert titles(session, user, tag="cafe") == ["plain"]
    assert titles(session, user, tag="a/b") == ["path"]
    assert titles(session, user, tag="r&d") == ["path"]


def test_list_tasks_priority_filter(session, user):
    for p in ("low", "medium", "high"):
        make_task(session, user, p, priority=p)
    for p in ("low", "medium", "high"):
        assert titles(session, user, priority=p) == [p]


def test_list_tasks_due_filter(session, user):
    make_task(session, user, "yesterday", due_date=TODAY - timedelta(days=1))
    make_task(session, user, "yesterday done", due_date=TODAY - timedelta(days=1), completed=True)
    make_task(session, user, "long ago", due_date=TODAY - timedelta(days=400), completed=True)
    make_task(session, user, "today", due_date=TODAY)
    make_task(session, user, "today done", due_date=TODAY, completed=True)
    make_task(session, user, "tomorrow", due_date=TODAY + timedelta(days=1))
    make_task(session, user, "next week", due_date=TODAY + timedelta(days=7))
    make_task(session, user, "no date")
    assert set(titles(session, user, due="today")) == {"today", "today done"}
    assert titles(session, user, due="tomorrow") == ["tomorrow"]
    # overdue: due before today and still open
    assert titles(session, user, due="overdue") == ["yesterday"]
    assert set(titles(session, user, due="upcoming")) == {"tomorrow", "next week"}
    assert titles(session, user, due="none") == ["no date"]
    assert len(titles(session, user, due=None)) == 8


def test_list_tasks_due_filter_uses_given_today(session, user):
    make_task(session, user, "a", due_date=date(2030, 1, 1))
    assert titles(session, user, due="today", today=date(2030, 1, 1)) == ["a"]
    assert titles(session, user, due="tomorrow", today=date(2029, 12, 31)) == ["a"]
    assert titles(session, user, due="overdue", today=date(2030, 1, 2)) == ["a"]
    assert titles(session, user, due="upcoming", today=date(2030, 1, 1)) == []


def test_list_tasks_search_title_and_description_case_insensitive(session, user):
    make_task(session, user, "Buy MILK")
    make_task(session, user, "Call mom", description="ask about the Milkshake recipe")
    make_task(session, user, "Pay rent")
    assert titles(session, user, search="milk") == ["Call mom", "Buy MILK"]
    assert titles(session, user, search="  MiLk ") == ["Call mom", "Buy MILK"]
    assert titles(session, user, search="RECIPE") == ["Call mom"]
    assert titles(session, user, search="nothing like it") == []


def test_list_tasks_search_blank_means_any(session, user):
    make_task(session, user, "a")
    make_task(session, user, "b")
    for search in ("", "   ", None):
        assert titles(session, user, search=search) == ["b", "a"], repr(search)


def test_list_tasks_search_wildcards_are_literal(session, user):
    for title in ("100% done", "1000 done", "snake_case", "snakeXcase", "back\\slash", "backslash"):
        make_task(session, user, title)
    cases = {
        "%": ["100% done"],
        "0%": ["100% done"],
        "_": ["snake_case"],
        "e_c": ["snake_case"],
        "%_%": [],
        "\\": ["back\\slash"],
        "k\\s": ["back\\slash"],
        "done": ["1000 done", "100% done"],
    }
    for search, expected in cases.items():
        assert titles(session, user, search=search) == expected, search


def test_list_tasks_search_wildcards_in_description_are_literal(session, user):
    make_task(session, user, "a", description="50% off")
    make_task(session, user, "b", description="500 off")
    assert titles(session, user, search="0% o") == ["a"]


def test_list_tasks_filters_combine(session, user):
    make_task(session, user, "match", tags=["work"], priority="high", due_date=TODAY, description="report")
    make_task(
        session, user, "wrong tag", tags=["home"], priority="high", due_date=TODAY, description="report"
    )
    make_task(
        session, user, "wrong prio", tags=["work"], priority="low", due_date=TODAY, description="report"
    )
    make_task(session, user, "wrong due", tags=["work"], priority="high", description="report")
    make_task(session, user, "wrong text", tags=["work"], priority="high", due_date=TODAY)
    make_task(
        session,
        user,
        "done",
        tags=["work"],
        priority="high",
        due_date=TODAY,
        description="report",
        completed=True,
    )
    result = titles(
        session, user, status="pending", tag="work", priority="high", due="today", search="REPORT"
    )
    assert result == ["match"]


# --- list_tasks: sort, limit, offset ----------------------------------------------------------


def test_list_tasks_sort_created_newest_first(session, user):
    for name in ("a", "b", "c", "d"):
        make_task(session, user, name)
    assert titles(session, user, sort="created") == ["d", "c", "b", "a"]


def test_list_tasks_sort_due_date_ascending_no_date_last(session, user):
    make_task(session, user, "none 1")
    make_task(session, user, "later", due_date=TODAY + timedelta(days=30))
    make_task(session, user, "past", due_date=TODAY - timedelta(days=3))
    make_task(session, user, "none 2")
    make_task(session, user, "soon a", due_date=TODAY + timedelta(days=1))
    make_task(session, user, "soon b", due_date=TODAY + timedelta(days=1))
    assert titles(session, user, sort="due_date") == ["past", "soon b", "soon a", "later", "none 2", "none 1"]


def test_list_tasks_sort_priority_high_medium_low(session, user):
    make_task(session, user, "low 1", priority="low")
    make_task(session, user, "high 1", priority="high")
    make_task(session, user, "medium", priority="medium")
    make_task(session, user, "high 2", priority="high")
    make_task(session, user, "low 2", priority="low")
    assert titles(session, user, sort="priority") == ["high 2", "high 1", "medium", "low 2", "low 1"]


def test_list_tasks_sort_title_case_insensitive(session, user):
    for name in ("banana", "Apple", "cherry", "apricot", "Banana"):
        make_task(session, user, name)
    # equal titles (ignoring case) fall back to newest first
    assert titles(session, user, sort="title") == ["Apple", "apricot", "Banana", "banana", "cherry"]


def test_list_tasks_limit_and_offset(session, user):
    for i in range(5):
        make_task(session, user, f"t{i}")
    assert titles(session, user, limit=2) == ["t4", "t3"]
    assert titles(session, user, limit=2, offset=2) == ["t2", "t1"]
    assert titles(session, user, offset=3) == ["t1", "t0"]
    assert titles(session, user, limit=10, offset=4) == ["t0"]
    assert titles(session, user, offset=5) == []
    assert titles(session, user, limit=0) == []


def test_list_tasks_limit_applies_after_filter_and_sort(session, user):
    make_task(session, user, "b", priority="high")
    make_task(session, user, "x", priority="low")
    make_task(session, user, "a", priority="high")
    assert titles(session, user, priority="high", sort="title", limit=1) == ["a"]
    assert titles(session, user, priority="high", sort="title", limit=1, offset=1) == ["b"]


# --- count_by_status, list_tags, TaskQuery ----------------------------------------------------


def test_count_by_status_counts_each_tab(session, user):
    make_task(session, user, "a")
    make_task(session, user, "b")
    make_task(session, user, "c", completed=True)
    counts = tasks.count_by_status(session, user_id=user.id, today=TODAY)
    assert counts == {"all": 3, "pending": 2, "completed": 1}


def test_count_by_status_empty(session, user):
    assert tasks.count_by_status(session, user_id=user.id) == {"all": 0, "pending": 0, "completed": 0}


def test_count_by_status_ignores_status_limit_offset_but_keeps_other_filters(session, user):
    make_task(session, user, "work open", tags=["work"])
    make_task(session, user, "work done", tags=["work"], completed=True)
    make_task(session, user, "work done 2", tags=["work"], completed=True)
    make_task(session, user, "home open", tags=["home"])
    query = TaskQuery(status="pending", tag="work", limit=1, offset=1)
    counts = tasks.count_by_status(session, user_id=user.id, query=query, today=TODAY)
    assert counts == {"all": 3, "pending": 1, "completed": 2}
    # the query object itself is left as it was
    assert (query.status, query.limit, query.offset) == ("pending", 1, 1)


def test_count_by_status_uses_due_filter_with_today(session, user):
    make_task(session, user, "a", due_date=TODAY)
    make_task(session, user, "b", due_date=TODAY, completed=True)
    make_task(session, user, "c", due_date=TODAY + timedelta(days=1))
    counts = tasks.count_by_status(session, user_id=user.id, query=TaskQuery(due="today"), today=TODAY)
    assert counts == {"all": 2, "pending": 1, "completed": 1}


def test_list_tags_sorted_unique(session, user):
    make_task(session, user, "a", tags=["work", "Urgent"])
    make_task(session, user, "b", tags=["home", "work"])
    make_task(session, user, "c")
    assert tasks.list_tags(session, user_id=user.id) == ["home", "urgent", "work"]


def test_list_tags_empty(session, user):
    make_task(session, user, "a")
    assert tasks.list_tags(session, user_id=user.id) == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"status": "done"}, "status must be one of all, pending, completed"),
        ({"due": "yesterday"}, "due must be one of today, tomorrow, overdue, upcoming, none"),
        ({"sort": "newest"}, "sort must be one of created, due_date, priority, title"),
        ({"priority": "urgent"}, "priority must be one of low, medium, high"),
        ({"priority": "HIGH"}, "priority must be one of"),
        ({"limit": -1}, "limit can't be negative"),
        ({"offset": -1}, "offset can't be negative"),
    ],
)
def test_task_query_rejects_bad_values(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        TaskQuery(**kwargs)


def test_task_query_accepts_every_documented_value():
    for status in tasks.STATUS_FILTERS:
        for sort in tasks.SORT_KEYS:
            for due in (None, *tasks.DUE_FILTERS):
                TaskQuery(status=status, sort=sort, due=due, priority="high", limit=0, offset=0)


# --- create -----------------------------------------------------------------------------------


def test_create_task_defaults(session, user):
    task = tasks.create_task(session, user_id=user.id, data={"title": "Buy milk"})
    stored = reload(session, task.id)
    assert stored.user_id == user.id
    assert stored.title == "Buy milk"
    assert stored.description == ""
    assert stored.completed is False
    assert stored.completed_at is None
    assert stored.priority == "medium"
    assert stored.tags == []
    assert stored.due_date is None
    assert stored.recurrence is None
    assert stored.created_at == stored.updated_at
    assert stored.created_at.tzinfo is not None


def test_create_task_all_fields(session, user):
    task = make_task(
        session,
        user,
        "  Pay   rent ",
        description="  landlord  ",
        priority="high",
        tags=["#Home", "money", "home"],
        due_date="2025-04-01",
        recurrence="monthly",
    )
    stored = reload(session, task.id)
    assert stored.title == "Pay rent"
    assert stored.description == "landlord"
    assert stored.priority == "high"
    assert stored.tags == ["home", "money"]
    assert stored.due_date == date(2025, 4, 1)
    assert stored.recurrence == "monthly"


def test_create_task_accepts_model_instance(session, user):
    from app.models import TaskCreate

    task = tasks.create_task(session, user_id=user.id, data=TaskCreate(title="x", priority="low"))
    assert reload(session, task.id).priority == "low"


def test_create_task_completed_sets_completed_at(session, user):
    before = datetime.now().astimezone()
    task = make_task(session, user, "done already", completed=True)
    stored = reload(session, task.id)
    assert stored.completed is True
    assert stored.completed_at is not None
    assert stored.completed_at >= before - timedelta(seconds=1)
    assert titles(session, user, status="completed") == ["done already"]


INVALID_CREATE = [
    ({"title": ""}, "title: Title can't be empty"),
    ({"title": "   "}, "title: Title can't be empty"),
    ({}, "title: Field required"),
    ({"title": "x" * 201}, r"title: Title is too long \(201 characters; at most 200\)"),
    ({"title": "x", "priority": "urgent"}, "priority: "),
    ({"title": "x", "recurrence": "yearly"}, "recurrence: "),
    ({"title": "x", "due_date": "next tuesday"}, "due_date: "),
    ({"title": "x", "tags": ["no spaces!"]}, "may only hold letters"),
    ({"title": "x", "tags": ["t" * 33]}, "too long"),
    ({"title": "x", "tags": [f"t{i}" for i in range(21)]}, "at most 20 tags"),
    ({"title": "x", "description": "d" * 5001}, "Description is too long"),
    ({"title": "x", "colour": "red"}, "colour: is not a known field"),
    ("just a string", "Input should be"),
]


def test_create_task_invalid_input_is_clear_and_creates_nothing(session, user):
    for data, match in INVALID_CREATE:
        with pytest.raises(InvalidInputError, match=match) as err:
            tasks.create_task(session, user_id=user.id, data=data)
        assert "Traceback" not in err.value.message
        assert "Value error" not in err.value.message
    assert titles(session, user) == []
    assert op_count(session) == 0


def test_create_task_title_at_limit_is_fine(session, user):
    task = make_task(session, user, "x" * 200)
    assert len(reload(session, task.id).title) == 200


# --- update -----------------------------------------------------------------------------------


def test_update_task_changes_only_given_fields(session, user):
    task = make_task(session, user, "Old", description="desc", priority="low", tags=["a"], due_date=TODAY)
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"title": "New"})
    stored = reload(session, task.id)
    assert stored.title == "New"
    assert (stored.description, stored.priority, stored.tags, stored.due_date) == (
        "desc",
        "low",
        ["a"],
        TODAY,
    )
    assert stored.completed is False


UPDATE_CASES = [
    ("title", "  Renamed  ", "Renamed"),
    ("description", "more detail", "more detail"),
    ("priority", "high", "high"),
    ("tags", ["#Work", "x"], ["work", "x"]),
    ("tags", [], []),
    ("due_date", "2026-02-03", date(2026, 2, 3)),
    ("due_date", None, None),
    ("recurrence", "weekly", "weekly"),
    ("recurrence", None, None),
]


def test_update_task_each_field(session, user):
    for field, value, expected in UPDATE_CASES:
        task = make_task(
            session, user, "Old", description="d", tags=["keep"], due_date=TODAY, recurrence="daily"
        )
        original = tasks.to_public(reload(session, task.id)).model_dump()
        returned = tasks.update_task(session, user_id=user.id, task_id=task.id, data={field: value})
        assert returned.id == task.id
        stored = tasks.to_public(reload(session, task.id)).model_dump()
        assert stored[field] == expected, (field, value)
        # nothing else but updated_at moved
        for name in ("title", "description", "priority", "tags", "due_date", "recurrence", "completed"):
            if name != field:
                assert stored[name] == original[name], (field, name)


def test_update_task_due_date_none_clears_but_omitted_keeps(session, user):
    task = make_task(session, user, "x", due_date=TODAY)
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"priority": "high"})
    assert reload(session, task.id).due_date == TODAY
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"due_date": None})
    assert reload(session, task.id).due_date is None


def test_update_task_accepts_string_id(session, user):
    task = make_task(session, user, "x")
    tasks.update_task(session, user_id=user.id, task_id=f"  {task.id}  ", data={"title": "y"})
    assert reload(session, task.id).title == "y"


def test_update_task_moves_updated_at_forward(session, user):
    task = make_task(session, user, "x")
    created = reload(session, task.id)
    created_at, updated_at = created.created_at, created.updated_at
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"title": "y"})
    stored = reload(session, task.id)
    assert stored.updated_at > updated_at
    assert stored.created_at == created_at


def test_update_task_completed_flag_sets_and_clears_completed_at(session, user):
    task = make_task(session, user, "x")
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"completed": True})
    done = reload(session, task.id)
    assert done.completed is True
    first_completed_at = done.completed_at
    assert first_completed_at is not None
    # completing again keeps the first completion time
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"completed": True})
    assert reload(session, task.id).completed_at == first_completed_at
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"completed": False})
    reopened = reload(session, task.id)
    assert reopened.completed is False
    assert reopened.completed_at is None


def test_update_task_null_for_required_field_is_rejected(session, user):
    task = make_task(session, user, "x", tags=["a"], description="d")
    for field in ("title", "priority", "tags", "description"):
        with pytest.raises(InvalidInputError, match=f"{field} can't be empty"):
            tasks.update_task(session, user_id=user.id, task_id=task.id, data={field: None})
    stored = reload(session, task.id)
    assert (stored.title, stored.priority, stored.tags, stored.description) == ("x", "medium", ["a"], "d")
    assert op_count(session) == 1


INVALID_UPDATE = [
    ({"title": ""}, "Title can't be empty"),
    ({"priority": "urgent"}, "priority"),
    ({"due_date": "soon"}, "due_date"),
    ({"tags": ["bad tag!"]}, "may only hold"),
    ({"completed": "maybe"}, "completed"),
    ({"id": str(uuid.uuid4())}, "is not a known field"),
    ({"user_id": str(uuid.uuid4())}, "is not a known field"),
]


def test_update_task_invalid_input_changes_nothing(session, user):
    task = make_task(session, user, "x")
    for data, match in INVALID_UPDATE:
        with pytest.raises(InvalidInputError, match=match):
            tasks.update_task(session, user_id=user.id, task_id=task.id, data=data)
    stored = reload(session, task.id)
    assert (
        stored.title,
        stored.priority,
        stored.due_date,
        stored.tags,
        stored.user_id,
        stored.completed,
    ) == (
        "x",
        "medium",
        None,
        [],
        user.id,
        False,
    )
    assert op_count(session) == 1


# --- complete, reopen, delete -----------------------------------------------------------------


def test_complete_task_sets_completed_at(session, user):
    task = make_task(session, user, "x")
    returned = tasks.complete_task(session, user_id=user.id, task_id=task.id, today=TODAY)
    assert returned.id == task.id
    stored = reload(session, task.id)
    assert stored.completed is True
    assert stored.completed_at is not None
    assert stored.updated_at >= stored.created_at


def test_completing_a_task_without_reminders_touches_no_reminder_rows_and_with_them_removes_its_own(
    session, user
):
    plain = make_task(session, user, "plain")
    due = (datetime.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    reminded = make_task(session, user, "reminded", reminders=[{"at": due.strftime("%Y-%m-%dT%H:%M")}])
    session.flush()
    pending = lambda: session.exec(select(Reminder).where(Reminder.status == "pending")).all()  # noqa: E731
    assert [r.task_id for r in pending()] == [reminded.id]
    with statements_run(session.get_bind()) as run:
        tasks.complete_task(session, user_id=user.id, task_id=plain.id, today=TODAY)
        session.flush()
    on_reminders = [s for s in run if re.search(r"\b(from|into|update)\s+reminders\b", s, re.I)]
    assert run
    assert on_reminders == []  # none to remove: each write's sync removed them
    tasks.complete_task(session, user_id=user.id, task_id=reminded.id, today=TODAY)
    session.flush()
    assert pending() == []


def test_complete_task_already_done_keeps_completed_at(session, user):
    task = make_task(session, user, "x", completed=True)
    first = reload(session, task.id).completed_at
    tasks.complete_task(session, user_id=user.id, task_id=task.id, today=TODAY)
    assert reload(session, task.id).completed_at == first


def test_reopen_task_clears_completed_at(session, user):
    task = make_task(session, user, "x")
    tasks.complete_task(session, user_id=user.id, task_id=task.id, today=TODAY)
    tasks.reopen_task(session, user_id=user.id, task_id=task.id)
    stored = reload(session, task.id)
    assert stored.completed is False
    assert stored.completed_at is None


def test_reopen_task_pending_stays_pending(session, user):
    task = make_task(session, user, "x")
    tasks.reopen_task(session, user_id=user.id, task_id=task.id)
    assert reload(session, task.id).completed is False


def test_delete_task_removes_only_that_task(session, user):
    keep = make_task(session, user, "keep")
    gone = make_task(session, user, "gone")
    returned = tasks.delete_task(session, user_id=user.id, task_id=str(gone.id))
    assert returned.id == gone.id
    assert reload(session, gone.id) is None
    assert reload(session, keep.id) is not None
    with pytest.raises(NotFoundError, match=r"Task not found\."):
        tasks.get_task(session, user_id=user.id, task_id=gone.id)
    with pytest.raises(NotFoundError, match=r"Task not found\."):
        tasks.delete_task(session, user_id=user.id, task_id=gone.id)


def test_bulk_complete_completes_all(session, user):
    a, b, c = (make_task(session, user, n) for n in "abc")
    done = tasks.bulk_complete(session, user_id=user.id, task_ids=[a.id, str(c.id)], today=TODAY)
    assert [t.id for t in done] == [a.id, c.id]
    assert reload(session, a.id).completed is True
    assert reload(session, b.id).completed is False
    assert reload(session, c.id).completed_at is not None


def test_bulk_complete_unknown_id_changes_nothing(session, user, other):
    a = make_task(session, user, "a", recurrence="daily", due_date=TODAY)
    b = make_task(session, user, "b")
    foreign = make_task(session, other, "theirs")
    ops = op_count(session)
    for bad_id in (uuid.uuid4(), foreign.id, "not-a-uuid"):
        with pytest.raises(NotFoundError, match=r"Task not found\."):
            tasks.bulk_complete(session, user_id=user.id, task_ids=[a.id, b.id, bad_id], today=TODAY)
    assert reload(session, a.id).completed is False
    assert reload(session, b.id).completed is False
    assert reload(session, foreign.id).completed is False
    assert titles(session, user) == ["b", "a"]  # no next occurrence either
    assert op_count(session) == ops


def test_bulk_delete_deletes_all(session, user):
    a, b, c = (make_task(session, user, n) for n in "abc")
    deleted = tasks.bulk_delete(session, user_id=user.id, task_ids=[a.id, c.id])
    assert [t.id for t in deleted] == [a.id, c.id]
    assert titles(session, user) == ["b"]
    assert reload(session, b.id) is not None


def test_bulk_delete_unknown_id_changes_nothing(session, user, other):
    a = make_task(session, user, "a")
    b = make_task(session, user, "b")
    foreign = make_task(session, other, "theirs")
    ops = op_count(session)
    for bad_id in (uuid.uuid4(), foreign.id, "not-a-uuid"):
        with pytest.raises(NotFoundError, match=r"Task not found\."):
            tasks.bulk_delete(session, user_id=user.id, task_ids=[a.id, b.id, bad_id])
    assert titles(session, user) == ["b", "a"]
    assert reload(session, foreign.id) is not None
    assert op_count(session) == ops


def test_bulk_operations_ignore_repeated_ids(session, user):
    a = make_task(session, user, "a")
    b = make_task(session, user, "b")
    done = tasks.bulk_complete(session, user_id=user.id, task_ids=[a.id, str(a.id), b.id], today=TODAY)
    assert [t.id for t in done] == [a.id, b.id]
    deleted = tasks.bulk_delete(session, user_id=user.id, task_ids=[b.id, b.id])
    assert [t.id for t in deleted] == [b.id]
    assert titles(session, user) == ["a"]


def test_bulk_operations_with_no_ids_change_and_journal_nothing(session, user):
    make_task(session, user, "a")
    ops = op_count(session)
    assert tasks.bulk_complete(session, user_id=user.id, task_ids=[], today=TODAY) == []
    assert tasks.bulk_delete(session, user_id=user.id, task_ids=[]) == []
    assert op_count(session) == ops
    assert titles(session, user, status="pending") == ["a"]


# --- recurrence -------------------------------------------------------------------------------


def _occurrences(session, user, title):
    session.flush()
    rows = session.exec(select(Task).where(Task.user_id == user.id, Task.title == title)).all()
    return sorted(rows, key=lambda t: (t.completed is False, t.due_date or date.max))


RECURRING_CASES = [
    ("daily", date(2025, 3, 15), date(2025, 3, 16)),
    ("daily", date(2025, 12, 31), date(2026, 1, 1)),
    ("weekly", date(2025, 3, 15), date(2025, 3, 22)),
    ("weekly", date(2025, 2, 25), date(2025, 3, 4)),
    ("monthly", date(2025, 3, 15), date(2025, 4, 15)),
    ("monthly", date(2025, 1, 31), date(2025, 2, 28)),
    ("monthly", date(2024, 1, 31), date(2024, 2, 29)),
    ("monthly", date(2025, 12, 31), date(2026, 1, 31)),
]


def test_complete_task_recurring_creates_next_occurrence(session, user):
    for i, (recurrence, due, next_date) in enumerate(RECURRING_CASES):
        title = f"Water plants {i}"
        task = make_task(
            session,
            user,
            title,
            description="all of them",
            priority="high",
            tags=["home"],
            due_date=due,
            recurrence=recurrence,
        )
        tasks.complete_task(session, user_id=user.id, task_id=task.id, today=TODAY)
        done, nxt = _occurrences(session, user, title)
        assert done.id == task.id
        assert (done.completed, done.due_date) == (True, due)
        assert nxt.id != task.id
        assert nxt.due_date == next_date, (recurrence, due)
        assert nxt.completed is False
        assert nxt.completed_at is None
        assert (nxt.description, nxt.priority, nxt.tags, nxt.recurrence) == (
            "all of them",
            "high",
            ["home"],
            recurrence,
        )
        assert titles(session, user, status="pending", search=title) == [title]


def test_complete_task_recurring_without_due_date_counts_from_today(session, user):
    cases = {
        "daily": TODAY + timedelta(days=1),
        "weekly": TODAY + timedelta(days=7),
        "monthly": date(2025, 4, 15),
    }
    for recurrence, expected in cases.items():
        task = make_task(session, user, recurrence, recurrence=recurrence)
        tasks.complete_task(session, user_id=user.id, task_id=task.id, today=TODAY)
        done, nxt = _occurrences(session, user, recurrence)
        assert done.due_date is None
        assert nxt.due_date == expected, recurrence


def test_complete_task_not_recurring_creates_nothing(session, user):
    task = make_task(session, user, "once", due_date=TODAY)
    tasks.complete_task(session, user_id=user.id, task_id=task.id, today=TODAY)
    assert len(_occurrences(session, user, "once")) == 1


def test_complete_task_recurring_already_done_creates_nothing(session, user):
    task = make_task(session, user, "r", recurrence="daily", due_date=TODAY)
    tasks.complete_task(session, user_id=user.id, task_id=task.id, today=TODAY)
    tasks.complete_task(session, user_id=user.id, task_id=task.id, today=TODAY)
    assert len(_occurrences(session, user, "r")) == 2


def test_complete_task_next_occurrence_can_be_completed_in_turn(session, user):
    task = make_task(session, user, "r", recurrence="weekly", due_date=date(2025, 3, 1))
    tasks.complete_task(session, user_id=user.id, task_id=task.id, today=TODAY)
    nxt = next(t for t in _occurrences(session, user, "r") if not t.completed)
    tasks.complete_task(session, user_id=user.id, task_id=nxt.id, today=TODAY)
    dues = [t.due_date for t in _occurrences(session, user, "r")]
    assert sorted(dues) == [date(2025, 3, 1), date(2025, 3, 8), date(2025, 3, 15)]


def test_bulk_complete_recurring_creates_one_next_each(session, user):
    a = make_task(session, user, "a", recurrence="daily", due_date=TODAY)
    b = make_task(session, user, "b", recurrence="weekly", due_date=TODAY)
    tasks.bulk_complete(session, user_id=user.id, task_ids=[a.id, b.id, a.id], today=TODAY)
    assert [t.due_date for t in _occurrences(session, user, "a")] == [TODAY, TODAY + timedelta(days=1)]
    assert [t.due_date for t in _occurrences(session, user, "b")] == [TODAY, TODAY + timedelta(days=7)]


@pytest.mark.parametrize(
    ("due", "recurrence", "expected"),
    [
        (date(2025, 1, 1), "daily", date(2025, 1, 2)),
        (date(2025, 2, 28), "daily", date(2025, 3, 1)),
        (date(2024, 2, 28), "daily", date(2024, 2, 29)),
        (date(2025, 12, 31), "daily", date(2026, 1, 1)),
        (date(2025, 1, 1), "weekly", date(2025, 1, 8)),
        (date(2025, 12, 29), "weekly", date(2026, 1, 5)),
        (date(2025, 1, 15), "monthly", date(2025, 2, 15)),
        (date(2025, 1, 31), "monthly", date(2025, 2, 28)),
        (date(2024, 1, 31), "monthly", date(2024, 2, 29)),
        (date(2025, 1, 29), "monthly", date(2025, 2, 28)),
        (date(2025, 3, 31), "monthly", date(2025, 4, 30)),
        (date(2025, 5, 31), "monthly", date(2025, 6, 30)),
        (date(2025, 8, 31), "monthly", date(2025, 9, 30)),
        (date(2025, 12, 31), "monthly", date(2026, 1, 31)),
        (date(2025, 12, 1), "monthly", date(2026, 1, 1)),
        (date(2025, 2, 28), "monthly", date(2025, 3, 28)),
    ],
)
def test_next_due(due, recurrence, expected):
    assert tasks.next_due(due, recurrence) == expected


# --- isolation between users ------------------------------------------------------------------


def _op_get(session, uid, tid):
    return tasks.get_task(session, user_id=uid, task_id=tid)


def _op_update(session, uid, tid):
    return tasks.update_task(session, user_id=uid, task_id=tid, data={"title": "hacked"})


def _op_update_null(session, uid, tid):
    return tasks.update_task(session, user_id=uid, task_id=tid, data={"title": None})


def _op_complete(session, uid, tid):
    return tasks.complete_task(session, user_id=uid, task_id=tid, today=TODAY)


def _op_reopen(session, uid, tid):
    return tasks.reopen_task(session, user_id=uid, task_id=tid)


def _op_delete(session, uid, tid):
    return tasks.delete_task(session, user_id=uid, task_id=tid)


def _op_bulk_complete(session, uid, tid):
    return tasks.bulk_complete(session, user_id=uid, task_ids=[tid], today=TODAY)


def _op_bulk_delete(session, uid, tid):
    return tasks.bulk_delete(session, user_id=uid, task_ids=[tid])


OPERATIONS = [
    _op_get,
    _op_update,
    _op_update_null,
    _op_complete,
    _op_reopen,
    _op_delete,
    _op_bulk_complete,
    _op_bulk_delete,
]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda f: f.__name__.removeprefix("_op_"))
def test_task_ids_of_other_users_behave_like_missing(session, user, other, operation):
    theirs = make_task(session, other, "theirs", recurrence="daily", due_date=TODAY, tags=["secret"])
    mine = make_task(session, user, "mine")
    if operation is _op_reopen:
        tasks.complete_task(session, user_id=other.id, task_id=theirs.id, today=TODAY)
    session.commit()
    before = tasks.to_public(reload(session, theirs.id)).to_json()
    count_before = len(session.exec(select(Task)).all())
    ops_before = op_count(session)
    bad_ids = [
        theirs.id,
        str(theirs.id).upper(),
        uuid.uuid4(),
        str(uuid.uuid4()),
        "not-a-uuid",
        "",
        None,
        12345,
    ]
    for task_id in bad_ids:
        with pytest.raises(NotFoundError) as err:
            operation(session, user.id, task_id)
        assert err.value.message == "Task not found.", task_id
    assert tasks.to_public(reload(session, theirs.id)).to_json() == before
    assert len(session.exec(select(Task)).all()) == count_before
    assert op_count(session) == ops_before
    # the same operation on the user's own task works, and the owner still reaches theirs
    assert tasks.get_task(session, user_id=other.id, task_id=theirs.id).title == "theirs"
    if operation is not _op_update_null:
        operation(session, user.id, mine.id)


def test_list_count_tags_never_show_other_users_tasks(session, user, other):
    make_task(session, user, "mine", tags=["mine"], due_date=TODAY)
    make_task(session, other, "theirs open", tags=["theirs", "shared"], due_date=TODAY, priority="high")
    make_task(session, other, "theirs done", tags=["shared"], completed=True, due_date=TODAY)
    assert titles(session, user) == ["mine"]
    assert titles(session, user, tag="shared") == []
    assert titles(session, user, search="theirs") == []
    assert titles(session, user, priority="high") == []
    assert titles(session, user, due="today") == ["mine"]
    for sort in tasks.SORT_KEYS:
        assert titles(session, user, sort=sort) == ["mine"]
    assert tasks.count_by_status(session, user_id=user.id, today=TODAY) == {
        "all": 1,
        "pending": 1,
        "completed": 0,
    }
    assert tasks.list_tags(session, user_id=user.id) == ["mine"]
    assert tasks.list_tags(session, user_id=other.id) == ["shared", "theirs"]
    assert tasks.count_by_status(session, user_id=other.id)["all"] == 2


def test_bulk_operations_mixing_own_and_foreign_ids_change_nothing(session, user, other):
    mine = make_task(session, user, "mine")
    theirs = make_task(session, other, "theirs")
    with pytest.raises(NotFoundError, match=r"Task not found\."):
        tasks.bulk_complete(session, user_id=user.id, task_ids=[mine.id, theirs.id])
    with pytest.raises(NotFoundError, match=r"Task not found\."):
        tasks.bulk_delete(session, user_id=user.id, task_ids=[mine.id, theirs.id])
    assert reload(session, mine.id).completed is False
    assert reload(session, theirs.id).completed is False


def test_complete_reopen_complete_makes_one_next_occurrence(session, user):
    """A slip of the finger (complete, reopen, complete) leaves the series with one next occurrence."""
    weekly = make_task(session, user, "water plants", recurrence="weekly", due_date=TODAY)
    tasks.complete_task(session, user_id=user.id, task_id=weekly.id, today=TODAY)
    tasks.reopen_task(session, user_id=user.id, task_id=weekly.id)
    tasks.complete_task(session, user_id=user.id, task_id=weekly.id, today=TODAY)
    due = session.exec(select(Task.due_date).where(Task.user_id == user.id).order_by(Task.due_date)).all()
    assert list(due) == [TODAY, TODAY + timedelta(weeks=1)]
    # undo of the second complete reopens the task and leaves the series' next occurrence alone
    tasks.undo_last(session, user_id=user.id)
    assert reload(session, weekly.id).completed is False
    assert len(titles(session, user)) == 2


def _journal_id(session, task_id) -> uuid.UUID:
    return session.exec(
        select(TaskOperation.id)
        .where(TaskOperation.undo_state.is_not(None))  # type: ignore[union-attr]
        .order_by(TaskOperation.created_at.desc(), TaskOperation.id.desc())  # type: ignore[attr-defined]
    ).first()


def test_undo_field_change_newest_reverts_the_whole_change(session, user):
    task = make_task(session, user, "Pay rent", priority="low")
    tasks.update_task(
        session, user_id=user.id, task_id=task.id, data={"title": "Pay the rent", "priority": "high"}
    )
    session.commit()
    op_id = _journal_id(session, task.id)
    tasks.undo_field_change(
        session, user_id=user.id, task_id=task.id, operation_id=op_id, field="title", origin=PAGE
    )
    session.commit()
    again = reload(session, task.id)
    assert (again.title, again.priority) == ("Pay rent", "low")


def test_undo_field_change_of_an_older_change_reverts_only_that_field(session, user):
    task = make_task(session, user, "Pay rent", priority="low")
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"title": "Pay the rent"})
    session.commit()
    older = _journal_id(session, task.id)
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"priority": "high"})
    session.commit()
    tasks.undo_field_change(
        session, user_id=user.id, task_id=task.id, operation_id=older, field="title", origin=PAGE
    )
    session.commit()
    again = reload(session, task.id)
    assert (again.title, again.priority) == ("Pay rent", "high")  # the newer change stays
    with pytest.raises(NotFoundError, match="That change was not found"):
        tasks.undo_field_change(
            session, user_id=user.id, task_id=task.id, operation_id=older, field="no_such_field", origin=PAGE
        )


def test_undo_field_change_of_another_persons_change_is_not_found(session, user, other):
    task = make_task(session, user, "Pay rent")
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"title": "Pay the rent"})
    session.commit()
    op_id = _journal_id(session, task.id)
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"priority": "high"})
    session.commit()
    with pytest.raises(NotFoundError):
        tasks.undo_field_change(
            session, user_id=other.id, task_id=task.id, operation_id=op_id, field="title", origin=PAGE
        )
    assert reload(session, task.id).title == "Pay the rent"


def test_a_filter_built_once_takes_each_calls_own_values(session, user, other):
    """The statements are built once per set of filters (issue 19) and every call binds its own
    person, words, dates and page: nothing of one call's values stays in the next."""
    make_task(session, user, "buy milk", due_date=TODAY)
    make_task(session, user, "buy bread", due_date=TODAY + timedelta(days=1))
    make_task(session, other, "buy milk for bob", due_date=TODAY + timedelta(days=1))
    for built in (tasks._filtered, tasks._listing, tasks._counting):
        built.cache_clear()
    assert titles(session, user, search="milk") == ["buy milk"]
    assert titles(session, user, search="bread") == ["buy bread"]
    assert titles(session, other, search="milk") == ["buy milk for bob"]
    assert titles(session, user, due="today") == ["buy milk"]
    assert titles(session, user, due="tomorrow") == ["buy bread"]
    assert titles(session, user, due="tomorrow", today=TODAY - timedelta(days=1)) == ["buy milk"]
    assert titles(session, user, sort="title", limit=1) == ["buy bread"]
    assert titles(session, user, sort="title", limit=1, offset=1) == ["buy milk"]
    assert tasks._filtered.cache_info().misses == 3  # search, due on a day, none
    assert tasks._listing.cache_info().misses == 4  # and the two pagings of the last
    counts = tasks.count_by_status(session, user_id=user.id, query=TaskQuery(due="today"), today=TODAY)
    theirs = tasks.count_by_status(session, user_id=other.id, query=TaskQuery(due="today"), today=TODAY)
    assert (counts["pending"], theirs["pending"]) == (1, 0)
