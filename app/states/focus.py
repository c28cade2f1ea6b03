"""Moving keyboard focus after a change re-renders the page, so it never falls back to ``<body>``.

An event that removes the focused element (a rename box that closes, a deleted conversation's
menu, the sign-in form after signing in) leaves focus nowhere: a keyboard or screen-reader user
starts again from the top of the page. The element to focus next may not exist yet when the
event's answer arrives (React renders the new state after it, a new page loads after a redirect),
so the script looks for it on each animation frame for a few seconds and focuses the first match.
"""

from __future__ import annotations

import json

import reflex as rx
from reflex.event import EventSpec

WAIT_MS = 8000


def focus_first(
    *selectors: str, away_from: str = "", after_gone: str = "", wait_ms: int = WAIT_MS
) -> EventSpec:
    """Focus the first element matching one of ``selectors`` (in order) once one is on the page.

    ``away_from``: a path the page must have left first (the sign-in page, after signing in).
    ``after_gone``: a selector that must have left the page first (a dialog closing: Radix gives
    focus back to its ``Trigger`` only, and a dialog opened from a menu or by state has none).
    A match that is not focusable by itself (a heading) gets ``tabindex="-1"`` first.
    """
    away = away_from.rstrip("/")
    script = rf"""(() => {{
  const selectors = {json.dumps(list(selectors))}, away = {json.dumps(away)}, gone = {json.dumps(after_gone)};
  const until = Date.now() + {int(wait_ms)};
  const step = () => {{
    const path = window.location.pathname.replace(/\/+$/, "");
    if ((!away || path !== away) && (!gone || !document.querySelector(gone))) {{
      for (const selector of selectors) {{
        const el = document.querySelector(selector);
        if (el && el.isConnected && el.getClientRects().length) {{
          if (el.tabIndex < 0 && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
          el.focus();
          if (document.activeElement === el) return;
        }}
      }}
    }}
    if (Date.now() < until) requestAnimationFrame(step);
  }};
  requestAnimationFrame(step);
}})()"""
    return rx.call_script(script)


def focus_id(element_id: str) -> EventSpec:
    """Focus the element with this id once it is on the page."""
    return focus_first(f"[id={json.dumps(element_id)}]")


COMPOSER = "#chat-input"
"""The chat's message box: where a person goes next on the chat page."""
