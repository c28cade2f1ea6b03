"""Hostile text everywhere the app shows user text, in real Chromium against the production app.

The corpus (``hostile_corpus.py``) goes in as task titles and tags, thread titles, chat messages and
the assistant's echo of them (markdown replies and widget cards), mostly seeded through the services
into the app's database, and a few typed through the UI (quick add, the chat composer, thread
rename, the sign-in form). Every page is then checked at a phone and a desktop width: nothing ran
(no dialog, no ``window.__pwned``, no page error), nothing was injected (no marked element, no
``on*`` attribute, no script, frame or style from content, no ``javascript:``/``data:``/
``vbscript:`` URL), and the layout held (no horizontal overflow, hostile bidi text contained, the
main controls visible and clickable). Screenshots land in ``/tmp/shots/hostile``.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.conftest import PASSWORD
from tests.security.browser_harness import *  # noqa: F403 - the browser fixtures, registered by import
from tests.security.hostile_corpus import CORPUS, HOSTILE_TAGS, PWN_SELECTOR, SEARCH_PAYLOAD, titles
from tests.utils.server import SharedServer

pytestmark = pytest.mark.e2e

WIDTHS = (390, 1280)
SHOTS = Path("/tmp/shots/hostile")
TURNS_PER_THREAD = 22
"""Turns per seeded chat thread: 44 messages, all on the first page (50)."""
REPLIES_PER_THREAD = 44
"""Assistant messages per seeded "model replies" thread."""
TASK_SPOTS = ("WWWW", "\u0300\u0301\u0302", "invoice", "שלום")
SPOTS = ("xxxxxxxxxx", "\u0300\u0301\u0302", "invoice", "| a |")
"""Tasks and messages worth a screenshot of their own, by a bit of their text."""
PROBLEMS = (
    "pwned", "injected", "handlers", "embeds", "scripts", "styles", "badUrls", "styledContent",
    "fixedContent", "scrollers", "outside", "remoteImages",
)  # fmt: skip
"""What ``_PAGE_PROBE`` reports that must be empty (or false) on every page."""

_PAGE_PROBE = """(selector) => {
  const strip = (v) => (v || '').replace(/[\\s\\x00-\\x1f]/g, '').toLowerCase();
  const badUrl = (v) => /^(javascript|vbscript|data):/.test(strip(v));
  const short = (e) => e.outerHTML.slice(0, 160);
  const all = [...document.querySelectorAll('*')];
  const viewport = document.documentElement.clientWidth;
  return {
    pwned: typeof window.__pwned !== 'undefined' || typeof window.pwned !== 'undefined',
    injected: [...document.querySelectorAll(selector)].map(short),
    handlers: all.flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name))
      .map((a) => `${e.tagName} ${a.name}`)),
    embeds: [...document.querySelectorAll(
      'iframe, object, embed, frame, base, body math, link[href*="evil"], meta[http-equiv]'
    )].map(short),
    scripts: [...document.querySelectorAll('body script, svg script')]
      .filter((s) => /alert\\(|__pwned/.test(s.textContent) || badUrl(s.getAttribute('src'))).map(short),
    styles: [...document.querySelectorAll('style')]
      .filter((s) => /evil\\.invalid|display:\\s*none\\s*!important/.test(s.textContent)).length,
    badUrls: all.flatMap((e) => ['href', 'src', 'action', 'formaction', 'xlink:href', 'srcdoc', 'data']
      .filter((n) => e.hasAttribute(n) && badUrl(e.getAttribute(n)))
      .map((n) => `${e.tagName} ${n}=${e.getAttribute(n).slice(0, 60)}`)),
    styledContent: [...document.querySelectorAll(
      '[role=article] [style*="url("], [role=listitem] [style*="url("]'
    )].map(short),
    fixedContent: [...document.querySelectorAll('[role=article] *, [role=listitem] *')]
      .filter((e) => getComputedStyle(e).position === 'fixed').map(short),
    docOverflow: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - viewport,
    scrollers: all.filter((e) => {
      if (['INPUT', 'TEXTAREA', 'SELECT', 'HTML', 'BODY'].includes(e.tagName)) return false;
      if (e.clientWidth === 0) return false;
      const s = getComputedStyle(e);
      return ['auto', 'scroll'].includes(s.overflowX) && e.scrollWidth > e.clientWidth + 1;
    }).map((e) => {
      const edge = e.getBoundingClientRect().right;
      const wide = [...e.querySelectorAll('*')].filter((c) => c.getBoundingClientRect().right > edge + 1);
      const culprit = wide.length ? short(wide[wide.length - 1]) : '';
      const name = `${e.tagName}[${e.getAttribute('role') || e.className}]`;
      return `${name} ${e.scrollWidth}>${e.clientWidth} ${culprit}`;
    }),
    outside: [...document.querySelectorAll(
      '[role=article], [role=listitem], [role=alert], [role=status], [role=alertdialog], h1, button'
    )].filter((e) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && (r.right > viewport + 1 || r.left < -1);
    }).map((e) => {
      const r = e.getBoundingClientRect();
      return `${e.tagName}[${e.getAttribute('role') || ''}] ${Math.round(r.left)}..${Math.round(r.right)}`;
    }),
    markdownLinks: document.querySelectorAll('.ticked-md a').length,
    remoteImages: [...document.querySelectorAll('.ticked-md img')].map(short),
  };
}"""

_STALE_FIELDS = """(log) => [...log.querySelectorAll('[role=group]')].flatMap((card) => {
  const title = card.querySelector('h3');
  const field = card.querySelector('input[name=title]');
  const stale = title && field && field.value !== title.textContent;
  return stale ? [`${title.textContent} != ${field.value}`] : [];
})"""
"""Edit cards whose title field shows something else than the card's own title."""

