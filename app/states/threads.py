"""State of the chat page's sidebar: the conversation list (search, archived view, paging) and
its changes (rename, archive, delete with confirmation).

The use cases are in ``app.orchestration.chat_session``, run in the database threads. The chat's
own state (``app.states.chat``) builds on this one: it fills the list when the page loads and when
a turn moves a conversation to the top. A change can touch the open conversation too (its title,
its archived badge, or the conversation itself); this state does not know the chat's, so it keeps
the last change in ``_change`` and the page sends ``ChatState.follow_sidebar`` right after the
event, which applies it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx

from app.orchestration import chat_session
from app.orchestration.chat_session import SidebarFilter, ThreadPage
from app.services.errors import ServiceError
from app.states.auth import current_user_id
from app.states.focus import COMPOSER, focus_first, focus_id
from app.states.workers import run_db
from app.views.chat import ThreadView

DIALOG = "[role=alertdialog]"
"""The delete dialog on the page; focus moves once it has gone."""


def thread_button_id(thread_id: str) -> str:
    """The id of a conversation's button in the sidebar (where focus goes back after a rename)."""
    return f"thread-{thread_id}"


@dataclass(frozen=True)
class ThreadChange:
    """What the last sidebar change did, for the open conversation to follow."""

    thread_id: str
    error: str = ""
    title: str | None = None
    archived: bool | None = None
    deleted: bool = False


