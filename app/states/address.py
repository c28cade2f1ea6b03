"""Keeping the address bar in step with a page's state (its filters, its open conversation).

A page writes its state into the address with ``history.replaceState``, sent with the answer to
an event. On a busy server that answer can arrive after the person has already gone to another
page (the chat's ``on_load`` answering once the task page is open): written there, it would put
the chat's address over the task page, and a reload would open the wrong page. So the address is
replaced only while the browser is still on the page the new address is for, and the router's own
history entry state is kept (back and forward keep working).
"""

from __future__ import annotations

import json

import reflex as rx
from reflex.event import EventSpec


def replace_address_script(url: str) -> str:
    """The page's script: replace the address with ``url`` (a path and query) if its path is the
    current page's."""
    return (
        f"(() => {{ const url = {json.dumps(url)};"
        " const path = (p) => p.replace(/\\/+$/, '') || '/';"
        " if (path(new URL(url, window.location.href).pathname) === path(window.location.pathname))"
        " window.history.replaceState(window.history.state, '', url); })()"
    )


def replace_address(url: str) -> EventSpec:
    """Show ``url`` in the address bar, unless the person has moved to another page meanwhile."""
    return rx.call_script(replace_address_script(url))