_GLYPH_ORDER = """(el, word) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(word);
    if (at < 0) continue;
    const box = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                         return r.getBoundingClientRect().left; };
    return box(at) < box(at + word.length - 1) ? 'ltr' : 'rtl';
  }
  return 'missing';
}"""
"""Whether ``word`` shows left to right: under a leaked RLO its letters come out reversed."""


@dataclass
class Seeded:
    email: str
    chat_threads: list[str]
    """Ids of the conversations holding the hostile turns; the last ends with a task list widget, and
    the ones after it hold replies that are the payloads verbatim (markdown a model could write)."""


@dataclass
class Watch:
    """What the page did on its own: JS dialogs (``alert(1)``) and uncaught errors."""

    dialogs: list[str]
    errors: list[str]


@pytest.fixture(scope="module")
def seeded(app_harness: SharedServer) -> Seeded:
    """One user with every hostile string stored, through the services, in the running app's database."""
    from app.core.db import session_scope
    from app.orchestration import runner
    from app.services import auth, messages, tasks, threads

    email = f"hostile-{uuid.uuid4().hex[:10]}@example.com"
    with session_scope() as session:
        user_id = auth.register(session, email=email, password=PASSWORD).id
        for i, hostile in enumerate(titles()):
            tags = [HOSTILE_TAGS[(i + k) % len(HOSTILE_TAGS)] for k in range(3)]
            data = {"title": hostile.text, "tags": tags, "priority": ("low", "medium", "high")[i % 3]}
            tasks.create_task(session, user_id=user_id, data=data)
            threads.create_thread(session, user_id=user_id, title=hostile.text)
        tasks.create_task(session, user_id=user_id, data={"title": "every hostile tag", "tags": HOSTILE_TAGS})
    chat_threads: list[str] = []
    turns = [f"add {h.text}" if h.title else h.text for h in CORPUS]
    for start in range(0, len(turns), TURNS_PER_THREAD):
        thread_id = None
        for text in turns[start : start + TURNS_PER_THREAD]:
            thread_id = runner.run_turn(user_id=user_id, text=text, thread_id=thread_id).thread_id
        chat_threads.append(str(thread_id))
    runner.run_turn(user_id=user_id, text="show my tasks", thread_id=chat_threads[-1])
    with session_scope() as session:
        for start in range(0, len(CORPUS), REPLIES_PER_THREAD):
            thread = threads.create_thread(session, user_id=user_id, title="Model replies")
            for hostile in CORPUS[start : start + REPLIES_PER_THREAD]:
                reply = messages.open_assistant_message(session, user_id=user_id, thread_id=thread.id)
                messages.finish_assistant_message(session, message_id=reply.id, content=hostile.text)
            chat_threads.append(str(thread.id))
    return Seeded(email=email, chat_threads=chat_threads)


