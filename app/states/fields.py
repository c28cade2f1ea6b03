"""Emptying a form's field once what it held is saved, without erasing what is typed meanwhile.

The answer to a submit arrives after the page has drawn its result (the new row, subtask or
comment): a fast typist, or a test, may already be typing the next one in the same field. So the
field is emptied only if it still holds what was sent (spaces around it aside).
"""

from __future__ import annotations

import json

import reflex as rx
from reflex.event import EventSpec


def clear_if_still_script(element_id: str, sent: str) -> str:
    """The page's script: empty ``element_id`` if its value, trimmed, is ``sent`` trimmed."""
    return (
        f"(() => {{ const el = document.getElementById({json.dumps(element_id)});"
        f" if (el && el.value.trim() === {json.dumps(sent.strip())}) el.value = ''; }})()"
    )


def clear_if_still(element_id: str, sent: str) -> EventSpec:
    """Empty the field ``element_id`` if it still holds ``sent``; leave anything else typed there."""
    return rx.call_script(clear_if_still_script(element_id, sent))
