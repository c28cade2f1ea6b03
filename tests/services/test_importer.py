"""Imports: Todoist's CSV export and Ticked's own export, previewed then written in one go, on
SQLite and PostgreSQL. ``fixtures/Home [2203306141].csv`` follows Todoist's documented CSV format
(TYPE, CONTENT, DESCRIPTION, PRIORITY, INDENT, AUTHOR, RESPONSIBLE, DATE, DATE_LANG, TIMEZONE,
DURATION, DURATION_UNIT, DEADLINE, DEADLINE_LANG; PRIORITY 4 is p1)."""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from app.core.db import session_scope
from app.models import Project, Task, TaskOperation, User
from app.orchestration import importing
from app.services import account, importer, projects, tasks
from app.services.clock import user_today
from app.services.errors import InvalidInputError
from tests.utils.factories import quick_user

SAMPLE = Path(__file__).parent / "fixtures" / "Home [2203306141].csv"
HEADER = "TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE\n"


def count(session, user) -> int:
    return len(tasks.list_tasks(session, user_id=user.id))


def preview(session, user, data: bytes, filename: str = "Home.csv", **kw) -> importer.ImportPlan:
    return importer.preview(
        session, user_id=user.id, data=data, filename=filename, read_date=importing.read_date, **kw
    )


def test_todoist_csv_preview_then_import(session, user):
    today = user_today(session, user_id=user.id)
    plan = preview(session, user, SAMPLE.read_bytes(), filename=SAMPLE.name)
    assert plan.project == "Home"  # the file's name, without Todoist's id
    assert not plan.project_exists
    counts = plan.counts()
    assert counts["tasks"] == 9
    assert counts["subtasks"] == 4
    assert counts["recurring"] == 2
    assert [i.why for i in plan.skipped] == ["the task has no title"]
    kept = {i.where: i.why for i in plan.kept}
    assert "read as weekly" in kept["line 11"]
    assert kept["line 12"] == "not understood"
    assert "level-3" in kept["line 10"]
    assert any("unassigned" in n for n in plan.notes)
    first = plan.first_rows()[2]
    assert first["title"] == "Plan the party"
    assert first["due"].endswith(" 17:00")
    assert first["tags"] == "next-week"
    assert count(session, user) == 0  # a preview writes nothing

    report = importer.apply(session, user_id=user.id, plan=plan)
    assert report.created == 9
    assert report.projects_created == ["Home"]
    by_title = {t.title: t for t in tasks.list_tasks(session, user_id=user.id)}
    home = session.exec(select(Project).where(Project.name == "Home")).one()
    assert {t.project_id for t in by_title.values()} == {home.id}
    rent = by_title["Pay rent"]
    assert (rent.priority, rent.tags, rent.due_date) == ("high", ["bills"], date(2026, 12, 24))
    assert "IBAN is in the lease" in rent.description  # the note under it
    assert by_title["Water the plants"].recurrence == "daily"
    assert by_title["Water the plants"].due_date == today
    party = by_title["Plan the party"]
    assert (party.due_date, party.due_time, party.priority) == (date(2026, 12, 24), time(17, 0), "high")
    assert by_title["Invite friends"].parent_id == party.id
    assert by_title["Invite friends"].due_date == today + timedelta(days=1)
    assert by_title["Write the list"].parent_id == by_title["Invite friends"].id
    assert by_title["Ask about allergies"].parent_id == by_title["Invite friends"].id  # 4 deep -> level 3
    assert by_title["Order cake"].parent_id == party.id
    assert "Todoist date: every 2 weeks" in by_title["Order cake"].description
    assert by_title["Call the venue"].due_date is None
    assert "Todoist date: the first workday of 2027" in by_title["Call the venue"].description
    assert by_title["Renew passport"].due_date == date(2027, 1, 15)
    sources = session.exec(select(TaskOperation.source).where(TaskOperation.user_id == user.id)).all()
    assert set(sources) == {"import"}
    assert "Imported 9 tasks (4 subtasks) into Home" in report.summary()


