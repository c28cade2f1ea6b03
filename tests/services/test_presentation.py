"""How text reads to a person: direction isolation for titles quoted in sentences."""

import pytest

from app.agent.offline.replies import quote
from app.services.presentation import isolate


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
