"""Key rotation for data at rest (``python -m app.cli rotate-key``), with readers served throughout.

With the generated key file (``data/encryption_key``, no ``ENCRYPTION_KEY``):

1. a new key is written to the file in front of the old one(s) ("new,old"): every process keeps
   decrypting with the old key and, within ``RELOAD_SECONDS``, encrypts with the new one;
2. after a grace period covering that reload, every encrypted column is re-encrypted under the
   new key, ``batch_size`` rows per transaction (an optimistic ``WHERE value = old`` skips rows a
   concurrent writer has just rewritten), and every thread's search terms are rebuilt under it;
3. a final check finds any value still under an old key (a writer that was slow to notice the
   new key) and re-encrypts it, repeating until none is left;
4. the file is rewritten with the new key alone.

A reader never fails meanwhile: values under either key decrypt, a process meeting an unknown key
id re-reads the file, and search hashes a query under every configured key.

With ``ENCRYPTION_KEY`` from the environment the file can't be rewritten for the running
processes, so rotation takes two runs: the first prints a new key to put in front
(``ENCRYPTION_KEY=new,old`` on every instance, then restart them); the second, seeing several
keys, re-encrypts everything under the first and says when the old ones may go.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel, col, select

from app.core.config import get_settings
from app.core.crypto import PREFIX, RELOAD_SECONDS, Keyring, get_keyring, new_secret, write_key_file
from app.core.db import session_scope
from app.models import Message, Thread
from app.models.base import EncryptedJSON, EncryptedText
from app.models.search_term import SEARCH_TERMS
from app.services import search_index
from app.services.errors import InvalidInputError, ServiceError

BATCH_SIZE = 500
GRACE_SECONDS = 2 * RELOAD_SECONDS + 1.0
MAX_PASSES = 5

Progress = Callable[[str], None]


@dataclass
class RotationReport:
    """What a rotation did; ``new_key`` is only set when the operator must configure it."""

    mode: str
    key_id: str
    retired: list[str] = field(default_factory=list)
    values: int = 0
    threads: int = 0
    seconds: float = 0.0
    new_key: str | None = field(default=None, repr=False)
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def encrypted_columns() -> list[tuple[sa.Table, sa.Column[Any]]]:
    """Every column typed EncryptedText/EncryptedJSON in the models (with its table)."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText | EncryptedJSON):
                found.append((table, column))
    return found


def _stale(raw: sa.ColumnElement[Any], kid: str) -> sa.ColumnElement[bool]:
    """Values not sealed under key ``kid`` (older keys and legacy plaintext alike)."""
    wanted = f"{PREFIX}{kid}:"
    return sa.and_(raw.is_not(None), sa.func.substr(raw, 1, len(wanted)) != wanted)


def reencrypt(keyring: Keyring, *, batch_size: int = BATCH_SIZE, progress: Progress | None = None) -> int:
    """Re-encrypt every value not under the primary key; one transaction per batch. Returns the count."""
    done = 0
    for table, column in encrypted_columns():
        (pk,) = table.primary_key.columns
        raw = sa.type_coerce(column, sa.Text)
        context = f"{table.name}.{column.name}"
        last: Any = None
        while True:
            with session_scope() as session:
                kid = keyring.primary.kid
                stmt = sa.select(pk, raw).where(_stale(raw, kid)).order_by(pk).limit(batch_size)
                if last is not None:
                    stmt = stmt.where(pk > last)
                rows = session.execute(stmt).all()
                if not rows:
                    break
                last = rows[-1][0]
                changes = [
                    {
                        "b_pk": ident,
                        "b_old": value,
                        "b_new": keyring.encrypt(keyring.decrypt(value, context), context),
                    }
                    for ident, value in rows
                ]
                session.execute(
                    sa.update(table)
                    .where(pk == sa.bindparam("b_pk"), raw == sa.bindparam("b_old", type_=sa.Text))
                    .values({column.name: sa.bindparam("b_new", type_=sa.Text)}),
                    changes,
                )
                done += len(changes)
        if progress:
            progress(f"{context}: re-encrypted")
    return done


def count_stale(keyring: Keyring) -> int:
    """How many stored values are not under the primary key (0 when a rotation is complete)."""
    total = 0
    with session_scope() as session:
        for table, column in encrypted_columns():
            raw = sa.type_coerce(column, sa.Text)
            stmt = sa.select(sa.func.count()).select_from(table).where(_stale(raw, keyring.primary.kid))
            total += int(session.execute(stmt).scalar_one())
    return total


