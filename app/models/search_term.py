"""The search index of encrypted conversations: each thread's set of keyed term hashes, in one row.

Titles and messages are encrypted at rest, so SQL cannot ``LIKE`` them. Instead each thread has
one row holding the distinct terms of its title and of its messages, where a term is a
normalised word, each of its prefixes from 3 characters, or a punctuation mark
(``app.services.search_index`` says exactly what), each stored as the first 48 bits of
HMAC-SHA256 under a key derived from the encryption key and bound to the owner's id. Without the
key a term can't be guessed by hashing a dictionary, and the same word hashes differently for two
people, so rows reveal nothing across users; what they do reveal is which of one person's threads
share a term.

Design choices (issue 19: the index was 4x the size of the messages it indexes):
- One row per thread, the terms packed as sorted 6-byte hashes (``TERM_BYTES``): ~6 bytes a term,
  where a row per (term, thread) cost ~110 bytes a term on SQLite and more on PostgreSQL (row
  header, the primary key index and the thread index each repeated the thread's UUID).
- Search scans the person's own threads, newest first, and tests each row for every query hash
  (``instr`` / ``position``): no lookup by term, so its cost grows with the number of one person's
  threads, and a common word stops at the first page.
- The messages' terms in eight columns by term length (1-2 characters, 3, 4, ... 8, 9-12;
  ``MESSAGE_COLUMNS``): a query term is known to be of one length, so each row tests only the
  column of that length, about an eighth of the thread's hashes (a scan 4-8x shorter).
- ``title_terms`` apart from the messages': a rename replaces the title's terms and keeps
  those of the messages. Messages are never edited once written (only filled in while produced),
  so the message columns only ever gain terms.
- No ``user_id``: the search joins ``threads`` on its owner, so a row can only match its owner's
  own search; the primary key is the foreign key, and a thread's row goes with it (CASCADE).
- On PostgreSQL every terms column is ``STORAGE MAIN`` (migration 0008): hashes don't compress, and a
  row kept inline is scanned without a TOAST lookup.

Blocks (migration 0009; issue 19: a word the person never wrote scanned every one of their threads,
10 ms at 1,000 threads on PostgreSQL): each person's threads are numbered into blocks of
``BLOCK_THREADS`` as they are made (``threads.search_block``). Once a block is full and the next one
starts, it is *sealed*: a Bloom filter of every term of its threads is written to ``search_blooms``
(``BLOOM_PARTS`` rows of ``PART_BYTES``, a term's part and bits read off its hash) and its threads'
rows get ``in_bloom``, so terms they gain later (new messages, a rename) are added to the filter too.
A search reads the filters first and then tests only the threads of the blocks that may hold every
query term, of the block still open, and of threads loaded in bulk without a block. Filters only
ever gain bits (a deleted thread's or an old title's terms stay: a false "maybe", never a miss);
key rotation rebuilds them. Size: 4 KB a block, ~256 bytes a thread.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

MESSAGE_COLUMNS = (
    "terms_1_2",
    "terms_3",
    "terms_4",
    "terms_5",
    "terms_6",
    "terms_7",
    "terms_8",
    "terms_9_12",
)
"""The messages' terms by length in characters: a query term is only looked for among its own length."""


def _terms() -> Any:
    return Field(default=b"", sa_type=sa.LargeBinary, nullable=False)


class ThreadTerms(SQLModel, table=True):
    """The hashed terms of one thread (see the module docstring)."""

    __tablename__ = "search_terms"

    thread_id: uuid.UUID = Field(
        primary_key=True, sa_column_args=[sa.ForeignKey("threads.id", ondelete="CASCADE")]
    )
    title_terms: bytes = _terms()
    in_bloom: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    """The thread's block is sealed: terms it gains go into the block's filter too."""
    terms_1_2: bytes = _terms()
    terms_3: bytes = _terms()
    terms_4: bytes = _terms()
    terms_5: bytes = _terms()
    terms_6: bytes = _terms()
    terms_7: bytes = _terms()
    terms_8: bytes = _terms()
    terms_9_12: bytes = _terms()


SEARCH_TERMS: sa.Table = ThreadTerms.__table__  # type: ignore[attr-defined]  # set by SQLAlchemy, undeclared by SQLModel
"""The table itself, for the Core upserts (no ORM objects on the write path)."""


BLOCK_THREADS = 16
"""Threads of one person in a block (the last block stays open until it holds this many)."""
BLOOM_PARTS = 8
PART_BYTES = 512
"""A block's filter is BLOOM_PARTS rows of PART_BYTES (4,096 bits each): a query word reads one part
of each block, and a row stays small enough to live inline (no TOAST on PostgreSQL)."""


class BlockBloom(SQLModel, table=True):
    """One part of the Bloom filter of a sealed block of one person's threads (see the module docstring)."""

    __tablename__ = "search_blooms"

    user_id: uuid.UUID = Field(
        primary_key=True, sa_column_args=[sa.ForeignKey("users.id", ondelete="CASCADE")]
    )
    part: int = Field(primary_key=True, sa_type=sa.SmallInteger, sa_column_kwargs={"autoincrement": False})
    block: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    bits: bytes = Field(sa_type=sa.LargeBinary, nullable=False)


SEARCH_BLOOMS: sa.Table = BlockBloom.__table__  # type: ignore[attr-defined]  # set by SQLAlchemy, undeclared by SQLModel
