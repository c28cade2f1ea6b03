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
index that is many times larger and leaks more. Hashes are 64-bit (the HMAC's first 8 bytes):
a false match needs a collision within one person's terms, around 1 in 10^13 per query term.

During a key rotation threads carry hashes under the old or the new key, so a query is hashed
under every configured key (``Keyring.keys``); rotation rebuilds each thread under the new one.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from app.core.crypto import DataKey, get_keyring
from app.models.search_term import IN_MESSAGES, IN_TITLE, SEARCH_TERMS, SearchTerm

PREFIX_MIN = 3
PREFIX_MAX = 12
QUERY_TERMS_MAX = 16
"""More query words only narrow the result; beyond this many the rest are ignored."""
INSERT_CHUNK = 1_000

_TOKEN = re.compile(r"[^\W_]+|[^\w\s]|_")


def normalize(text: str) -> str:
    """Fold case, compatibility forms and accents, the same for indexed text and queries."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", stripped.casefold())


def tokens(text: str) -> list[str]:
    """Words (letter/digit runs) and single visible non-word characters, normalised."""
    return _TOKEN.findall(normalize(text))


def _is_word(token: str) -> bool:
    return token[0].isalnum()


def index_terms(text: str) -> set[str]:
    """Every term of ``text`` the index keeps: short words whole, longer ones as their prefixes."""
    terms: set[str] = set()
    for token in tokens(text):
        if not _is_word(token) or len(token) < PREFIX_MIN:
            terms.add(token)
            continue
        for end in range(PREFIX_MIN, min(len(token), PREFIX_MAX) + 1):
            terms.add(token[:end])
    return terms


def query_terms(query: str) -> list[str]:
    """The terms a query needs, in order, without repeats (at most QUERY_TERMS_MAX)."""
    out: list[str] = []
    for token in tokens(query):
        term = token[:PREFIX_MAX] if _is_word(token) else token
        if term not in out:
            out.append(term)
    return out[:QUERY_TERMS_MAX]


def term_hash(key: DataKey, user_id: uuid.UUID, term: str) -> int:
    """A term's 64-bit keyed hash, bound to its owner (signed, to fit BIGINT)."""
    digest = hmac.digest(key.search_key, user_id.bytes + term.encode("utf-8"), "sha256")
    return int.from_bytes(digest[:8], "big", signed=True)


def thread_rows(
    key: DataKey, *, user_id: uuid.UUID, thread_id: uuid.UUID, title: str | None, texts: Iterable[str]
) -> list[dict[str, Any]]:
    """The index rows of one whole thread (for bulk loads, the migration and key rotation)."""
    sources: dict[str, int] = {}
    for term in index_terms(title or ""):
        sources[term] = IN_TITLE
    for text in texts:
        for term in index_terms(text):
            sources[term] = sources.get(term, 0) | IN_MESSAGES
    return [
        {"term_hash": term_hash(key, user_id, term), "thread_id": thread_id, "sources": bits}
        for term, bits in sources.items()
    ]


@lru_cache(maxsize=8)
def _upsert_statement(dialect: str, bit: int) -> Any:
    """INSERT ... ON CONFLICT adding ``bit``; one statement per (dialect, bit), so it compiles once.

    Run with a list of rows (executemany): SQLAlchemy batches them into multi-row VALUES itself,
    where building a VALUES statement per call cost ~5 ms of compiling on every message.
    """
    table = SEARCH_TERMS
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_update(
        index_elements=["term_hash", "thread_id"],
        set_={"sources": table.c.sources.op("|")(bit)},
        where=table.c.sources.op("&")(bit) != bit,
    )


def _upsert(bind: Session | Connection, rows: list[dict[str, Any]], bit: int) -> None:
    """Add rows, or the ``bit`` to rows that exist; sorted so concurrent writers lock in one order."""
    if not rows:
        return
    dialect = bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name
    rows = sorted(rows, key=lambda r: r["term_hash"])
    for start in range(0, len(rows), INSERT_CHUNK):
        bind.execute(_upsert_statement(dialect, bit), rows[start : start + INSERT_CHUNK])


def _rows(user_id: uuid.UUID, thread_id: uuid.UUID, text: str, bit: int) -> list[dict[str, Any]]:
    key = get_keyring().primary
    return [
        {"term_hash": term_hash(key, user_id, term), "thread_id": thread_id, "sources": bit}
        for term in index_terms(text)
    ]


def add_message_text(session: Session, *, user_id: uuid.UUID, thread_id: uuid.UUID, text: str) -> None:
    """Index a message's text in its thread (messages only ever gain text, so terms are only added)."""
    _upsert(session, _rows(user_id, thread_id, text, IN_MESSAGES), IN_MESSAGES)


def set_title(
    session: Session, *, user_id: uuid.UUID, thread_id: uuid.UUID, title: str, new: bool = False
) -> None:
    """Index a thread's (new) title: drop the old title's terms the messages don't also have."""
    table = SEARCH_TERMS
    if not new:
        session.execute(
            sa.update(table)
            .where(table.c.thread_id == thread_id, table.c.sources.op("&")(IN_TITLE) != 0)
            .values(sources=table.c.sources.op("&")(IN_MESSAGES))
        )
        session.execute(sa.delete(table).where(table.c.thread_id == thread_id, table.c.sources == 0))
    _upsert(session, _rows(user_id, thread_id, title, IN_TITLE), IN_TITLE)


def insert_rows(bind: Session | Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk-add precomputed rows (see :func:`thread_rows`), merging with rows already there."""
    by_bit: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_bit.setdefault(row["sources"], []).append(row)
    for bit, group in sorted(by_bit.items()):
        _upsert(bind, group, bit)


def thread_filters(user_id: uuid.UUID, query: str, thread_id: Any) -> list[sa.ColumnElement[bool]]:
    """One condition per query term on ``thread_id`` (a column): that thread has the term.

    Each term is hashed under every configured key, so threads indexed before a rotation reached
    them are found too. An empty list means the query holds nothing searchable (no filter).
    """
    keys = get_keyring().keys
    filters: list[sa.ColumnElement[bool]] = []
    for term in query_terms(query):
        hashes = sorted({term_hash(key, user_id, term) for key in keys})
        having = select(SearchTerm.thread_id).where(col(SearchTerm.term_hash).in_(hashes))
        filters.append(thread_id.in_(having))
    return filters
