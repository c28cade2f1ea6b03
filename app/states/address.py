"""Keeping the address bar in step with a page's state (its filters, its open conversation).

A page writes its state into the address with ``history.replaceState``, sent with the answer to
an event. On a busy server that answer can arrive after the person has already gone to another
page (the chat's ``on_load`` answering once the task page is open): written there, it would put
the chat's address over the task page, and a reload would open the wrong page. So the address is
replaced only while the browser is still on the page the new address is for, and the router's own
history entry state is kept (back and forward keep working).

The other way round, a page's load reads the address the page was opened with: what the person
picked on the page before its load ran (``LoadPicks``) is kept by the load instead of undone.
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


class LoadPicks(rx.State, mixin=True):
    """A page state's picks made while the page is loading, for its ``on_load`` to keep.

    A page draws its tabs, filters and lists before its load runs (the page's HTML, or what the
    state held from an earlier visit), and the load reads the address the page opened with (the
    hydrate's): a tab clicked in between was undone by the load. A handler of a pick calls
    :meth:`_note_pick`; ``on_load`` applies :meth:`_take_picks` over what it read from the address.
    Once the page is loaded (``is_hydrated``) nothing is remembered: the next visit opens as its
    address says.
    """

    _picked: dict[str, str] = {}
    """What was picked before the load ran, by name."""
    _picked_at: str = ""
    """The address the page had then."""

    def _note_pick(self, **values: str) -> None:
        if self.is_hydrated:
            self._picked, self._picked_at = {}, ""
            return
        url = str(self.router.url)
        if url != self._picked_at:
            self._picked, self._picked_at = {}, url
        self._picked = {**self._picked, **values}

    def _take_picks(self) -> dict[str, str]:
        """What was picked on this page before its load (then nothing)."""
        picked = self._picked if self._picked_at == str(self.router.url) else {}
        self._picked, self._picked_at = {}, ""
        return picked
