"""The search index of encrypted conversations: keyed hashes of the words in titles and messages.

Titles and messages are encrypted at rest, so SQL cannot ``LIKE`` them. Instead each thread
keeps one row per distinct term of its title and messages, where a term is a normalised word,
each of its prefixes from 3 characters, or a punctuation mark (``app.services.search_index``
says exactly what), stored as the first 64 bits of HMAC-SHA256 under a key derived from the
encryption key and bound to the owner's id. Without the key a term can't be guessed by hashing a
dictionary, and the same word hashes differently for two people, so rows reveal nothing across
users; what they do reveal is which of one person's threads share a term.

Design choices:
- One row per (term, thread), not per message: a 200-message thread repeats most of its words,
  and rows per message made the index about twice as large in the store benchmark. Messages are
  never edited once written (only filled in while produced), so their terms are only ever added.
  ``sources`` says where a term occurs (1 = title, 2 = messages) so a rename can drop the old
  title's terms and keep those the messages still have.
- No ``user_id`` column: the owner is inside the hash, and the search query still filters
  ``threads.user_id``, so a hash collision can never show someone else's thread.
- The primary key (term_hash, thread_id) is the lookup index; on SQLite the table is
  WITHOUT ROWID, so the index is the table. ``ix_search_terms_thread_id`` serves deletes and
  the foreign key's cascade when a thread goes.

The price is space. ``bench/store.py``'s synthetic chats (random words from a 190-word list,
~10 messages a thread) give ~260 terms per thread, ~110-125 bytes each with the indexes: at 10k
threads 2.6M rows, 286 MB on SQLite and 321 MB on PostgreSQL, against ~45-50 MB of messages.
Real conversations repeat their words far more. If that ever matters more than exact results, a
per-thread Bloom filter scanned in Python would take ~1/30 of the space, at the cost of false
matches and of search time growing with the number of a person's threads.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

IN_TITLE = 1
IN_MESSAGES = 2


class SearchTerm(SQLModel, table=True):
    """One term of one thread (see the module docstring)."""

    __tablename__ = "search_terms"

    term_hash: int = Field(sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    thread_id: uuid.UUID = Field(
        primary_key=True, sa_column_args=[sa.ForeignKey("threads.id", ondelete="CASCADE")]
    )
    sources: int = Field(default=IN_MESSAGES, sa_type=sa.SmallInteger, nullable=False)

    __table_args__ = (
        sa.Index("ix_search_terms_thread_id", "thread_id"),
        {"sqlite_with_rowid": False},
    )


SEARCH_TERMS: sa.Table = SearchTerm.__table__  # type: ignore[attr-defined]  # set by SQLAlchemy, undeclared by SQLModel
"""The table itself, for the bulk upserts and deletes (Core statements: no ORM objects per term)."""
