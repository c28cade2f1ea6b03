"""Search over encrypted conversations: the keyed-hash term index behind the sidebar's search box.

Titles and messages are encrypted at rest, so ``list_threads(search=...)`` can't scan them; it
asks ``search_terms`` (see ``app/models/search_term.py`` for the table and why it looks so).

What matches (the rules, on both sides):
- Text is normalised: Unicode compatibility forms folded (NFKD), accents and other combining
  marks dropped, case folded (``ß`` = ``ss``), recomposed (NFKC). "Café" finds "cafe".
- A word is a run of letters and digits; every other visible character (``%``, ``_``, ``\\``,
  an emoji) is a term of its own, so a search for "100%" or "my_file" still means something.
- A word is indexed with each of its prefixes from 3 characters up to 12 (longer words stop at
  12), so "groc" finds "groceries" while typing. Words of 1-2 characters are indexed whole and
  only match whole; a query word longer than 12 characters is cut to 12, as the index is.
- A query of several terms needs all of them in one thread (in its title or any message).
  Terms match anywhere, not as a phrase: "100%" finds "100 items, 20% off" too.

Infix search ("ceries") is gone with plaintext: any index that answered it would be an n-gram
index that is many times larger and leaks more. Hashes are 48-bit (the HMAC's first 6 bytes),
packed sorted into one byte string per thread and column (``app/models/search_term.py``); a query
hash is looked for anywhere in it, so a false match needs it to equal one of the thread's hashes or
to straddle two of them: about 6 x (terms of the thread) / 2^48 per query term and thread, 1 in
10^11 for a thread of 400 terms, and it can only show one of the person's own threads.

During a key rotation threads carry hashes under the old or the new key, so a query is hashed
under every configured key (``Keyring.keys``); rotation rebuilds each thread under the new one,
then the sealed blocks' filters.

Blocks and their Bloom filters (``app.models.search_term`` says what they are): a search first
reads one part of each sealed block's filter (:func:`thread_filters`) and tests only the threads
of the blocks that may hold every query term, of the open block, and of threads without a block.
The filter's part and three bit positions are read off a term's 48-bit hash: the top 3 bits pick
the part, three 12-bit fields the bits. With ~4,000 terms in a block of 16 threads a filter answers
"maybe" wrongly for about 3 % of words; a block read for nothing costs 16 row tests. When at least
half of the blocks may hold the query, the filter is not used: the newest-first scan stops at a
page of hits sooner than the blocks' threads could be read and sorted.

Measured (``BENCH_SCALE=full bench/store.py``, 100 people x 1,000 threads, p50; ``bench/RESULTS.md``):
a word in ~1.4 % of a person's threads 6.43 -> 3.85 ms on PostgreSQL, 3.99 -> 2.87 on SQLite; a
common word pays for reading the filters, 2.47 -> 2.99 and 1.46 -> 1.72 ms. Blocks of 8 and 32
threads were tried: 8 reads twice the filter rows for about the same result, 32 rules out less.
"""

from __future__ import annotations

import hmac
import re
import struct
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session

from app.core.crypto import DataKey, get_keyring
from app.core.db import begin_write
from app.models.search_term import (
    BLOCK_THREADS,
    BLOOM_PARTS,
    MESSAGE_COLUMNS,
    PART_BYTES,
    SEARCH_BLOOMS,
    SEARCH_TERMS,
)
from app.models.thread import Thread

PREFIX_MIN = 3
PREFIX_MAX = 12
QUERY_TERMS_MAX = 16
"""More query words only narrow the result; beyond this many the rest are ignored."""
TERM_BYTES = 6
"""Bytes kept of each term's HMAC (48 bits; see the false-match odds above)."""
INSERT_CHUNK = 500
TERMS_COLUMNS = ("title_terms", *MESSAGE_COLUMNS)
_THREADS: sa.Table = Thread.__table__  # type: ignore[attr-defined]  # set by SQLAlchemy, undeclared by SQLModel

