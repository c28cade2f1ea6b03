"""Model validation gives clear messages, never stack traces."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from app.models import TaskCreate, TaskUpdate, UserCreate
from app.models.task import normalize_tags
from app.services.errors import describe_validation_error


def _message(model, **data) -> str:
    with pytest.raises(ValidationError) as info:
        model(**data)
    return describe_validation_error(info.value)


def test_task_create_defaults():
    task = TaskCreate(title="  Buy   milk ")
    assert task.title == "Buy milk"
    assert task.priority == "medium"
    assert task.tags == []
    assert task.due_date is None
    assert task.recurrence is None


def test_task_create_rejects_empty_and_long_titles():
    assert "Title can't be empty" in _message(TaskCreate, title="   ")
    assert "at most 200" in _message(TaskCreate, title="x" * 201)
    assert TaskCreate(title="x" * 200).title == "x" * 200


def test_task_create_rejects_bad_priority_recurrence_and_date():
    assert "priority" in _message(TaskCreate, title="a", priority="urgent")
    assert "recurrence" in _message(TaskCreate, title="a", recurrence="yearly")
    assert "due_date" in _message(TaskCreate, title="a", due_date="31/12/2026")


def test_task_create_rejects_unknown_field():
    assert "colour: is not a known field" in _message(TaskCreate, title="a", colour="red")


def test_tags_are_normalised():
    assert normalize_tags(["#Work", "work", " Home ", ""]) == ["work", "home"]
    assert normalize_tags("a, b c") == ["a", "b", "c"]
    assert TaskCreate(title="a", tags=["#Travel"]).tags == ["travel"]


def test_tags_limits():
    assert "at most 20 tags" in _message(TaskCreate, title="a", tags=[f"t{i}" for i in range(21)])
    assert "too long" in _message(TaskCreate, title="a", tags=["x" * 33])
    assert "may only hold" in _message(TaskCreate, title="a", tags=["<script>"])


def test_task_update_keeps_only_given_fields():
    update = TaskUpdate(due_date=None)
    assert update.model_dump(exclude_unset=True) == {"due_date": None}
    assert TaskUpdate(due_date="2027-01-15").due_date == date(2027, 1, 15)


def test_user_create_validation_messages():
    assert "valid email" in _message(UserCreate, email="not-an-email", password="password123")
    assert "at least 8 characters" in _message(UserCreate, email="a@example.com", password="short")
    assert UserCreate(email=" Ann@Example.COM ", password="password123").email == "ann@example.com"
    assert UserCreate(email="ann@intranet", password="password123").email == "ann@intranet"