def reindex(keyring: Keyring, *, batch_size: int = BATCH_SIZE, progress: Progress | None = None) -> int:
    """Rebuild every thread's search terms under the primary key; one transaction per batch of threads.

    Within a batch the rows are locked first (an UPDATE that changes nothing), then the messages
    are read: a writer that indexed a message before the lock is read here, one after it waits and
    merges into the rebuilt row, so no message is lost.

    Then every sealed block's filter is rebuilt from its rebuilt rows (one transaction a block).
    Until then a filter holds the old key's bits, which a query hashed under the old key still
    finds; a term a sealed thread gains meanwhile is added under the new key.
    """
    done = 0
    last: Any = None
    table = SEARCH_TERMS
    while True:
        with session_scope() as session:
            stmt = select(Thread.id, Thread.user_id, Thread.title).order_by(col(Thread.id)).limit(batch_size)
            if last is not None:
                stmt = stmt.where(col(Thread.id) > last)
            threads = session.exec(stmt).all()
            if not threads:
                break
            last = threads[-1][0]
            ids = [tid for tid, _, _ in threads]
            session.execute(
                sa.update(table).where(table.c.thread_id.in_(ids)).values(title_terms=table.c.title_terms)
            )
            texts: dict[Any, list[str]] = {tid: [] for tid in ids}
            for thread_id, content in session.exec(
                select(Message.thread_id, Message.content).where(col(Message.thread_id).in_(ids))
            ).all():
                texts[thread_id].append(content)
            key = keyring.primary
            cache: search_index.HashCache = {}
            rows = [
                search_index.thread_row(
                    key, user_id=owner, thread_id=tid, title=title, texts=texts[tid], cache=cache
                )
                for tid, owner, title in threads
            ]
            search_index.insert_rows(session, rows)
            done += len(threads)
    with session_scope() as session:
        blocks = search_index.sealed_blocks(session)
    for owner, block in blocks:
        with session_scope() as session:
            search_index.seal(session, owner, block)
    if progress:
        progress(f"search index: {done} conversations and {len(blocks)} block filters rebuilt")
    return done


def _finish(keyring: Keyring, report: RotationReport, batch_size: int, progress: Progress | None) -> None:
    """Re-encrypt, re-index, then repeat re-encryption until no value is left under an old key."""
    report.values += reencrypt(keyring, batch_size=batch_size, progress=progress)
    report.threads += reindex(keyring, batch_size=batch_size, progress=progress)
    for _ in range(MAX_PASSES):
        if count_stale(keyring) == 0:
            return
        report.values += reencrypt(keyring, batch_size=batch_size, progress=progress)
    left = count_stale(keyring)
    if left:
        raise ServiceError(
            f"{left} value(s) are still under an old key after {MAX_PASSES} passes; the old key was "
            "kept. Is a process running that never reloads the key file? Run rotate-key again."
        )


def rotate_key(
    *, batch_size: int = BATCH_SIZE, grace_seconds: float = GRACE_SECONDS, progress: Progress | None = None
) -> RotationReport:
    """Rotate the at-rest key (see the module docstring for the steps and the environment case)."""
    if batch_size < 1:
        raise InvalidInputError("The batch size must be at least 1.")
    if grace_seconds < 0:
        raise InvalidInputError("The grace period can't be negative.")
    started = time.perf_counter()
    settings = get_settings()
    keyring = get_keyring()
    if settings.encryption_key:
        secrets_ = settings.effective_encryption_keys
        if len(keyring.keys) == 1:
            new = new_secret()
            return RotationReport(
                mode="env-staged",
                key_id=keyring.primary.kid,
                new_key=new,
                message=(
                    "ENCRYPTION_KEY comes from the environment. Set ENCRYPTION_KEY=<new key>,<current key> "
                    "on every instance and restart them, then run rotate-key again to re-encrypt."
                ),
            )
        report = RotationReport(mode="env", key_id=keyring.primary.kid)
        report.retired = [k.kid for k in keyring.keys[1:]]
        _finish(keyring, report, batch_size, progress)
        report.message = (
            f"Everything is encrypted under key {report.key_id}. Keep only the first key in "
            f"ENCRYPTION_KEY ({len(secrets_) - 1} older key(s) may be removed) and restart."
        )
        report.seconds = time.perf_counter() - started
        return report

    path = settings.encryption_key_path
    old = settings.effective_encryption_keys
    new = new_secret()
    write_key_file(path, [new, *old])
    keyring.refresh(force=True)
    report = RotationReport(
        mode="file", key_id=keyring.primary.kid, retired=[k.kid for k in keyring.keys[1:]]
    )
    if progress:
        progress(
            f"new key {report.key_id} written to {path}; waiting {grace_seconds:g} s for other processes"
        )
    time.sleep(grace_seconds)
    _finish(keyring, report, batch_size, progress)
    write_key_file(path, [new])
    keyring.refresh(force=True)
    report.message = f"Everything is encrypted under key {report.key_id}; {path} holds only that key now."
    report.seconds = time.perf_counter() - started
    return report