_PART_SHIFT = TERM_BYTES * 8 - (BLOOM_PARTS.bit_length() - 1)
"""A hash's top bits name its part of the filter (3 bits for 8 parts)."""
_PROBE_BITS = (PART_BYTES * 8).bit_length() - 1
_SPLIT = struct.Struct(">HI")
"""A stored 6-byte hash as its high 16 and low 32 bits."""
_PROBE_MASK = PART_BYTES * 8 - 1
assert 1 << (BLOOM_PARTS.bit_length() - 1) == BLOOM_PARTS, "BLOOM_PARTS is a power of two"
assert PART_BYTES * 8 == 1 << _PROBE_BITS, "a part's bits are a power of two"
assert _PART_SHIFT >= 3 * _PROBE_BITS, "a hash holds a part number and three probes"

_TOKEN = re.compile(r"[^\W_]+|[^\w\s]|_")


def normalize(text: str) -> str:
    """Fold case, compatibility forms and accents, the same for indexed text and queries."""
    if text.isascii():  # nothing to decompose or recompose: only the case folds (as casefold would)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", stripped.casefold())


def tokens(text: str) -> list[str]:
    """Words (letter/digit runs) and single visible non-word characters, normalised."""
    return _TOKEN.findall(normalize(text))


def _is_word(token: str) -> bool:
    return token[0].isalnum()


def _token_terms(token: str) -> list[str]:
    """The terms one token stands for: a short word or a symbol whole, a longer word's prefixes."""
    if not _is_word(token) or len(token) < PREFIX_MIN:
        return [token]
    return [token[:end] for end in range(PREFIX_MIN, min(len(token), PREFIX_MAX) + 1)]


def index_terms(text: str) -> set[str]:
    """Every term of ``text`` the index keeps: short words whole, longer ones as their prefixes."""
    terms: set[str] = set()
    for token in tokens(text):
        terms.update(_token_terms(token))
    return terms


def query_terms(query: str) -> list[str]:
    """The terms a query needs, in order, without repeats (at most QUERY_TERMS_MAX)."""
    out: list[str] = []
    for token in tokens(query):
        term = token[:PREFIX_MAX] if _is_word(token) else token
        if term not in out:
            out.append(term)
    return out[:QUERY_TERMS_MAX]


def term_hash(key: DataKey, user_id: uuid.UUID, term: str) -> bytes:
    """A term's 48-bit keyed hash, bound to its owner."""
    return hmac.digest(key.search_key, user_id.bytes + term.encode("utf-8"), "sha256")[:TERM_BYTES]


HashCache = dict[uuid.UUID, dict[str, tuple[tuple[str, bytes], ...]]]
"""owner -> token -> its terms' (column, hash), under one key: bulk builds hash a recurring word once."""

Grouped = dict[str, set[bytes]]
"""Hashes by the message column that holds them (by term length; see ``MESSAGE_COLUMNS``)."""


def column_of(term: str) -> str:
    """The message column of a term: 1-2 characters, 3, 4, 5, 6, 7, 8, or 9-12 (``MESSAGE_COLUMNS``)."""
    return MESSAGE_COLUMNS[0 if len(term) <= 2 else min(len(term), 9) - 2]


def _grouped(key: DataKey, user_id: uuid.UUID, words: Iterable[str], cache: HashCache | None) -> Grouped:
    mine = cache.setdefault(user_id, {}) if cache is not None else {}
    out: Grouped = {}
    for token in words:
        pairs = mine.get(token)
        if pairs is None:
            pairs = mine[token] = tuple(
                (column_of(term), term_hash(key, user_id, term)) for term in _token_terms(token)
            )
        for column, digest in pairs:
            out.setdefault(column, set()).add(digest)
    return out


def text_hashes(key: DataKey, user_id: uuid.UUID, text: str, cache: HashCache | None = None) -> set[bytes]:
    """The hashes of every term of ``text`` (see :func:`index_terms`), whatever their column."""
    return set().union(*_grouped(key, user_id, set(tokens(text)), cache).values())


def pack(hashes: Iterable[bytes]) -> bytes:
    """Hashes as stored: sorted and concatenated, so equal sets are equal bytes."""
    return b"".join(sorted(hashes))


def unpack(packed: bytes | None) -> set[bytes]:
    """The hashes of a stored column."""
    data = bytes(packed or b"")
    return {data[i : i + TERM_BYTES] for i in range(0, len(data), TERM_BYTES)}


