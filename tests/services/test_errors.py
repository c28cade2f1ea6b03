"""Validation errors in words: the form fields people fill in get whole sentences, the rest
keeps the ``field: problem`` form the API and the agent's tool errors rely on."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from app.models import UserCreate
from app.services.errors import describe_validation_error, invalid
from app.services.preferences import ChatPreferencesUpdate


def _describe(model: type[BaseModel], **values: Any) -> str:
    with pytest.raises(ValidationError) as info:
        model.model_validate(values)
    return describe_validation_error(info.value)


GOOD = {"email": "ann@example.com", "password": "password123"}
EMAIL = "Enter a valid email address, like name@example.com."
SHORT = "Use at least 8 characters for your password."


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({**GOOD, "password": "short"}, SHORT),
        ({**GOOD, "password": "x" * 129}, "Use at most 128 characters for your password."),
        ({**GOOD, "password": None}, "Enter a password."),
        ({**GOOD, "email": "not-an-email"}, EMAIL),
        ({**GOOD, "email": "a" * 321}, "That email address is too long: use at most 320 characters."),
        ({"password": "password123"}, "Enter your email address."),
        ({**GOOD, "name": "n" * 101}, "Use at most 100 characters for your name."),
        ({"email": "not-an-email", "password": "short"}, f"{EMAIL} {SHORT}"),
    ],
)
def test_sign_up_problems_are_sentences(values: dict[str, Any], expected: str) -> None:
    message = _describe(UserCreate, **values)
    assert message == expected
    assert "password:" not in message
    assert "email:" not in message


def test_settings_choice_is_a_sentence() -> None:
    expected = "Keep chats for 30, 90 or 365 days, or forever."
    assert _describe(ChatPreferencesUpdate, retention_days=7) == expected


class _Api(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    password: int = 0


def test_other_problems_keep_naming_their_field() -> None:
    assert _describe(_Api, title="x", colour="red") == "colour: is not a known field"
    assert _describe(_Api, title=5).startswith("title: Input should be a valid string")
    # A sentence is chosen by field and kind together: another problem with "password" is not one.
    assert _describe(_Api, title="x", password="abc").startswith("password: Input should be a valid integer")
    mixed = _describe(_Api, title=5, colour="red")
    assert mixed.startswith("title: ")
    assert mixed.endswith("; colour: is not a known field")


def test_invalid_wraps_the_same_message() -> None:
    with pytest.raises(ValidationError) as info:
        UserCreate(email="ann@example.com", password="short")
    error = invalid(info.value)
    assert error.code == "invalid"
    assert error.message == SHORT