@pytest.fixture
def watch(page: Page) -> Iterator[Watch]:
    """Record (and dismiss) every JS dialog and page error from the first navigation on."""
    seen = Watch(dialogs=[], errors=[])

    def on_dialog(dialog) -> None:
        seen.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
    yield seen
    assert seen.dialogs == [], f"a hostile string ran code: {seen.dialogs}"
    assert seen.errors == [], f"the page threw: {seen.errors}"


def sign_in(page: Page, app_url: str, email: str) -> None:
    page.goto(f"{app_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def shoot(page: Page, name: str, *spots: Locator) -> None:
    """A viewport screenshot, then one with each of ``spots`` scrolled into view."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    for i, spot in enumerate(spots):
        if spot.count() == 0:
            continue
        spot.first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"{name}-{i + 1}.png"))


def assert_inert_and_contained(page: Page, where: str, watch: Watch) -> dict:
    """Nothing ran or was injected, and nothing sticks out sideways."""
    page.wait_for_timeout(150)  # let late image errors and effects fire
    found = page.evaluate(_PAGE_PROBE, PWN_SELECTOR)
    problems = {key: found[key] for key in PROBLEMS if found[key]}
    if found["docOverflow"] > 1:
        problems["docOverflow"] = found["docOverflow"]
    assert not watch.dialogs, f"{where}: a dialog fired: {watch.dialogs}"
    assert not problems, f"{where}: {problems}"
    return found


def assert_usable(page: Page, *controls: Locator) -> None:
    """Each control is visible, inside the viewport's width and not covered (a trial click)."""
    width = page.viewport_size["width"]
    for control in controls:
        expect(control).to_be_visible()
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        assert box is not None
        assert box["x"] >= -1, f"{control} sticks out on the left: {box}"
        assert box["x"] + box["width"] <= width + 1, f"{control} sticks out on the right: {box}"
        control.click(trial=True, timeout=5_000)


def show_all(page: Page, name: str) -> None:
    """Press every "Show more"/"Load more" button named ``name`` until none is left."""
    for _ in range(10):
        more = page.get_by_role("button", name=name, exact=True)
        if more.count() == 0:
            return
        with contextlib.suppress(PlaywrightTimeoutError):  # re-rendered under the click: look again
            more.first.click(timeout=3_000)
        page.wait_for_timeout(300)


def test_hostile_tasks_page_stays_inert_and_in_shape(page: Page, app_url: str, seeded: Seeded, watch: Watch):
    sign_in(page, app_url, seeded.email)
    tasks_list = page.get_by_role("list", name="Tasks")
    controls = (
        page.get_by_role("textbox", name="New task", exact=True),
        page.get_by_role("button", name="Add", exact=True),
    )
    filters = urlencode(
        {"status": "pending", "priority": "high", "tag": "שלום", "q": SEARCH_PAYLOAD, "sort": "title"}
    )
    # The whole list, opened once and looked at in both widths (the layout follows the window).
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    page.goto(f"{app_url}/tasks")
    expect(tasks_list.get_by_role("listitem").first).to_be_visible()
    show_all(page, "Show more")
    expect(page.get_by_role("button", name="Show more")).to_have_count(0)
    assert tasks_list.get_by_role("listitem").count() >= len(titles())
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_inert_and_contained(page, f"/tasks @{width}", watch)
        assert_usable(page, *controls)
        rows = tasks_list.get_by_role("listitem")
        shoot(page, f"tasks-{width}", *(rows.filter(has_text=t) for t in TASK_SPOTS))

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{app_url}/tasks?{filters}")
        if width < 480:  # on a phone the filters fold behind one button (issue 15, item 10)
            page.get_by_role("button", name=re.compile(r"^Filters")).click()
        expect(page.get_by_role("searchbox", name="Search tasks")).to_have_value(SEARCH_PAYLOAD)
        expect(page.get_by_role("combobox", name="Filter by tag")).to_have_value("שלום")
        assert_inert_and_contained(page, f"/tasks?filters @{width}", watch)
        assert_usable(page, *controls)
        page.goto(f"{app_url}/tasks?{urlencode({'tag': 'שלום', 'sort': 'title'})}")
        expect(tasks_list.get_by_role("listitem").first).to_be_visible()
        assert_inert_and_contained(page, f"/tasks?tag @{width}", watch)
        shoot(page, f"tasks-filtered-{width}")

    # Typed through the quick-add row, as a person would.
    page.goto(f"{app_url}/tasks")
    typed = '<img src=x onerror=alert(1) data-pwned=1>"\u202e typed ' + "Q" * 120
    page.get_by_role("textbox", name="New task", exact=True).fill(typed)
    page.get_by_role("textbox", name="New task tags").fill("שלום, null, etc/../../passwd")
    page.get_by_role("textbox", name="New task", exact=True).press("Enter")
    expect(tasks_list.get_by_role("listitem").first).to_contain_text("typed")
    assert_inert_and_contained(page, "/tasks after quick add", watch)
    assert_usable(page, *controls)
    shoot(page, "tasks-typed-1280")


def test_hostile_chat_page_stays_inert_and_in_shape(page: Page, app_url: str, seeded: Seeded, watch: Watch):
    sign_in(page, app_url, seeded.email)
    log = page.get_by_role("log", name="Messages")
    controls = (
        page.get_by_role("textbox", name="Message", exact=True),
        page.get_by_role("button", name="Send", exact=True),
    )
    links = 0
    for n, thread_id in enumerate(seeded.chat_threads):
        # Each conversation is opened once and looked at in both widths (the layout follows the
        # window: no reload in between).
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        page.goto(f"{app_url}/?thread={thread_id}")
        expect(log.get_by_role("article", name="Assistant message").first).to_be_visible()
        show_all(page, "Show more")
        assert log.evaluate(_STALE_FIELDS) == [], "an edit card shows another task's title"
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            found = assert_inert_and_contained(page, f"chat thread {n} @{width}", watch)
            links += found["markdownLinks"]
            assert_usable(page, *controls)
            articles = log.get_by_role("article")
            shoot(page, f"chat-{n}-{width}", *(articles.filter(has_text=t) for t in SPOTS))

    for width in sorted(WIDTHS, reverse=True):  # the phone's drawer last: it stays open
        page.set_viewport_size({"width": width, "height": 900})
        if width < 768:
            page.get_by_role("button", name="Show conversations").click()
        sidebar = page.get_by_role("list", name="Conversations").last
        expect(sidebar).to_be_visible()
        show_all(page, "Load more")
        assert sidebar.get_by_role("listitem").count() >= len(titles())
        assert_inert_and_contained(page, f"sidebar @{width}", watch)
        # The sidebar's own New chat (with its words; the phone header's is an icon under the drawer).
        assert_usable(page, page.get_by_role("button", name="New chat").filter(has_text="New chat").last)
        shoot(page, f"sidebar-{width}")
    assert links > 0, "the markdown link payloads rendered no link at all: the href check saw nothing"

    # Typed through the composer: the user's text and the assistant's echo (reply and card).
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{app_url}/")
    page.get_by_role("button", name="New chat").first.click()
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_enabled()
    box = page.get_by_role("textbox", name="Message", exact=True)
    box.fill("add <svg onload=alert(1) data-pwned=1> [x](javascript:alert(1)) \u202eflipped " + "Z" * 100)
    box.press("Enter")
    reply = log.get_by_role("article", name="Assistant message").last
    expect(reply).to_contain_text("Added")
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_enabled()
    assert_inert_and_contained(page, "chat after composer", watch)
    assert_usable(page, *controls)
    shoot(page, "chat-typed-1280")

    # Renamed through the sidebar, then the delete confirmation quoting a bidi-override title.
    page.get_by_role("button", name=re.compile("^Options for")).first.click()
    page.get_by_role("menuitem", name="Rename").click()
    title = page.get_by_role("textbox", name="Conversation title")
    title.fill("<script>alert(1)</script><img src=x onerror=alert(1) data-pwned=1>")
    title.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "<script>alert(1)</script><img src=x onerror=alert(1) data-pwned=1>"
    )
    assert_inert_and_contained(page, "chat after rename", watch)

    # "\u202eDelete everything" (bidi-rlo-unclosed) is one of the seeded thread titles.
    page.get_by_role("searchbox", name="Search conversations").fill("Delete everything")
    conversations = page.get_by_role("list", name="Conversations")
    conversations.get_by_role("button", name="Options for \u202eDelete everything", exact=True).click()
    page.get_by_role("menuitem", name="Delete").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Delete everything")
    expect(dialog).to_contain_text("all its messages will be deleted")
    sentence = dialog.get_by_text(re.compile("all its messages will be deleted"))
    assert sentence.evaluate(_GLYPH_ORDER, "deleted") == "ltr", "the title's RLO reversed the dialog's text"
    assert_inert_and_contained(page, "delete dialog", watch)
    shoot(page, "chat-delete-dialog-1280")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)