def thread_row(
    key: DataKey,
    *,
    user_id: uuid.UUID,
    thread_id: uuid.UUID,
    title: str | None,
    texts: Iterable[str],
    cache: HashCache | None = None,
) -> dict[str, Any]:
    """The index row of one whole thread (for bulk loads, the migration and key rotation)."""
    words: set[str] = set()
    for text in texts:
        words.update(tokens(text))
    grouped = _grouped(key, user_id, words, cache)
    return {
        "thread_id": thread_id,
        "title_terms": pack(text_hashes(key, user_id, title or "", cache)),
        **{column: pack(grouped.get(column, ())) for column in MESSAGE_COLUMNS},
    }


@cache
def _upsert_statement(dialect: str, columns: tuple[str, ...]) -> Any:
    """INSERT ... ON CONFLICT (thread_id) DO UPDATE replacing ``columns`` (both dialects; built once
    per shape: a turn writes one, issue 19)."""
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SEARCH_TERMS)
    return insert.on_conflict_do_update(
        index_elements=["thread_id"], set_={name: insert.excluded[name] for name in columns}
    )


@cache
def _title_upsert(dialect: str) -> Any:
    """A thread's title terms written, saying whether its row is in the Bloom filter (built once)."""
    return _upsert_statement(dialect, ("title_terms",)).returning(SEARCH_TERMS.c.in_bloom)


def _dialect(bind: Session | Connection) -> str:
    return bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name


_EMPTY = dict.fromkeys(TERMS_COLUMNS, b"")


