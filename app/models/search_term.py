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
  threads (~3 ms per 1,000 threads of ~400 terms), and a common word stops at the first page.
- ``title_terms`` apart from ``message_terms``: a rename replaces the title's terms and keeps
  those of the messages. Messages are never edited once written (only filled in while produced),
  so ``message_terms`` only ever gains terms.
- No ``user_id``: the search joins ``threads`` on its owner, so a row can only match its owner's
  own search; the primary key is the foreign key, and a thread's row goes with it (CASCADE).
- On PostgreSQL both columns are ``STORAGE MAIN`` (migration 0008): hashes don't compress, and a
  row kept inline is scanned without a TOAST lookup.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class ThreadTerms(SQLModel, table=True):
    """The hashed terms of one thread (see the module docstring)."""

    __tablename__ = "search_terms"

    thread_id: uuid.UUID = Field(
        primary_key=True, sa_column_args=[sa.ForeignKey("threads.id", ondelete="CASCADE")]
    )
    title_terms: bytes = Field(default=b"", sa_type=sa.LargeBinary, nullable=False)
    message_terms: bytes = Field(default=b"", sa_type=sa.LargeBinary, nullable=False)


SEARCH_TERMS: sa.Table = ThreadTerms.__table__  # type: ignore[attr-defined]  # set by SQLAlchemy, undeclared by SQLModel
"""The table itself, for the Core upserts (no ORM objects on the write path)."""
