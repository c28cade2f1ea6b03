"""The small scripts page states send with their answers, run in Chromium on a bare page: an answer
can arrive late (a busy server), after the person has typed on or gone to another page, and must
not undo what they did meanwhile."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from app import routes
from app.states.address import replace_address, replace_address_script
from app.states.fields import clear_if_still, clear_if_still_script
from tests.states.tab import scripts

ORIGIN = "http://ticked.test"


@pytest.fixture
def bare(browser: Browser) -> Iterator[Page]:
    """A page on a made-up origin whose every path is an empty document (real paths, no server)."""
    page = browser.new_page()
    page.route(f"{ORIGIN}/**", lambda route: route.fulfill(body="<!doctype html><title></title>"))
    try:
        yield page
    finally:
        page.close()


def test_the_events_run_the_scripts():
    assert scripts([clear_if_still("f", " x ")]) == [clear_if_still_script("f", "x")]
    assert scripts(replace_address("/tasks?view=today")) == [replace_address_script("/tasks?view=today")]


@pytest.mark.e2e
def test_clears_what_was_sent_and_keeps_what_is_typed_meanwhile(bare: Page):
    bare.set_content('<input id="f" aria-label="Add subtask"><input id="g" aria-label="Other">')
    field = bare.get_by_label("Add subtask")
    field.fill("Buy candles")  # typed after "Order cake" was sent, before its answer came
    bare.evaluate(clear_if_still_script("f", "Order cake"))
    assert field.input_value() == "Buy candles"
    bare.evaluate(clear_if_still_script("f", "Buy candles "))  # the form's value, spaces aside
    assert field.input_value() == ""
    tricky = "'); document.title = 'x'; ('\" </script>"
    field.fill(tricky)
    bare.evaluate(clear_if_still_script("f", "other"))
    assert field.input_value() == tricky
    bare.evaluate(clear_if_still_script("f", tricky))
    assert field.input_value() == ""
    assert bare.title() == ""
    bare.get_by_label("Other").fill("kept")
    bare.evaluate(clear_if_still_script("missing", "kept"))  # no such field: nothing happens
    assert bare.get_by_label("Other").input_value() == "kept"


@pytest.mark.e2e
def test_the_address_follows_the_page_it_is_for_and_no_other(bare: Page):
    bare.goto(f"{ORIGIN}/tasks")
    bare.evaluate("window.history.replaceState({ idx: 3, key: 'k' }, '')")  # the router's entry
    filtered = routes.page_url(routes.TASKS, view="today", q='it\'s "ok"')
    bare.evaluate(replace_address_script(filtered))
    assert bare.url == ORIGIN + filtered
    assert bare.evaluate("window.history.state") == {"idx": 3, "key": "k"}  # back and forward still work
    # The chat's late answer, once the person is on the task page: the address stays the task page's.
    bare.evaluate(replace_address_script("/?thread=abc"))
    assert bare.url == ORIGIN + filtered
    bare.goto(f"{ORIGIN}/")
    bare.evaluate(replace_address_script("/?thread=abc"))
    assert bare.url == f"{ORIGIN}/?thread=abc"
    bare.evaluate(replace_address_script("/tasks"))
    assert bare.url == f"{ORIGIN}/?thread=abc"
    bare.goto(f"{ORIGIN}/tasks/")  # a trailing slash is the same page
    bare.evaluate(replace_address_script("/tasks?view=upcoming"))
    assert bare.url == f"{ORIGIN}/tasks?view=upcoming"