def insert_rows(bind: Session | Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Write whole rows (see :func:`thread_row`), replacing the threads' rows already there."""
    statement = _upsert_statement(_dialect(bind), tuple(_EMPTY))
    ordered = sorted(rows, key=lambda r: str(r["thread_id"]))  # concurrent writers lock in one order
    for start in range(0, len(ordered), INSERT_CHUNK):
        bind.execute(statement, ordered[start : start + INSERT_CHUNK])


# --- a transaction's index writes, gathered and written at its commit ----------------------------
#
# A turn adds its question and its answer to one thread, and a new conversation's first turn
# makes the thread's row too: written as they came, that was a row upsert and two read-merge-writes
# (five statements); gathered, it is one INSERT for a new thread and one read-merge-write for
# another (issue 19). The gathered writes happen before the commit (``before_commit``) and before
# anything in this module reads the index in the same transaction (:func:`write_pending`).


@dataclass
class _Pending:
    user_id: uuid.UUID
    texts: list[str] = field(default_factory=list)
    title: str | None = None
    """The thread's new title, when it changed in this transaction."""
    thread: Thread | None = None
    """Set for a thread made in this transaction whose index row is not written yet."""


_PENDING = "search_pending"


def _pending(session: Session, user_id: uuid.UUID, thread_id: uuid.UUID) -> _Pending:
    entries: dict[uuid.UUID, _Pending] = session.info.setdefault(_PENDING, {})
    entry = entries.get(thread_id)
    if entry is None:
        entry = entries[thread_id] = _Pending(user_id)
    return entry


def new_thread(session: Session, thread: Thread) -> None:
    """Index a thread made in this transaction (its title now; its messages as they come)."""
    entry = _pending(session, thread.user_id, thread.id)
    entry.title, entry.thread = thread.title, thread


def add_message_text(session: Session, *, user_id: uuid.UUID, thread_id: uuid.UUID, text: str) -> None:
    """Add a message's terms to its thread's (messages only gain text, so terms are only added);
    written with the transaction's other index writes (:func:`write_pending`)."""
    if text:
        _pending(session, user_id, thread_id).texts.append(text)


def set_title(session: Session, thread: Thread) -> None:
    """Index a thread's (new) title in place of the old one; the messages' terms stay. Written with
    the transaction's other index writes (:func:`write_pending`).

    When the thread's block is sealed, the title's terms go into the block's filter as well (the
    old title's stay there, a harmless "maybe").
    """
    _pending(session, thread.user_id, thread.id).title = thread.title


def write_pending(session: Session) -> None:
    """Write the index changes this transaction gathered, one thread at a time in id order (two
    writers lock rows in one order)."""
    entries: dict[uuid.UUID, _Pending] | None = session.info.pop(_PENDING, None)
    if not entries:
        return
    key = get_keyring().primary
    for thread_id in sorted(entries, key=str):
        entry = entries[thread_id]
        if entry.thread is not None:
            state = sa.inspect(entry.thread)
            if not (state.deleted or state.was_deleted):
                insert_rows(session, [thread_row(key, user_id=entry.user_id, thread_id=thread_id,
                                                 title=entry.title, texts=entry.texts)])  # fmt: skip
            continue
        if entry.title is not None:
            _write_title(session, key, entry.user_id, thread_id, entry.title)
        if entry.texts:
            _write_texts(session, key, entry.user_id, thread_id, "\n".join(entry.texts))


@event.listens_for(OrmSession, "before_commit")
def _before_commit(session: OrmSession) -> None:
    if session.info.get(_PENDING) and not session.in_nested_transaction():  # not at a savepoint's release
        write_pending(session)  # type: ignore[arg-type]  # a SQLModel session, as every caller's


@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    if not session.in_nested_transaction():  # a savepoint's rollback keeps the rest's writes
        session.info.pop(_PENDING, None)


def _write_texts(session: Session, key: DataKey, user_id: uuid.UUID, thread_id: uuid.UUID, text: str) -> None:
    """Merge new terms into a stored row. Read, merge, write: the row is locked first (``FOR
    UPDATE``; SQLite's write lock), so two writers of one thread merge one after the other instead
    of one losing the other's terms. Only columns that gain a term are written; nothing when the
    thread has every term already, as later messages mostly do."""
    new = _grouped(key, user_id, set(tokens(text)), None)
    if not new:
        return
    begin_write(session)
    table = SEARCH_TERMS
    read = (
        sa.select(*(table.c[c] for c in MESSAGE_COLUMNS), table.c.in_bloom, _THREADS.c.search_block)
        .join_from(table, _THREADS, _THREADS.c.id == table.c.thread_id)
        .where(table.c.thread_id == thread_id)
        .with_for_update(of=table)
    )
    stored = session.execute(read).first()
    if stored is None:  # a thread made outside create_thread (bulk loads, tests): give it its row
        if session.get(Thread, thread_id) is None:  # deleted in this transaction: nothing to index
            return
        insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
        session.execute(
            insert(table)
            .values(thread_id=thread_id, **_EMPTY)
            .on_conflict_do_nothing(index_elements=["thread_id"])
        )
        stored = session.execute(read).one()
    *packed_columns, in_bloom, block = stored
    changed: dict[str, bytes] = {}
    gained: set[bytes] = set()
    for column, packed in zip(MESSAGE_COLUMNS, packed_columns, strict=True):
        hashes = new.get(column)
        if hashes:
            have = unpack(packed)
            if not hashes <= have:
                changed[column] = pack(have | hashes)
                gained |= hashes - have
    if changed:
        session.execute(sa.update(table).where(table.c.thread_id == thread_id).values(**changed))
        if in_bloom and block is not None:
            _add_to_bloom(session, user_id, block, gained)


def _write_title(
    session: Session, key: DataKey, user_id: uuid.UUID, thread_id: uuid.UUID, title: str
) -> None:
    thread = session.get(Thread, thread_id)
    if thread is None:  # deleted in this transaction
        return
    hashes = text_hashes(key, user_id, title)
    statement = _title_upsert(_dialect(session))
    values = {**_EMPTY, "thread_id": thread_id, "title_terms": pack(hashes)}
    in_bloom = session.execute(statement, values).scalar_one()
    if in_bloom and thread.search_block is not None:
        _add_to_bloom(session, user_id, thread.search_block, hashes)


# --- blocks and their Bloom filters --------------------------------------------------------------


def _values(packed: bytes | None) -> Iterable[int]:
    """The hashes of a stored column, as integers."""
    return (high << 32 | low for high, low in _SPLIT.iter_unpack(bytes(packed or b"")))


def _probes(value: int) -> tuple[int, int, int]:
    """A hash's three bit positions in its part (``value >> _PART_SHIFT``)."""
    return (value >> 2 * _PROBE_BITS) & _PROBE_MASK, (value >> _PROBE_BITS) & _PROBE_MASK, value & _PROBE_MASK


def _set_bits(parts: dict[int, bytearray], values: Iterable[int]) -> set[int]:
    """Add hashes to a filter's parts (missing parts start empty); the parts that changed."""
    changed: set[int] = set()
    shift, width, mask = _PART_SHIFT, _PROBE_BITS, _PROBE_MASK
    for value in values:
        part = value >> shift
        bits = parts.get(part)
        if bits is None:
            bits = parts[part] = bytearray(PART_BYTES)
        for probe in (value >> 2 * width & mask, value >> width & mask, value & mask):
            old = bits[probe >> 3]
            new = old | 1 << (probe & 7)
            if new != old:
                bits[probe >> 3] = new
                changed.add(part)
    return changed


def bloom_rows(
    user_id: uuid.UUID, block: int, packed_rows: Iterable[Sequence[bytes | None]]
) -> list[dict[str, Any]]:
    """The filter rows of a block whose threads' index rows (their terms columns) are given."""
    values: set[int] = set()
    for row in packed_rows:
        for packed in row:
            values.update(_values(packed))
    parts = {part: bytearray(PART_BYTES) for part in range(BLOOM_PARTS)}
    _set_bits(parts, values)
    return [
        {"user_id": user_id, "block": block, "part": part, "bits": bytes(bits)}
        for part, bits in parts.items()
    ]


def _bloom_upsert(dialect: str) -> Any:
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SEARCH_BLOOMS)
    return insert.on_conflict_do_update(
        index_elements=["user_id", "part", "block"], set_={"bits": insert.excluded.bits}
    )


