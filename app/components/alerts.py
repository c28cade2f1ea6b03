"""One red error callout for every page: shown while ``message`` holds text, read out as an alert."""

from __future__ import annotations

from typing import Any

import reflex as rx


def error_callout(message: rx.Var, **props: Any) -> rx.Component:
    """``message`` in a red callout (``role="alert"``), nothing while it is empty; ``props`` size
    and place it (``width``, ``size``, ``margin_top``)."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", **props),
    )
