"""Column types and helpers shared by every table."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC, on SQLite and PostgreSQL alike.

    SQLite has no time zones; keeping every value UTC in the database and aware in Python
    avoids the naive/aware comparison bugs that otherwise appear only on one backend.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def uuid_pk() -> Any:
    """A UUID primary key generated in Python (so ids are known before the insert)."""
    return Field(default_factory=uuid.uuid4, primary_key=True, nullable=False)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def updated_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def json_field(default_factory: Any = dict, *, name: str | None = None, nullable: bool = False) -> Any:
    """A JSON column; ``name`` lets a Python attribute map to a reserved column name like ``metadata``."""
    column = sa.Column(name, sa.JSON, nullable=nullable) if name else None
    if column is not None:
        return Field(default_factory=default_factory, sa_column=column)
    return Field(default_factory=default_factory, sa_type=sa.JSON, nullable=nullable)


def fk(target: str, *, ondelete: str = "CASCADE", nullable: bool = False, index: bool = False) -> Any:
    """A UUID foreign key with a database-level ON DELETE rule."""
    return Field(
        default=None if nullable else ...,
        sa_column_args=[sa.ForeignKey(target, ondelete=ondelete)],
        nullable=nullable,
        index=index,
    )