def _add_to_bloom(session: Session, user_id: uuid.UUID, block: int, hashes: Iterable[bytes]) -> None:
    """Add a sealed block's thread's new terms to the block's filter.

    Every part of the filter is locked, in order, whichever parts change: two writers of one block
    (or one writer twice in a transaction) then never hold parts the other waits for.
    """
    values = [int.from_bytes(digest, "big") for digest in hashes]
    if not values:
        return
    t = SEARCH_BLOOMS
    read = (
        sa.select(t.c.part, t.c.bits)
        .where(t.c.user_id == user_id, t.c.block == block)
        .order_by(t.c.part)
        .with_for_update()
    )
    parts = {part: bytearray(bits) for part, bits in session.execute(read).all()}
    missing = {value >> _PART_SHIFT for value in values} - set(parts)  # none, unless rows were removed
    changed = _set_bits(parts, values) | missing
    if changed:
        rows = [
            {"user_id": user_id, "block": block, "part": p, "bits": bytes(parts[p])} for p in sorted(changed)
        ]
        session.execute(_bloom_upsert(_dialect(session)), rows)


def seal(bind: Session | Connection, user_id: uuid.UUID, block: int) -> None:
    """Write a block's filter from its threads' index rows and mark those rows ``in_bloom``.

    The rows are locked first, in order: a message written to one of them meanwhile either
    committed before (and is read here) or waits and then sees ``in_bloom`` and adds its terms to
    the filter itself. Sealing a sealed block again rebuilds its filter (key rotation does).
    """
    if isinstance(bind, Session):
        write_pending(bind)  # this transaction's new threads of the block have their rows first
        begin_write(bind)
    terms = SEARCH_TERMS
    members = sa.select(_THREADS.c.id).where(_THREADS.c.user_id == user_id, _THREADS.c.search_block == block)
    read = (
        sa.select(*(terms.c[c] for c in TERMS_COLUMNS))
        .where(terms.c.thread_id.in_(members))
        .order_by(terms.c.thread_id)
        .with_for_update()
    )
    rows = bind.execute(read).all()
    bind.execute(sa.update(terms).where(terms.c.thread_id.in_(members)).values(in_bloom=True))
    bind.execute(_bloom_upsert(_dialect(bind)), bloom_rows(user_id, block, rows))


def open_block(session: Session, user_id: uuid.UUID) -> int:
    """The block a new thread of the person goes in: the open one, or, once that holds
    ``BLOCK_THREADS`` threads, the next (the full one is sealed first, in this transaction).

    Always after the last sealed block, even when its threads were deleted: a thread put in a
    sealed block unsealed would be missing from its filter.
    """
    write_pending(session)
    begin_write(session)
    newest_block, count, sealed_block = session.execute(_blocks_statement(), {"user_id": user_id}).one()
    if sealed_block is not None and (newest_block is None or newest_block <= sealed_block):
        return int(sealed_block) + 1
    block = int(newest_block or 0)
    if count >= BLOCK_THREADS:
        seal(session, user_id, block)
        return block + 1
    return block


