"""Imports with the assistant's date grammar: the use case the settings page and the CLI share.

:mod:`app.services.importer` reads and writes imports but sits below the agent, so it takes the
date grammar as a parameter. This module passes it the one grammar of the app
(:func:`app.agent.offline.attributes.extract_attributes`: the quick-add box and the local
assistant read "tomorrow", "dec 24", "every monday" the same way), and runs an import for the CLI.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from app.agent.offline.attributes import extract_attributes
from app.core.db import session_scope
from app.services import audit, importer
from app.services import auth as auth_service
from app.services.errors import InvalidInputError, NotFoundError

_CLOCK = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?$", re.IGNORECASE)
_FILLER = re.compile(r"\b(?:at|on|from|starting|every|each|due)\b|[,.;@]", re.IGNORECASE)


def clock(text: str) -> dt.time | None:
    """A time of day as the grammar found it ("5pm", "5:30 pm", "17:00", "noon"), or None."""
    word = text.strip().lower()
    if word in ("noon", "midday"):
        return dt.time(12, 0)
    if word == "midnight":
        return dt.time(0, 0)
    match = _CLOCK.match(word)
    if match is None or (match.group("m") is None and match.group("ampm") is None):
        return None  # a bare "5": morning or evening? not guessed
    hour, minute = int(match.group("h")), int(match.group("m") or 0)
    ampm = (match.group("ampm") or "").replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def read_date(text: str, today: dt.date) -> importer.DateReading:
    """A Todoist DATE text read with the app's grammar; ``note`` says what it could not read."""
    attrs, rest = extract_attributes(text, today, tags=False)
    notes = []
    when = None
    if attrs.time:
        when = clock(attrs.time)
        if when is None:
            notes.append(f"the time '{attrs.time}' was not understood")
    if attrs.recurrence_said:
        notes.append(f"'{attrs.recurrence_said}' is read as {attrs.recurrence}")
    leftover = " ".join(_FILLER.sub(" ", rest).split())
    if leftover:
        notes.append(f"'{leftover[:40]}' was not understood")
    if attrs.due is None and when is None and not attrs.recurrence:
        return importer.DateReading(note="not understood")
    return importer.DateReading(
        due_date=attrs.due, due_time=when, recurrence=attrs.recurrence, note="; ".join(notes)
    )


def run_cli(path: str, email: str, *, dry_run: bool = False, project: str | None = None) -> str:
    """``python -m app.cli import --user E FILE [--dry-run] [--project NAME]``: the report as text.

    Raises :class:`InvalidInputError` / :class:`NotFoundError` with a message for the person (the
    CLI prints it and exits 1); nothing is written then, nor with ``dry_run``.
    """
    file = Path(path)
    try:
        size = file.stat().st_size
    except OSError:
        raise InvalidInputError(f"Can't read {path}: no such file.") from None
    if size > importer.MAX_BYTES:
        raise InvalidInputError(
            f"The file is too large ({size // 1024} KB; at most {importer.MAX_BYTES // (1024 * 1024)} MB)."
        )
    data = file.read_bytes()
    with session_scope() as session:
        user = auth_service.get_user_by_email(session, email=email)
        if user is None:
            raise NotFoundError(f"No user with email {email}.")
        plan = importer.preview(
            session, user_id=user.id, data=data, filename=file.name, project=project, read_date=read_date
        )
        if dry_run:
            return importer.preview_text(plan) + "\nNothing was written (--dry-run)."
        actor = audit.Actor(user_id=user.id, email=user.email, surface="cli")
        report = importer.apply(session, user_id=user.id, plan=plan, actor=actor)
        return report.text()
