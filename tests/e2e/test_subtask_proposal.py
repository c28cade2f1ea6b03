"""Issue 17 in real Chromium: a model's proposed subtasks arrive as a card of labelled fields; the
person edits one, clears one, types one more and chooses "Add these"; the task page then shows exactly
those subtasks under the task. The turn is the OpenAI backend (the real SDK, the scripted server),
run in this process on the app's database; the page shows and acts on what it stored."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.utils.browser import create_account, last_reply, open_signed_in
from tests.utils.fake_openai import fake_openai

SHOTS = Path("/tmp/h/shots/subtask-proposal")


def _propose_in_process(email: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.core.config import get_settings
    from app.core.db import session_scope
    from app.orchestration.runner import run_turn
    from app.services import auth
    from app.services import tasks as task_service

    with session_scope() as session:
        user = auth.get_user_by_email(session, email=email)
        assert user is not None
        user_id = user.id
        task_service.create_task(session, user_id=user_id, data={"title": "Plan the party"})
    with fake_openai() as model:
        for name, value in {
            "AGENT_BACKEND": "openai",
            "OPENAI_API_KEY": "test-key",
            "OPENAI_BASE_URL": model.base_url,
            "OPENAI_MODEL": "fake-model",
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        try:
            args = {"parent_id": "plan the party", "titles": ["Invite friends", "Order cake", "Book a venue"]}
            model.script = [
                {"tool_calls": [{"name": "propose_subtasks", "arguments": json.dumps(args)}]},
                {"text": "Here's a plan for “Plan the party”: edit it on the card, then add it."},
            ]
            assert run_turn(user_id=user_id, text="break down plan the party").status == "completed"
        finally:
            monkeypatch.undo()  # the browser's server never saw these: only this process's turn
            get_settings.cache_clear()


def test_proposed_subtasks_are_edited_on_the_card_and_added(page: Page, app_url: str, monkeypatch):
    email, token = create_account()
    _propose_in_process(email, monkeypatch)
    open_signed_in(page, app_url, token)
    card = last_reply(page).get_by_role("group")
    expect(card).to_contain_text("Add these subtasks to “Plan the party”?")
    expect(card.get_by_label("Subtask 1", exact=True)).to_have_value("Invite friends")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "proposal-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "proposal-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 720})
    card.get_by_label("Subtask 1", exact=True).fill("Invite the neighbours")
    card.get_by_label("Subtask 2", exact=True).fill("")
    card.get_by_label("Subtask 4 (optional)").fill("Buy balloons")
    card.get_by_role("button", name=re.compile(r"^Add these")).click()
    expect(card).to_contain_text("Added 3 subtasks.")
    expect(card.get_by_role("button", name=re.compile(r"^Add these"))).to_have_count(0)
    expect(card.get_by_role("button", name="Undo")).to_be_visible()
    page.screenshot(path=str(SHOTS / "added-1280.png"), full_page=True)

    page.goto(f"{app_url}/tasks?view=open")
    page.get_by_role("button", name="Open Plan the party").click()
    subtasks = page.get_by_role("dialog", name="Task details").get_by_role("list", name="Subtasks")
    expect(subtasks.get_by_role("listitem")).to_have_count(3)
    for title in ("Invite the neighbours", "Book a venue", "Buy balloons"):
        expect(subtasks).to_contain_text(title)
    expect(subtasks).not_to_contain_text("Order cake")