@cache
def _blocks_statement() -> sa.Select[*tuple[Any, ...]]:
    """A person's newest block, how many threads it holds, and their last sealed block (built once)."""
    t, b = _THREADS, SEARCH_BLOOMS
    user_id: sa.BindParameter[uuid.UUID] = sa.bindparam("user_id")
    newest = sa.select(sa.func.max(t.c.search_block)).where(t.c.user_id == user_id).scalar_subquery()
    in_newest = (
        sa.select(sa.func.count()).select_from(t).where(t.c.user_id == user_id, t.c.search_block == newest)
    ).scalar_subquery()
    sealed = sa.select(sa.func.max(b.c.block)).where(b.c.user_id == user_id, b.c.part == 0).scalar_subquery()
    return sa.select(newest, in_newest, sealed)


def number_blocks(bind: Session | Connection, user_ids: Iterable[uuid.UUID] | None = None) -> int:
    """Number the people's threads into blocks from scratch (oldest first) and seal every block but
    each person's last; for loads with nothing else writing (migration 0009, benchmarks). Returns
    the blocks sealed."""
    t, terms = _THREADS, SEARCH_TERMS
    if isinstance(bind, Session):
        write_pending(bind)
    if user_ids is None:
        user_ids = bind.execute(sa.select(t.c.user_id).distinct()).scalars().all()
    sealed = 0
    for user_id in user_ids:
        ids = (
            bind.execute(sa.select(t.c.id).where(t.c.user_id == user_id).order_by(t.c.created_at, t.c.id))
            .scalars()
            .all()
        )
        blocks = [ids[start : start + BLOCK_THREADS] for start in range(0, len(ids), BLOCK_THREADS)]
        bind.execute(sa.delete(SEARCH_BLOOMS).where(SEARCH_BLOOMS.c.user_id == user_id))
        for number, members in enumerate(blocks):
            bind.execute(sa.update(t).where(t.c.id.in_(members)).values(search_block=number))
            if number < len(blocks) - 1:
                seal(bind, user_id, number)
                sealed += 1
            else:  # the open block: its rows are in no filter
                bind.execute(sa.update(terms).where(terms.c.thread_id.in_(members)).values(in_bloom=False))
    return sealed


def sealed_blocks(bind: Session | Connection) -> list[tuple[uuid.UUID, int]]:
    """Every sealed block, as (owner, block)."""
    b = SEARCH_BLOOMS
    rows = bind.execute(
        sa.select(b.c.user_id, b.c.block).where(b.c.part == 0).order_by(b.c.user_id, b.c.block)
    )
    return [(owner, block) for owner, block in rows]


class _HasBytes(sa.sql.functions.FunctionElement[bool]):
    """``has_bytes(haystack, needle)``: the bytes occur anywhere in the column (both dialects)."""

    name = "has_bytes"
    inherit_cache = True
    type = sa.Boolean()


def _has_bytes(column: Any, needle: bytes) -> _HasBytes:
    return _HasBytes(column, sa.bindparam(None, needle, type_=sa.LargeBinary, unique=True))


@compiles(_HasBytes)
def _has_bytes_sqlite(element: _HasBytes, compiler: SQLCompiler, **kw: Any) -> str:
    haystack, needle = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(instr({haystack}, {needle}) > 0)"


@compiles(_HasBytes, "postgresql")
def _has_bytes_postgresql(element: _HasBytes, compiler: SQLCompiler, **kw: Any) -> str:
    haystack, needle = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(position({needle} in {haystack}) > 0)"


def _query_hashes(user_id: uuid.UUID, query: str) -> list[tuple[str, list[bytes]]]:
    """Each query term with its hashes under every configured key (threads indexed before a
    rotation reached them are found too)."""
    keys = get_keyring().keys
    return [(term, sorted({term_hash(key, user_id, term) for key in keys})) for term in query_terms(query)]


def thread_filters(
    session: Session, user_id: uuid.UUID, query: str, threads: sa.Table
) -> list[sa.ColumnElement[bool]]:
    """The conditions on ``threads`` (the table, in the caller's query) that a thread has every
    term of ``query``: in a block whose filter may hold them all (:func:`block_choice`), and in
    the thread's own index row. An empty list means the query holds nothing searchable (no filter).
    """
    table = SEARCH_TERMS
    terms = _query_hashes(user_id, query)
    if not terms:
        return []
    write_pending(session)  # what this transaction wrote is found too
    wanted = [
        sa.or_(*(_has_bytes(c, h) for h in hashes for c in (table.c.title_terms, table.c[column_of(term)])))
        for term, hashes in terms
    ]
    conditions: list[sa.ColumnElement[bool]] = [sa.exists().where(table.c.thread_id == threads.c.id, *wanted)]
    choice = _block_choice(session, user_id, [hashes for _, hashes in terms])
    if choice is None:
        return conditions
    block = threads.c.search_block
    in_blocks = sa.or_(block.is_(None), block > choice.last_sealed, block.in_(choice.blocks))
    return [in_blocks, *conditions]