def test_hostile_sign_in_form_stays_inert_and_in_shape(page: Page, app_url: str, watch: Watch):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{app_url}/login")
        page.get_by_label("Email").fill(SEARCH_PAYLOAD + "W" * 300 + "@example.com")
        page.get_by_label("Password").fill("<script>alert(1)</script>")
        # Past the browser's own email check, so the server answers the hostile address.
        page.locator("form").evaluate("form => { form.noValidate = true; }")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_be_visible()
        assert_inert_and_contained(page, f"/login @{width}", watch)
        assert_usable(page, page.get_by_label("Email"), page.get_by_role("button", name="Sign in"))
        shoot(page, f"login-{width}")


EVIL_LINK = "[ok](http://evil.example/phish)"
MARKDOWN_TITLES = (
    EVIL_LINK,
    "see http://evil.example/bare and www.evil.example",
    "mail bob@evil.example",
    "**bold** _it_ ~~gone~~ `code` $x$",
    "# heading",
    "- item",
    "1. first",
    "| a | b |",
    "&amp; &#60;b&#62; AT&T",
)
"""Titles that would be markup if a reply pasted them into its markdown as they are."""
_LISTED = """(reply) => ({
  items: [...reply.querySelectorAll('.ticked-md li')].map((li) => li.textContent),
  markup: [...reply.querySelectorAll('.ticked-md :is(a, img, em, strong, del, code, h1, h2, table, ul)')]
    .map((e) => e.outerHTML.slice(0, 120)),
})"""