class ThreadsState(rx.State):
    """The sidebar of the chat page."""

    threads: list[ThreadView] = []
    threads_cursor: str = ""
    has_more_threads: bool = False
    show_archived: bool = False
    thread_search: str = ""
    sidebar_open: bool = False

    confirm_delete_id: str = ""
    confirm_delete_title: str = ""
    renaming_id: str = ""
    rename_text: str = ""

    _change: ThreadChange | None = None

    # ----- for the chat's state -------------------------------------------------------------------

    def _listing(self) -> SidebarFilter:
        return SidebarFilter(archived=self.show_archived, search=self.thread_search)

    def _reset(self, page: ThreadPage) -> None:
        """The page (re)loaded: active conversations, no search, nothing being renamed."""
        self.sidebar_open, self.show_archived, self.thread_search, self.renaming_id = False, False, "", ""
        self._set_threads(page)

    def _set_threads(self, page: ThreadPage, *, append: bool = False) -> None:
        views = page.views
        if append and self.threads:
            views = [*self.threads, *views]
            for i in range(1, len(views)):
                views[i].first_in_group = views[i].group != views[i - 1].group
            if views:
                views[0].first_in_group = True
        self.threads, self.has_more_threads = views, page.has_more
        if page.cursor:
            self.threads_cursor = page.cursor

    async def _reload(self, user_id: uuid.UUID) -> None:
        self._set_threads(await run_db(chat_session.thread_page, user_id=user_id, listing=self._listing()))

    def _new_thread_first(self, thread_id: str, title: str) -> bool:
        """A thread created by a turn tops the list: shown without asking the database again.

        Once only: a page load that read the list after the turn had created the thread lists it
        already.
        """
        if self.show_archived or self.thread_search:
            return False
        if any(t.id == thread_id for t in self.threads):
            return True
        if self.threads and self.threads[0].group == "Today":
            self.threads[0].first_in_group = False
        self.threads = [
            ThreadView(id=thread_id, title=title, group="Today", first_in_group=True),
            *self.threads,
        ]
        return True

    def _take_change(self) -> ThreadChange | None:
        change, self._change = self._change, None
        return change

    # ----- the list ---------------------------------------------------------------------------------

    @rx.event
    async def set_thread_search(self, value: str):
        self.thread_search = value[:200]
        user_id = await current_user_id(self)
        if user_id is not None:
            await self._reload(user_id)

    @rx.event
    async def toggle_archived_view(self):
        self.show_archived = not self.show_archived
        user_id = await current_user_id(self)
        if user_id is not None:
            await self._reload(user_id)

    @rx.event
    async def load_more_threads(self):
        user_id = await current_user_id(self)
        if user_id is not None:
            page = await run_db(
                chat_session.thread_page, user_id=user_id, listing=self._listing(), after=self.threads_cursor
            )
            self._set_threads(page, append=True)

    @rx.event
    def toggle_sidebar(self):
        self.sidebar_open = not self.sidebar_open

    # ----- changes ----------------------------------------------------------------------------------

    async def _apply(self, work: Callable[..., ThreadPage], change: ThreadChange, **arguments: Any) -> bool:
        """Run one change for the acting user and show the list as it is now; an error is kept in
        ``_change`` for the page to show."""
        self._change = None
        user_id = await current_user_id(self)
        if user_id is None:
            return False
        try:
            page = await run_db(
                work, user_id=user_id, thread_id=change.thread_id, listing=self._listing(), **arguments
            )
        except ServiceError as exc:
            self._change = ThreadChange(thread_id=change.thread_id, error=exc.message)
            return False
        self._set_threads(page)
        self._change = change
        return True

    @rx.event
    def start_rename(self, thread_id: str):
        row = next((t for t in self.threads if t.id == thread_id), None)
        self.renaming_id, self.rename_text = thread_id, row.title if row else ""

    @rx.event
    def set_rename_text(self, value: str):
        self.rename_text = value

    @rx.event
    def cancel_rename(self):
        self.renaming_id = ""

    @rx.event
    async def rename_key(self, key: str):
        """Enter saves, Escape cancels; either way focus goes back to the conversation's button (the
        box it was in goes away, and focus went with it to ``<body>``)."""
        thread_id = self.renaming_id
        if key == "Enter":
            return await self.save_rename()
        if key == "Escape" and thread_id:
            self.renaming_id = ""
            return focus_id(thread_button_id(thread_id))
        return None

    @rx.event
    async def save_rename(self):
        thread_id, title = self.renaming_id, self.rename_text
        shown = ThreadChange(thread_id=thread_id, title=" ".join(title.split()))
        if await self._apply(chat_session.rename_thread, shown, title=title):
            self.renaming_id = ""
            return focus_id(thread_button_id(thread_id))
        return None

    @rx.event
    async def set_archived(self, thread_id: str, archived: bool):
        change = ThreadChange(thread_id=thread_id, archived=archived)
        if not await self._apply(chat_session.archive_thread, change, archived=archived):
            return None
        return rx.toast.info("Conversation archived." if archived else "Conversation restored.")

    @rx.event
    def ask_delete(self, thread_id: str):
        row = next((t for t in self.threads if t.id == thread_id), None)
        self.confirm_delete_id, self.confirm_delete_title = (
            thread_id,
            row.title if row else "this conversation",
        )

    def _close_delete(self):
        """Close the delete dialog, nothing deleted; focus goes back to the menu button that opened
        it (Radix returns focus only to a dialog's own trigger, and this one is opened from a menu)."""
        thread_id, self.confirm_delete_id = self.confirm_delete_id, ""
        if not thread_id:
            return None
        return focus_first(f"[data-thread-options={json.dumps(thread_id)}]", after_gone=DIALOG)

    @rx.event
    def cancel_delete(self):
        return self._close_delete()

    @rx.event
    def set_delete_open(self, is_open: bool):
        """The dialog asked to close (Escape, a click outside it): nothing is deleted."""
        return None if is_open else self._close_delete()

    @rx.event
    async def confirm_delete(self):
        """Delete the conversation; focus goes to the composer (the menu that opened the dialog went
        with the conversation)."""
        thread_id, self.confirm_delete_id = self.confirm_delete_id, ""
        if thread_id:
            done = await self.delete_thread(thread_id)
            return [done, focus_first(COMPOSER, after_gone=DIALOG)] if done is not None else None
        return None

    @rx.event
    async def delete_thread(self, thread_id: str):
        change = ThreadChange(thread_id=thread_id, deleted=True)
        if not await self._apply(chat_session.delete_thread, change):
            return None
        return rx.toast.info("Conversation deleted.")