@dataclass(frozen=True, slots=True)
class BlockChoice:
    """Which of a person's blocks a search tests: ``blocks`` up to ``last_sealed`` (the sealed ones
    whose filters may hold every term), every block after it, and threads without a block."""

    blocks: list[int]
    last_sealed: int


def block_choice(session: Session, user_id: uuid.UUID, query: str) -> BlockChoice | None:
    """The blocks a search for ``query`` tests; None when half of the sealed blocks or more may hold
    it (every thread is then tested, newest first)."""
    write_pending(session)
    return _block_choice(session, user_id, [hashes for _, hashes in _query_hashes(user_id, query)])


def _block_choice(session: Session, user_id: uuid.UUID, term_hashes: list[list[bytes]]) -> BlockChoice | None:
    # each term as its hashes' (part, the three (byte, mask) pairs to test), worked out once
    terms = [[_where(int.from_bytes(digest, "big")) for digest in hashes] for hashes in term_hashes]
    parts = sorted({part for term in terms for part, _ in term})
    if not parts:
        return None
    filters: dict[int, dict[int, bytes]] = {}
    for block, part, bits in (
        session.connection().execute(_filters_statement(), {"user_id": user_id, "parts": parts}).all()
    ):
        filters.setdefault(block, {})[part] = bits
    keep = [block for block, block_parts in filters.items() if _may_hold_all(block_parts, terms)]
    if 2 * len(keep) >= len(filters):
        return None
    last_sealed = max(filters)
    unsealed = [block for block in range(last_sealed) if block not in filters]  # none, unless loaded oddly
    return BlockChoice(sorted(keep + unsealed), last_sealed)


Probe = tuple[int, tuple[tuple[int, int], ...]]
"""A hash's part of the filter and its three bits there, as (byte, mask) pairs."""


def _where(value: int) -> Probe:
    return value >> _PART_SHIFT, tuple((probe >> 3, 1 << (probe & 7)) for probe in _probes(value))


def _may_hold_all(parts: dict[int, bytes], terms: list[list[Probe]]) -> bool:
    """Whether a block whose filter is ``parts`` may hold every term (one of each term's hashes; a
    missing part can't say no)."""
    for term in terms:
        for part, probes in term:
            bits = parts.get(part)
            if bits is None or all(bits[byte] & mask for byte, mask in probes):
                break
        else:
            return False
    return True


@cache
def _filters_statement() -> sa.Select[*tuple[Any, ...]]:
    """Some parts of one person's block filters (built once; values bound per call)."""
    b = SEARCH_BLOOMS
    return sa.select(b.c.block, b.c.part, b.c.bits).where(
        b.c.user_id == sa.bindparam("user_id"), b.c.part.in_(sa.bindparam("parts", expanding=True))
    )


# --- the index of migrations 0002-0007 (their upgrade, and 0008's downgrade) ---------------------

V1_IN_TITLE, V1_IN_MESSAGES = 1, 2


def v1_thread_rows(
    key: DataKey, *, user_id: uuid.UUID, thread_id: uuid.UUID, title: str | None, texts: Iterable[str]
) -> list[dict[str, Any]]:
    """One row per (term, thread): a signed 64-bit hash and where the term occurs (1 title, 2 messages)."""
    sources: dict[str, int] = {}
    for term in index_terms(title or ""):
        sources[term] = V1_IN_TITLE
    for text in texts:
        for term in index_terms(text):
            sources[term] = sources.get(term, 0) | V1_IN_MESSAGES
    rows = []
    for term, bits in sources.items():
        digest = hmac.digest(key.search_key, user_id.bytes + term.encode("utf-8"), "sha256")
        rows.append(
            {
                "term_hash": int.from_bytes(digest[:8], "big", signed=True),
                "thread_id": thread_id,
                "sources": bits,
            }
        )
    return rows