def test_todoist_priorities_labels_and_an_existing_project(session, user):
    projects.create_project(session, user_id=user.id, name="Errands")
    csv = HEADER + "\n".join(f"task,p{5 - n} task @Shop @two words,,{n},1,,,,en," for n in (4, 3, 2, 1))
    plan = preview(session, user, csv.encode(), filename="whatever.csv", project="errands")
    assert plan.project == "Errands"
    assert plan.project_exists
    importer.apply(session, user_id=user.id, plan=plan)
    found = {t.title: (t.priority, t.tags) for t in tasks.list_tasks(session, user_id=user.id)}
    assert found == {
        "p1 task words": ("high", ["shop", "two"]),
        "p2 task words": ("high", ["shop", "two"]),
        "p3 task words": ("medium", ["shop", "two"]),
        "p4 task words": ("medium", ["shop", "two"]),
    }
    assert (
        session.exec(select(func.count()).select_from(Project).where(Project.owner_id == user.id)).one() == 2
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"name,when\nmilk,today\n", "not a Todoist CSV"),
        ((HEADER + "section,Only a section,,,,,,,,\n").encode(), "no tasks"),
        (b'{"format": "something-else"}', "not a Ticked export"),
        (b'{"format": "ticked-export", "version": 1, "tasks": []}', "version 1"),
        (b"{not json", "not valid JSON"),
    ],
)
def test_bad_files_are_refused_clearly_and_nothing_is_written(session, user, data, message):
    with pytest.raises(InvalidInputError, match=message):
        preview(session, user, data, filename="x.json" if data.startswith(b"{") else "x.csv")
    assert count(session, user) == 0


def test_size_and_row_limits(session, user, monkeypatch):
    monkeypatch.setattr(importer, "MAX_BYTES", 100)
    with pytest.raises(InvalidInputError, match="too large"):
        preview(session, user, (HEADER + "task,a,,1,1,,,,en,\n" * 10).encode())
    monkeypatch.setattr(importer, "MAX_BYTES", 10_000)
    monkeypatch.setattr(importer, "MAX_TASKS", 3)
    with pytest.raises(InvalidInputError, match="more than 3 tasks"):
        preview(session, user, (HEADER + "task,a,,1,1,,,,en,\n" * 4).encode())
    assert count(session, user) == 0


def test_a_failure_while_writing_writes_nothing(app_db):
    with session_scope() as session:
        user = quick_user(session)
        plan = importer.preview(session, user_id=user.id, data=SAMPLE.read_bytes(), filename="Home.csv")
        plan.rows[-1].data["priority"] = "urgent"  # invalid only at write time
    with pytest.raises(InvalidInputError), session_scope() as session:
        importer.apply(session, user_id=user.id, plan=plan)
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Task)).one() == 0
        assert session.exec(select(Project).where(Project.name == "Home")).first() is None


def _fill(session, user: User) -> None:
    """An account with projects, subtasks, times, reminders, a done task and a shared project."""
    user.time_zone = "Europe/Paris"
    session.add(user)
    work = projects.create_project(session, user_id=user.id, name="Work", color="teal")
    old = projects.create_project(session, user_id=user.id, name="Old stuff")
    tasks.create_task(session, user_id=user.id, data={"title": "archived one", "project_id": old.id})
    projects.update_project(session, user_id=user.id, project_id=old.id, archived=True)
    report = tasks.create_task(
        session,
        user_id=user.id,
        data={
            "title": "report",
            "project_id": work.id,
            "due_date": "2030-03-01",
            "due_time": "15:00",
            "reminders": [{"before": 30}, {"at": "2030-03-01T08:00"}],
            "priority": "high",
            "tags": ["q1"],
        },
    )
    draft = tasks.create_task(session, user_id=user.id, data={"title": "draft", "parent_id": report.id})
    tasks.create_task(session, user_id=user.id, data={"title": "outline", "parent_id": draft.id})
    tasks.create_task(
        session, user_id=user.id, data={"title": "gym", "due_date": "2030-03-02", "recurrence": "weekly"}
    )
    tasks.create_task(session, user_id=user.id, data={"title": "done thing", "completed": True})
    mate = quick_user(session)
    theirs = projects.create_project(session, user_id=mate.id, name="Theirs")
    projects.share_project(session, user_id=mate.id, project_id=theirs.id, email=user.email)
    tasks.create_task(session, user_id=mate.id, data={"title": "their task", "project_id": theirs.id})


