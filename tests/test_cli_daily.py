"""The CLI's daily-loop fields (issue 17): ``tasks add --due-time/--remind/--parent`` and ``tasks list
--json`` with ``due_time``, local ``reminders`` and the ``parent`` title; bad input is one line, exit 1.
Runs in-process on SQLite and PostgreSQL (``app_db``)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.models import Task
from app.services import clock
from tests.utils.cli import run_cli

EMAIL = "daily@example.com"


@pytest.fixture
def person(app_db, capsys) -> str:
    code, _, err = run_cli(
        ["user", "create", "--email", EMAIL, "--password", "password123", "--tz", "Pacific/Kiritimati"],
        capsys,
    )
    assert code == 0, err
    return EMAIL


def add(capsys, *args: str) -> tuple[int, str, str]:
    return run_cli(["tasks", "add", "--user", EMAIL, *args], capsys)


def listed(capsys) -> dict[str, dict]:
    code, out, err = run_cli(["tasks", "list", "--user", EMAIL, "--json"], capsys)
    assert code == 0, err
    return {t["title"]: t for t in json.loads(out)}


def test_cli_tasks_add_due_time_reminders_and_parent(app_db, capsys, person):
    day = (clock.today_in("Pacific/Kiritimati") + timedelta(days=1)).isoformat()
    code, _, err = add(
        capsys, "--title", "Party", "--due", day, "--due-time", "18:30",
        "--remind", f"{day}T17:00", "--remind", f"{day}T08:15",
    )  # fmt: skip
    assert code == 0, err
    assert add(capsys, "--title", "Order cake", "--parent", "party")[0] == 0
    tasks = listed(capsys)
    party, cake = tasks["Party"], tasks["Order cake"]
    assert (party["due_date"], party["due_time"], party["parent"]) == (day, "18:30", None)
    assert party["reminders"] == [f"{day}T08:15", f"{day}T17:00"]
    assert (cake["parent"], cake["due_time"], cake["reminders"]) == ("Party", None, [])


def test_cli_tasks_add_due_time_alone_is_today_in_the_users_zone(app_db, capsys, person):
    assert add(capsys, "--title", "Stretch", "--due-time", "07:00")[0] == 0
    task = listed(capsys)["Stretch"]
    assert (task["due_date"], task["due_time"]) == (clock.today_in("Pacific/Kiritimati").isoformat(), "07:00")


def test_cli_tasks_list_text_shows_the_time(app_db, capsys, person):
    add(capsys, "--title", "Call", "--due", "2030-01-02", "--due-time", "09:05")
    code, out, _ = run_cli(["tasks", "list", "--user", EMAIL], capsys)
    assert code == 0
    assert "Call (due 2030-01-02 09:05)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--due-time", "25:00"], "is not a time"),
        (["--due-time", "5pm"], "is not a time"),
        (["--remind", "tomorrow"], "is not a reminder time"),
        (["--parent", "no such task"], "No task titled 'no such task'"),
    ],
)
def test_cli_tasks_add_refuses_bad_input_in_one_line(app_db, capsys, person, args, message):
    code, out, err = add(capsys, "--title", "Bad", *args)
    assert (code, out) == (1, "")
    assert message in err
    assert len(err.strip().splitlines()) == 1
    with Session(app_db) as session:
        assert session.exec(select(Task).where(Task.title == "Bad")).first() is None


def test_cli_tasks_add_parent_title_shared_by_two_tasks_is_refused(app_db, capsys, person):
    add(capsys, "--title", "Twin")
    add(capsys, "--title", "twin")
    code, _, err = add(capsys, "--title", "Child", "--parent", "TWIN")
    assert code == 1
    assert "2 tasks are titled 'TWIN'" in err


def test_cli_import_previews_then_writes_and_refuses_a_missing_file(app_db, capsys, person, tmp_path):
    """``import --user E FILE``: ``--dry-run`` writes nothing; then the tasks land in the file's
    project with their subtasks; a missing file is one line and exit 1."""
    from pathlib import Path

    fixture = Path(__file__).parent / "services" / "fixtures" / "Home [2203306141].csv"
    code, out, err = run_cli(["import", "--user", EMAIL, str(fixture), "--dry-run"], capsys)
    assert code == 0, err
    assert out.startswith("Would import 9 tasks")
    assert listed(capsys) == {}
    code, out, err = run_cli(["import", "--user", EMAIL, str(fixture)], capsys)
    assert code == 0, err
    tasks = listed(capsys)
    assert len(tasks) == 9
    assert tasks["Order cake"]["parent"] == "Plan the party"
    assert tasks["Order cake"]["project"] == "Home"
    code, out, err = run_cli(["import", "--user", EMAIL, str(tmp_path / "nope.csv")], capsys)
    assert (code, out) == (1, "")
    assert err.strip() == f"error: Can't read {tmp_path / 'nope.csv'}: no such file."
