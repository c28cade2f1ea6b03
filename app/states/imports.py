"""State of the settings page's "Calendar feed" and "Import" sections (issue 17).

Thin, like every page state: it checks the session, runs the services in the database pool
(``app.states.workers``) and keeps plain values. The feed's secret exists in the page only right
after it was made (the database keeps its hash), so the URL is shown once, to copy. An uploaded
file's bytes stay in a backend-only var between the preview and the Import click; the click reads
them again and writes in one transaction, so what is written is what the preview showed.
"""

from __future__ import annotations

import uuid
from typing import Any

import reflex as rx

from app import routes
from app.core.db import session_scope
from app.orchestration import importing
from app.services import audit, calendar_feed, importer
from app.services.errors import ServiceError
from app.states.actor import web_actor
from app.states.auth import current_user_id
from app.states.workers import run_db

UPLOAD_ID = "import-file"
ACCEPT = {"text/csv": [".csv"], "application/json": [".json"], "text/plain": [".csv", ".txt"]}


def _feed_is_on(user_id: uuid.UUID) -> bool:
    with session_scope() as session:
        return calendar_feed.is_on(session, user_id=user_id)


def _turn_on(user_id: uuid.UUID, actor: audit.Actor) -> str:
    with session_scope() as session:
        return calendar_feed.turn_on(session, user_id=user_id, actor=actor)


def _turn_off(user_id: uuid.UUID, actor: audit.Actor) -> None:
    with session_scope() as session:
        calendar_feed.turn_off(session, user_id=user_id, actor=actor)


def _preview(user_id: uuid.UUID, data: bytes, filename: str, project: str) -> dict[str, Any]:
    with session_scope() as session:
        plan = importer.preview(
            session,
            user_id=user_id,
            data=data,
            filename=filename,
            project=project or None,
            read_date=importing.read_date,
        )
        return {**plan.to_json(), "text": importer.preview_text(plan).splitlines()[0]}


def _import(
    user_id: uuid.UUID, data: bytes, filename: str, project: str, actor: audit.Actor
) -> dict[str, Any]:
    with session_scope() as session:
        plan = importer.preview(
            session,
            user_id=user_id,
            data=data,
            filename=filename,
            project=project or None,
            read_date=importing.read_date,
        )
        return importer.apply(session, user_id=user_id, plan=plan, actor=actor).to_json()


def feed_url(secret: str) -> str:
    """The feed's full URL at the app's public address (Reflex's ``api_url``)."""
    base = (rx.config.get_config().api_url or "").rstrip("/")
    return base + calendar_feed.feed_path(secret)


def _issues(items: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"where": i["where"], "what": i["what"], "why": i["why"]} for i in items]