def test_a_ticked_export_restores_into_an_empty_account(session, user):
    _fill(session, user)
    data = json.dumps(account.export(session, user_id=user.id)).encode()
    fresh = quick_user(session)
    plan = preview(session, fresh, data, filename="ticked-data.json")
    assert plan.kind == "ticked"
    assert sorted(p.name for p in plan.projects) == ["Old stuff", "Work"]
    assert [(i.what, "someone else owns" in i.why) for i in plan.skipped] == [("their task", True)]
    assert plan.counts()["tasks"] == 6
    assert count(session, fresh) == 0
    report = importer.apply(session, user_id=fresh.id, plan=plan)
    assert report.created == 6
    restored = {t.title: t for t in tasks.list_tasks(session, user_id=fresh.id)}
    assert set(restored) == {"archived one", "report", "draft", "outline", "gym", "done thing"}
    report_task = restored["report"]
    work = session.get(Project, report_task.project_id)
    assert (work.name, work.color, work.owner_id) == ("Work", "teal", fresh.id)
    assert (report_task.due_time, report_task.priority, report_task.tags) == (time(15, 0), "high", ["q1"])
    assert report_task.reminders == [{"before": 30}, {"at": "2030-03-01T08:00"}]
    assert restored["draft"].parent_id == report_task.id
    assert restored["outline"].parent_id == restored["draft"].id
    assert restored["gym"].recurrence == "weekly"
    assert restored["done thing"].completed
    assert session.get(Project, restored["done thing"].project_id).is_inbox
    assert session.get(Project, restored["archived one"].project_id).archived

    # a second restore (the account is no longer empty) is refused, and writes nothing
    with pytest.raises(InvalidInputError, match="only into an empty account"):
        preview(session, fresh, data, filename="ticked-data.json")
    with pytest.raises(InvalidInputError, match="only into an empty account"):
        importer.apply(session, user_id=fresh.id, plan=plan)
    assert count(session, fresh) == 6


def test_restoring_into_your_own_full_account_is_refused(session, user):
    tasks.create_task(session, user_id=user.id, data={"title": "mine"})
    data = json.dumps(account.export(session, user_id=user.id)).encode()
    with pytest.raises(InvalidInputError, match="1 task and 0 projects"):
        preview(session, user, data, filename="me.json")
    assert session.exec(select(func.count()).select_from(Task).where(col(Task.user_id) == user.id)).one() == 1


def test_read_date_uses_the_apps_grammar():
    today = date(2026, 12, 5)  # a Saturday
    assert importing.read_date("tomorrow", today) == importer.DateReading(due_date=date(2026, 12, 6))
    reading = importing.read_date("Dec 24 5pm", today)
    assert (reading.due_date, reading.due_time, reading.note) == (date(2026, 12, 24), time(17, 0), "")
    weekly = importing.read_date("every monday", today)
    assert (weekly.due_date, weekly.recurrence) == (date(2026, 12, 7), "weekly")
    assert importing.read_date("every day", today).recurrence == "daily"
    assert importing.read_date("2027-01-15", today).due_date == date(2027, 1, 15)
    assert importing.read_date("someday maybe", today).note == "not understood"
    assert importing.clock("5:30 pm") == time(17, 30)
    assert importing.clock("12am") == time(0, 0)
    assert importing.clock("5") is None


def test_run_cli_dry_run_writes_nothing_then_imports(app_db):
    with session_scope() as session:
        user = quick_user(session)
        email = user.email
    text = importing.run_cli(str(SAMPLE), email, dry_run=True)
    assert "Would import 9 tasks" in text
    assert "Nothing was written" in text
    assert "line 13" in text
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Task)).one() == 0
    text = importing.run_cli(str(SAMPLE), email, project="House")
    assert text.startswith("Imported 9 tasks (4 subtasks) into House; 1 skipped")
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Task)).one() == 9
    with pytest.raises(InvalidInputError, match="no such file"):
        importing.run_cli("/nonexistent.csv", email)
