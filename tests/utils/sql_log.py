"""The SQL an engine runs while a block runs, for tests that count statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def statements_run(engine: sa.Engine, prefix: str = "") -> Iterator[list[str]]:
    """Every statement ``engine`` runs inside the block (those starting with ``prefix``, case aside,
    when one is given), in order; the list grows as they run."""
    seen: list[str] = []

    def on_execute(conn, cursor, statement: str, *args) -> None:
        if statement.lstrip().upper().startswith(prefix.upper()):
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)
