"""Fuzzy task references: content words, light stemming, typos; ties are reported, not guessed."""

from __future__ import annotations

from app.agent.offline.matching import clean_reference, resolve_reference


def _tasks(*titles: str, done: tuple[str, ...] = ()) -> list[dict]:
    return [{"id": str(i), "title": t, "completed": t in done} for i, t in enumerate(titles, start=1)]


def _titles(res) -> list[str]:
    return [t["title"] for t in res.tasks]


def test_resolve_reference_exact_case_insensitive() -> None:
    res = resolve_reference("BUY MILK", _tasks("Buy Milk", "buy milk and eggs"))
    assert (res.status, _titles(res)) == ("one", ["Buy Milk"])


def test_resolve_reference_drops_filler_words() -> None:
    res = resolve_reference("the dentist task", _tasks("call the dentist", "buy milk"))
    assert _titles(res) == ["call the dentist"]


def test_resolve_reference_partial_word() -> None:
    res = resolve_reference("the report", _tasks("write report", "walk the dog"))
    assert _titles(res) == ["write report"]


def test_resolve_reference_typo() -> None:
    res = resolve_reference("dentst", _tasks("call the dentist", "buy milk"))
    assert _titles(res) == ["call the dentist"]


def test_resolve_reference_plural_stem() -> None:
    res = resolve_reference("plant", _tasks("water the plants", "buy milk"))
    assert _titles(res) == ["water the plants"]


def test_resolve_reference_none() -> None:
    assert resolve_reference("walk the dog", _tasks("buy milk")).status == "none"


def test_resolve_reference_ambiguous_lists_candidates() -> None:
    res = resolve_reference("call", _tasks("call mom", "call dad"))
    assert res.status == "ambiguous"
    assert sorted(_titles(res)) == ["call dad", "call mom"]


def test_resolve_reference_prefers_open_tasks_for_completion() -> None:
    res = resolve_reference(
        "call", _tasks("call mom", "call dad", done=("call mom",)), prefer_completed=False
    )
    assert _titles(res) == ["call dad"]


def test_resolve_reference_several_named() -> None:
    res = resolve_reference("buy milk and call mom", _tasks("buy milk", "call mom", "pay rent"))
    assert (res.status, _titles(res)) == ("one", ["buy milk", "call mom"])


def test_resolve_reference_title_with_and_is_one_task() -> None:
    res = resolve_reference("salt and pepper", _tasks("buy salt and pepper", "salt"))
    assert _titles(res) == ["buy salt and pepper"]


def test_clean_reference_strips_framing() -> None:
    assert clean_reference('the "buy milk" task') == "buy milk"
    assert clean_reference("my old one") == "old"