def test_user_text_in_replies_stays_text_and_links_show_their_host(page: Page, app_url: str, watch: Watch):
    """The assistant lists tasks whose titles look like markdown: each shows as its own text, with no
    link or other markup; a link the model itself wrote opens safely and names its real host."""
    from app.core.db import session_scope
    from app.orchestration import runner
    from app.services import auth, messages, tasks

    email = f"md-{uuid.uuid4().hex[:10]}@example.com"
    titles = [h.text for h in CORPUS if h.title and h.name.startswith(("md-", "autolink-", "entity-"))]
    titles += MARKDOWN_TITLES
    with session_scope() as session:
        user_id = auth.register(session, email=email, password=PASSWORD).id
        for title in titles:
            tasks.create_task(session, user_id=user_id, data={"title": title})
    thread_id = runner.run_turn(user_id=user_id, text="show my tasks").thread_id
    model_text = (
        "Read [the docs](https://docs.example.com/guide), [https://good.example](https://evil.example/x) "
        "or https://plain.example/a."
    )
    with session_scope() as session:
        reply = messages.open_assistant_message(session, user_id=user_id, thread_id=uuid.UUID(thread_id))
        messages.finish_assistant_message(session, message_id=reply.id, content=model_text)

    sign_in(page, app_url, email)
    page.goto(f"{app_url}/?thread={thread_id}")
    replies = page.get_by_role("log", name="Messages").get_by_role("article", name="Assistant message")
    expect(replies.last).to_contain_text("Read the docs")
    listing = replies.nth(-2)
    expect(listing).to_contain_text(f"You have {len(titles)} open tasks")
    shown = listing.evaluate(_LISTED)
    assert shown["markup"] == [], "a title became markup"
    assert sorted(shown["items"]) == sorted(" ".join(t.split()) for t in titles)
    assert listing.locator("a").count() == 0

    links = replies.last.locator(".ticked-md a")
    expect(links).to_have_count(3)
    for i in range(3):
        expect(links.nth(i)).to_have_attribute("rel", "noopener noreferrer nofollow")
        expect(links.nth(i)).to_have_attribute("target", "_blank")
    expect(links.nth(0)).to_have_text("the docs (docs.example.com)")
    expect(links.nth(0)).to_have_attribute("href", "https://docs.example.com/guide")
    expect(links.nth(1)).to_have_text("https://good.example (evil.example)")
    expect(links.nth(2)).to_have_text("https://plain.example/a")
    assert_inert_and_contained(page, "markdown titles", watch)
