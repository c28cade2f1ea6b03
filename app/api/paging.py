"""Keyset cursors of the API's backward-paging lists: messages, comments, activity.

A cursor names the row a page stopped at, ``<ISO time>|<uuid>``; clients pass back the
``next_before`` a page gave them and never build one (the same spelling threads use for
``next_after``, :class:`app.services.threads.ThreadCursor`). Something else is a 422 saying so.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from app.services.errors import InvalidInputError


def encode_cursor(stamp: datetime, row_id: uuid.UUID) -> str:
    return f"{stamp.isoformat()}|{row_id}"


def decode_cursor(raw: str | None, name: str = "before") -> tuple[datetime, uuid.UUID] | None:
    """The (time, id) of a cursor, None when none was sent; anything else is refused (422)."""
    if not raw:
        return None
    try:
        stamp, row_id = raw.split("|", 1)
        when = datetime.fromisoformat(stamp)
        return (when if when.tzinfo else when.replace(tzinfo=UTC)), uuid.UUID(row_id)
    except ValueError as exc:
        raise InvalidInputError(
            f"{name}: not a cursor from this list (pass back the next_{name} of the previous page)."
        ) from exc