class ImportState(rx.State):
    """Calendar feed and import on the settings page."""

    feed_on: bool = False
    feed_url: str = ""
    """The URL, right after it was made (never again: only its hash is kept)."""
    feed_status: str = ""
    feed_error: str = ""
    feed_busy: bool = False

    file_name: str = ""
    project: str = ""
    kind: str = ""
    """``todoist`` or ``ticked`` while a preview is shown."""
    summary: str = ""
    rows: list[dict[str, str]] = []
    skipped: list[dict[str, str]] = []
    kept: list[dict[str, str]] = []
    notes: list[str] = []
    import_error: str = ""
    import_busy: bool = False
    report: str = ""
    report_skipped: list[dict[str, str]] = []
    report_kept: list[dict[str, str]] = []
    _data: bytes = b""

    @staticmethod
    def _to_sign_in():
        return rx.redirect(routes.sign_in_url(routes.SETTINGS), replace=True)

    @rx.event
    async def load(self):
        self.feed_url = self.feed_status = self.feed_error = ""
        user_id = await current_user_id(self)
        if user_id is None:
            return None
        self.feed_on = await run_db(_feed_is_on, user_id)
        return None

    # ----- calendar feed -------------------------------------------------------------------------

    @rx.event
    async def make_feed(self):
        """Turn the feed on, or regenerate it (the old URL stops working)."""
        self.feed_status = self.feed_error = ""
        user_id = await current_user_id(self)
        if user_id is None:
            yield self._to_sign_in()
            return
        was_on = self.feed_on
        self.feed_busy = True
        yield
        try:
            secret = await run_db(_turn_on, user_id, web_actor(self, user_id))
        except ServiceError as exc:
            self.feed_error = exc.message
            return
        finally:
            self.feed_busy = False
        self.feed_on, self.feed_url = True, feed_url(secret)
        self.feed_status = (
            "New URL made: the old one no longer works. Copy it now; it is shown only once."
            if was_on
            else "Your feed is on. Copy the URL now; it is shown only once."
        )

    @rx.event
    def copy_feed(self):
        if not self.feed_url:
            return None
        self.feed_status = "URL copied."
        return rx.set_clipboard(self.feed_url)

    @rx.event
    async def stop_feed(self):
        self.feed_status = self.feed_error = ""
        user_id = await current_user_id(self)
        if user_id is None:
            return self._to_sign_in()
        try:
            await run_db(_turn_off, user_id, web_actor(self, user_id))
        except ServiceError as exc:
            self.feed_error = exc.message
            return None
        self.feed_on, self.feed_url = False, ""
        self.feed_status = "Your feed is off: its URL no longer works."
        return None

    # ----- import --------------------------------------------------------------------------------

    def _clear_preview(self) -> None:
        self.kind = self.summary = ""
        self.rows, self.skipped, self.kept, self.notes = [], [], [], []

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        """Read the chosen file and show what importing it would do (nothing is written)."""
        self.import_error = self.report = ""
        self.report_skipped, self.report_kept = [], []
        self._clear_preview()
        if not files:
            self.import_error = "Choose a file: Todoist's CSV export or Ticked's export (.json)."
            return
        file = files[0]
        data = await file.read()
        if len(data) > importer.MAX_BYTES:
            self.import_error = f"The file is too large (at most {importer.MAX_BYTES // (1024 * 1024)} MB)."
            return
        self._data, self.file_name = data, str(file.name or "import.csv")
        self.project = ""
        await self._show_preview()

    async def _show_preview(self) -> None:
        user_id = await current_user_id(self)
        if user_id is None:
            return
        self.import_busy = True
        try:
            plan = await run_db(_preview, user_id, self._data, self.file_name, self.project)
        except ServiceError as exc:
            self.import_error = exc.message
            self._data = b""
            return
        finally:
            self.import_busy = False
        self.kind, self.summary = plan["kind"], plan["text"]
        self.project = plan["project"] or ""
        self.rows = plan["first_rows"]
        self.skipped, self.kept = _issues(plan["skipped"]), _issues(plan["kept"])
        self.notes = plan["notes"]

    @rx.event
    def set_project(self, value: str):
        self.project = str(value)[:100]

    @rx.event
    async def refresh_preview(self):
        if self._data:
            self.import_error = ""
            await self._show_preview()

    @rx.event
    def cancel(self):
        self._data = b""
        self.file_name = self.project = self.import_error = ""
        self._clear_preview()

    @rx.event
    async def run_import(self):
        """Write what the preview showed, in one transaction; then the report."""
        if not self._data:
            self.import_error = "Choose a file first."
            return
        user_id = await current_user_id(self)
        if user_id is None:
            yield self._to_sign_in()
            return
        self.import_error = ""
        self.import_busy = True
        yield
        try:
            report = await run_db(
                _import, user_id, self._data, self.file_name, self.project, web_actor(self, user_id)
            )
        except ServiceError as exc:
            self.import_error = exc.message + " Nothing was imported."
            return
        finally:
            self.import_busy = False
        self._data = b""
        self._clear_preview()
        self.file_name = ""
        self.report = report["summary"]
        self.report_skipped, self.report_kept = _issues(report["skipped"]), _issues(report["kept"])
