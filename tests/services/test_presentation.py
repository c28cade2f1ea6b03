"""How text reads to a person: direction isolation for titles quoted in sentences, and user text
that stays text in markdown replies."""

from datetime import date

import pytest

from app.agent.offline.queries import TaskQuery
from app.agent.offline.replies import listing, quote
from app.services.presentation import human_date, isolate, md_escape, relative_due


@pytest.mark.parametrize(
    "text",
    ["invoice\u202egnp.exe", "שלום עולם", "مرحبا", "a\u2067b", "mixed english עברית"],
)
def test_isolate_wraps_right_to_left_and_direction_controls(text):
    assert isolate(text) == f"\u2068{text}\u2069"


@pytest.mark.parametrize("text", ["buy milk", "café crème", "東京 trip", "", "😀 party"])
def test_isolate_leaves_left_to_right_text_alone(text):
    assert isolate(text) == text


def test_agent_reply_cannot_be_flipped_by_a_title():
    assert quote("invoice\u202egnp.exe") == '"\u2068invoice\u202egnp.exe\u2069"'


# --- user text in markdown replies -------------------------------------------------------------------

EVIL_LINK = "[ok](http://evil.example/phish)"
MARKUP_TOKENS = {
    "link_open", "image", "em_open", "strong_open", "s_open", "code_inline", "html_inline", "html_block",
    "heading_open", "blockquote_open", "bullet_list_open", "table_open", "hr", "code_block", "fence",
}  # fmt: skip
ESCAPE_CASES = [
    EVIL_LINK,
    "![pic](http://evil.example/x.png)",
    "**bold** _it_ ~~gone~~ `code` <b>x</b>",
    "# heading",
    "- item",
    "+ item",
    "> quote",
    "1. first",
    "2) second",
    "=== under",
    "| a | b |",
    "$x$ and $$y$$ cost $5",
    "&amp; &#60;b&#62; &copy; AT&T",
    "a\\*b\\ back\\slash",
    "see http://evil.example/phish and https://x.example",
    "www.evil.example",
    "mail bob@evil.example now",
    "[x][r] [^1] <https://evil.example>",
    "pay rent 10:30 tomorrow, ok?",
]


def _md():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _render(markdown: str) -> tuple[str, set[str]]:
    """What a CommonMark + GFM tables/strikethrough renderer shows: the text, and the markup it made."""
    text: list[str] = []
    kinds: set[str] = set()
    for token in _md().parse(markdown):
        kinds.add(token.type)
        for child in token.children or []:
            kinds.add(child.type)
            text.append({"softbreak": "\n", "hardbreak": "\n"}.get(child.type, child.content))
    return "".join(text), kinds & MARKUP_TOKENS


def _hostile_titles() -> list[str]:
    from tests.security.hostile_corpus import as_title, titles

    return [as_title(h.text) for h in titles()]


@pytest.mark.parametrize("text", ESCAPE_CASES + _hostile_titles())
def test_md_escape_round_trips_as_plain_text(text):
    for context in ("{}", "1. {}", 'Added "{}".'):  # a line of its own, a list item, in a sentence
        shown, markup = _render(context.format(md_escape(text)))
        assert markup == set(), context
        assert shown == context.removeprefix("1. ").format(text)


@pytest.mark.parametrize("text", ["buy milk", "call mom tomorrow, 3pm", "café crème", "read 1984", "x-ray"])
def test_md_escape_leaves_plain_words_alone(text):
    assert md_escape(text) == text


@pytest.mark.parametrize("text", ["http://evil.example/phish", "www.evil.example", "bob@evil.example"])
def test_md_escape_breaks_gfm_autolinks(text):
    """remark-gfm's autolink pass still links these after parsing; the escape keeps its tokenizer from
    doing so, and the chat's renderer shows such a link (it has no source position) as text."""
    escaped = md_escape(text)
    assert not any(found in escaped for found in ("p://", "www.", "b@e"))
    assert _render(escaped)[0] == text


def test_agent_listing_shows_a_link_title_as_text():
    today = date(2026, 6, 15)
    task = {"title": EVIL_LINK, "tags": ["drop_table", "a&b"], "completed": False}
    reply = listing([task], TaskQuery(), today)
    shown, markup = _render(reply)
    assert "link_open" not in markup
    assert EVIL_LINK in shown
    assert "#drop_table #a&b" in shown
    shown, markup = _render(f"Added {quote(EVIL_LINK)}.")
    assert (shown, markup) == (f'Added "{EVIL_LINK}".', set())


TODAY_FRI = date(2026, 12, 4)  # a Friday


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2026, 12, 4), "today"),
        (date(2026, 12, 5), "tomorrow"),
        (date(2026, 12, 3), "yesterday"),
        (date(2026, 12, 8), "Tue 8 Dec"),
        (date(2026, 12, 11), "Fri 11 Dec"),
        (date(2026, 11, 20), "Fri 20 Nov"),
        (date(2027, 1, 5), "Tue 5 Jan 2027"),
        (date(2025, 12, 31), "Wed 31 Dec 2025"),
    ],
)
def test_human_date_is_the_one_way_a_date_reads(day, words):
    assert human_date(day, TODAY_FRI) == words


def test_relative_due_uses_human_date_and_says_how_late_an_open_task_is():
    assert relative_due(date(2026, 12, 1), TODAY_FRI) == ("3 days overdue", "overdue")
    assert relative_due(date(2026, 12, 3), TODAY_FRI) == ("1 day overdue", "overdue")
    assert relative_due(date(2026, 12, 1), TODAY_FRI, completed=True) == ("Tue 1 Dec", "later")
    assert relative_due(date(2026, 12, 4), TODAY_FRI) == ("today", "today")
    assert relative_due(date(2026, 12, 5), TODAY_FRI) == ("tomorrow", "soon")
    assert relative_due(date(2026, 12, 9), TODAY_FRI) == ("Wed 9 Dec", "soon")
    assert relative_due(date(2027, 1, 5), TODAY_FRI) == ("Tue 5 Jan 2027", "later")
    assert relative_due(None, TODAY_FRI) == ("", "none")


def test_agent_replies_and_the_task_page_write_a_date_the_same_way():
    from app.agent.offline.dates import describe_date

    for offset in range(-40, 400, 7):
        day = date.fromordinal(TODAY_FRI.toordinal() + offset)
        assert describe_date(day, TODAY_FRI) == human_date(day, TODAY_FRI)
        if offset >= 0:
            assert relative_due(day, TODAY_FRI)[0] == describe_date(day, TODAY_FRI)
