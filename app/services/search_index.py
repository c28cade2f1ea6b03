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
under every configured key (``Keyring.keys``); rotation rebuilds each thread under the new one.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session

from app.core.crypto import DataKey, get_keyring
from app.core.db import begin_write
from app.models.search_term import MESSAGE_COLUMNS, SEARCH_TERMS

PREFIX_MIN = 3
PREFIX_MAX = 12
QUERY_TERMS_MAX = 16
"""More query words only narrow the result; beyond this many the rest are ignored."""
TERM_BYTES = 6
"""Bytes kept of each term's HMAC (48 bits; see the false-match odds above)."""
INSERT_CHUNK = 500

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


def _upsert_statement(dialect: str, columns: Sequence[str]) -> Any:
    """INSERT ... ON CONFLICT (thread_id) DO UPDATE replacing ``columns`` (both dialects)."""
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SEARCH_TERMS)
    return insert.on_conflict_do_update(
        index_elements=["thread_id"], set_={name: insert.excluded[name] for name in columns}
    )


def _dialect(bind: Session | Connection) -> str:
    return bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name


_EMPTY = dict.fromkeys(("title_terms", *MESSAGE_COLUMNS), b"")


def insert_rows(bind: Session | Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Write whole rows (see :func:`thread_row`), replacing the threads' rows already there."""
    statement = _upsert_statement(_dialect(bind), list(_EMPTY))
    ordered = sorted(rows, key=lambda r: str(r["thread_id"]))  # concurrent writers lock in one order
    for start in range(0, len(ordered), INSERT_CHUNK):
        bind.execute(statement, ordered[start : start + INSERT_CHUNK])


def add_message_text(session: Session, *, user_id: uuid.UUID, thread_id: uuid.UUID, text: str) -> None:
    """Add a message's terms to its thread's (messages only gain text, so terms are only added).

    Read, merge, write: the row is locked first (``FOR UPDATE``; SQLite's write lock), so two
    writers of one thread merge one after the other instead of one losing the other's terms.
    Only columns that gain a term are written; nothing when the thread has every term already,
    as later messages mostly do.
    """
    new = _grouped(get_keyring().primary, user_id, set(tokens(text)), None)
    if not new:
        return
    begin_write(session)
    table = SEARCH_TERMS
    read = sa.select(*(table.c[c] for c in MESSAGE_COLUMNS)).where(table.c.thread_id == thread_id)
    stored = session.execute(read.with_for_update()).first()
    if stored is None:  # a thread made outside create_thread (bulk loads, tests): give it its row
        insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
        session.execute(
            insert(table)
            .values(thread_id=thread_id, **_EMPTY)
            .on_conflict_do_nothing(index_elements=["thread_id"])
        )
        stored = session.execute(read.with_for_update()).one()
    changed: dict[str, bytes] = {}
    for column, packed in zip(MESSAGE_COLUMNS, stored, strict=True):
        hashes = new.get(column)
        if hashes:
            have = unpack(packed)
            if not hashes <= have:
                changed[column] = pack(have | hashes)
    if changed:
        session.execute(sa.update(table).where(table.c.thread_id == thread_id).values(**changed))


def set_title(session: Session, *, user_id: uuid.UUID, thread_id: uuid.UUID, title: str) -> None:
    """Index a thread's (new) title in place of the old one; the messages' terms stay."""
    statement = _upsert_statement(_dialect(session), ["title_terms"])
    terms = pack(text_hashes(get_keyring().primary, user_id, title))
    session.execute(statement, [{**_EMPTY, "thread_id": thread_id, "title_terms": terms}])


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


def thread_filters(user_id: uuid.UUID, query: str, thread_id: Any) -> list[sa.ColumnElement[bool]]:
    """The condition on ``thread_id`` (a column) that its thread has every term of ``query``.

    Each term is hashed under every configured key, so threads indexed before a rotation reached
    them are found too. An empty list means the query holds nothing searchable (no filter).
    """
    keys = get_keyring().keys
    table = SEARCH_TERMS
    wanted: list[sa.ColumnElement[bool]] = []
    for term in query_terms(query):
        hashes = sorted({term_hash(key, user_id, term) for key in keys})
        columns = (table.c.title_terms, table.c[column_of(term)])
        wanted.append(sa.or_(*(_has_bytes(column, h) for h in hashes for column in columns)))
    if not wanted:
        return []
    return [sa.exists().where(table.c.thread_id == thread_id, *wanted)]


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
