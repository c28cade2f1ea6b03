"""Database faults for tests: triggers that make one row refuse, or silently skip, a change.

A trigger fails inside the statement, after earlier rows of the same transaction were written,
so a test sees exactly what a real fault mid-way does; nothing in the app is mocked. The same
fault is written for PostgreSQL (a PL/pgSQL function and its trigger) and for SQLite, and every
trigger is dropped after the test (the PostgreSQL test database is shared by the session).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import sqlalchemy as sa

Event = Literal["INSERT", "UPDATE", "DELETE"]
Effect = Literal["raise", "skip"]


class DbTriggers:
    """The fault triggers one test made on ``engine``; :meth:`drop_all` removes them."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.made: list[tuple[str, str]] = []

    def add(
        self, table: str, event: Event, row_id: uuid.UUID | str, *, effect: Effect, only_if: str = ""
    ) -> None:
        """On ``event`` of the row ``row_id`` of ``table`` (and ``only_if``, an SQL condition on
        ``OLD``/``NEW`` both databases read alike): ``raise`` fails the statement with "injected
        fault"; ``skip`` leaves the row as it is (zero rows changed, no error).
        """
        name = f"fault_{uuid.uuid4().hex[:8]}"
        row = "NEW" if event == "INSERT" else "OLD"
        when = f"{row}.id = {self._id_literal(row_id)}" + (f" AND {only_if}" if only_if else "")
        with self.engine.begin() as conn:
            if self.postgres:
                fault = "RAISE EXCEPTION 'injected fault'" if effect == "raise" else "RETURN NULL"
                keep = "OLD" if event == "DELETE" else "NEW"
                conn.exec_driver_sql(
                    f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    f"IF {when} THEN {fault}; END IF; RETURN {keep}; END $$"
                )
                conn.exec_driver_sql(
                    f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()"
                )
            else:
                fault = "RAISE(ABORT, 'injected fault')" if effect == "raise" else "RAISE(IGNORE)"
                conn.exec_driver_sql(
                    f"CREATE TRIGGER {name} BEFORE {event} ON {table} WHEN {when} BEGIN SELECT {fault}; END"
                )
        self.made.append((name, table))

    def _id_literal(self, row_id: uuid.UUID | str) -> str:
        """The id as each database stores it: a uuid (PostgreSQL) or its hex (SQLite); strings as is."""
        if isinstance(row_id, uuid.UUID):
            return f"'{row_id}'::uuid" if self.postgres else f"'{row_id.hex}'"
        return f"'{row_id}'"

    def drop_all(self) -> None:
        with self.engine.begin() as conn:
            for name, table in self.made:
                conn.exec_driver_sql(
                    f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if self.postgres else "")
                )
                if self.postgres:
                    conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")
        self.made.clear()


@contextmanager
def db_triggers(engine: sa.Engine) -> Iterator[DbTriggers]:
    """Fault triggers for the length of a test (for a fixture to yield from)."""
    triggers = DbTriggers(engine)
    try:
        yield triggers
    finally:
        triggers.drop_all()
