"""Column types and helpers shared by every table."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from types import EllipsisType
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field

from app.core.crypto import get_keyring, is_encrypted


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC, on SQLite and PostgreSQL alike.

    SQLite has no time zones; keeping every value UTC in the database and aware in Python
    avoids the naive/aware comparison bugs that otherwise appear only on one backend.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_T = TypeVar("_T")
"""The Python type an encrypted column gives back."""

_ALLOWED_OPS = frozenset(
    {operators.is_, operators.is_not, operators.asc_op, operators.desc_op}
    | {operators.nulls_first_op, operators.nulls_last_op}
)


class _Sealed(TypeDecorator[_T]):
    """Base of the encrypted column types: stored as ``enc1:...`` text (see :mod:`app.core.crypto`).

    ``context`` is the column's ``table.column`` name, bound into every ciphertext as associated
    data. SQL can't look inside these values (each encryption of the same text differs), so comparing
    such a column with a value (``==``, LIKE, IN) raises at once rather than silently matching nothing;
    search uses the keyed-hash index (``app.services.search_index``) instead. ``IS NULL``, ``IS NOT
    NULL`` and ordering stay allowed. Values without the prefix are read as legacy plaintext, so a
    database keeps working between an upgrade and its re-encryption.
    """

    impl = sa.Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    class comparator_factory(TypeDecorator.Comparator[Any]):
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            # Column-to-column comparisons stay: SQLAlchemy's internals make them (dict lookups).
            if op not in _ALLOWED_OPS and not all(isinstance(o, sa.ColumnElement) for o in other):
                raise TypeError(
                    f"{self.type.context} is encrypted at rest and can't be compared in SQL "  # type: ignore[attr-defined]
                    "(search goes through app.services.search_index)."
                )
            return super().operate(op, *other, **kwargs)

        def reverse_operate(self, op: Any, other: Any, **kwargs: Any) -> Any:
            return self.operate(op, other, **kwargs)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.context!r})"


class EncryptedText(_Sealed[str]):
    """A text column encrypted at rest (AES-256-GCM); reads give back the plain ``str``."""

    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return get_keyring().encrypt(str(value), self.context)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return get_keyring().decrypt(value, self.context)


class EncryptedJSON(_Sealed[Any]):
    """A JSON value encrypted at rest: serialised to JSON text, then sealed like :class:`EncryptedText`.

    Python ``None`` is SQL NULL (not the JSON text ``null``), so ``IS NULL`` keeps meaning "no
    value". Legacy rows hold plain JSON text and are parsed as such.
    """

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return get_keyring().encrypt(text, self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):  # a driver that already parsed legacy JSON
            return value
        if is_encrypted(value):
            value = get_keyring().decrypt(value, self.context)
        return json.loads(value)


def encrypted_text_field(
    context: str, *, default: str | EllipsisType = "", max_length: int | None = None
) -> Any:
    """A required text column encrypted at rest (``context`` = ``"table.column"``).

    ``default=...`` makes the value required when the row is built (no default).
    """
    return Field(default=default, sa_type=EncryptedText(context), nullable=False, max_length=max_length)


def uuid_pk() -> Any:
    """A UUID primary key generated in Python (so ids are known before the insert)."""
    return Field(default_factory=uuid.uuid4, primary_key=True, nullable=False)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def updated_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def json_field(
    default_factory: Any = dict,
    *,
    name: str | None = None,
    nullable: bool = False,
    encrypted: str | None = None,
    none_as_null: bool = False,
) -> Any:
    """A JSON column; ``name`` lets a Python attribute map to a reserved column name like ``metadata``.

    ``encrypted="table.column"`` stores it encrypted at rest (:class:`EncryptedJSON`).
    ``none_as_null=True`` stores Python ``None`` as SQL NULL (``IS NULL`` finds it), not JSON ``null``.
    """
    type_: Any = EncryptedJSON(encrypted) if encrypted else sa.JSON(none_as_null=none_as_null)
    column = sa.Column(name, type_, nullable=nullable) if name else None
    if column is not None:
        return Field(default_factory=default_factory, sa_column=column)
    return Field(default_factory=default_factory, sa_type=type_, nullable=nullable)


def fk(target: str, *, ondelete: str = "CASCADE", nullable: bool = False, index: bool = False) -> Any:
    """A UUID foreign key with a database-level ON DELETE rule."""
    return Field(
        default=None if nullable else ...,
        sa_column_args=[sa.ForeignKey(target, ondelete=ondelete)],
        nullable=nullable,
        index=index,
    )
