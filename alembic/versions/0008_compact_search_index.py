"""search index: one row per thread holding its packed term hashes (a fraction of the size)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

Upgrade (issue 19): ``search_terms`` had a row per (term, thread) with a 64-bit hash, its
primary key and a thread index; at 2,000 threads of 20 messages it was ~4x the size of the
encrypted messages. It becomes one row per thread: ``title_terms`` and the messages' terms by
length (``terms_1_2``, ``terms_3`` ... ``terms_8``, ``terms_9_12``), each the sorted 48-bit hashes
of its terms concatenated (``app.services.search_index``; same terms, same word-start matching).
The table is rebuilt from every thread's title and messages (they are decrypted here, so the key
must be configured), a page of threads at a time. On PostgreSQL
the terms columns are ``STORAGE MAIN``: hashes don't compress, and inline rows scan without TOAST.

Downgrade rebuilds the per-term table of revisions 0002-0007 the same way.
"""

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from alembic import op
from app.core.crypto import get_keyring

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE = 500
TERMS_COLUMNS = (
    "title_terms",
    "terms_1_2",
    "terms_3",
    "terms_4",
    "terms_5",
    "terms_6",
    "terms_7",
    "terms_8",
    "terms_9_12",
)

THREADS = sa.table("threads", sa.column("id", sa.Uuid()), sa.column("user_id", sa.Uuid()), sa.column("title"))
MESSAGES = sa.table("messages", sa.column("thread_id", sa.Uuid()), sa.column("content"))


def _threads() -> Iterator[list[tuple[Any, Any, str, list[str]]]]:
    """Every thread as (id, owner, title, message texts), decrypted, PAGE threads at a time."""
    conn = op.get_bind()
    keyring = get_keyring()
    last = None
    while True:
        stmt = sa.select(THREADS.c.id, THREADS.c.user_id, THREADS.c.title).order_by(THREADS.c.id).limit(PAGE)
        if last is not None:
            stmt = stmt.where(THREADS.c.id > last)
        rows = conn.execute(stmt).all()
        if not rows:
            return
        last = rows[-1][0]
        texts: dict[Any, list[str]] = {row[0]: [] for row in rows}
        stmt = sa.select(MESSAGES.c.thread_id, MESSAGES.c.content).where(
            MESSAGES.c.thread_id.in_(list(texts))
        )
        for thread_id, content in conn.execute(stmt):
            texts[thread_id].append(keyring.decrypt(content, "messages.content"))
        yield [
            (tid, owner, keyring.decrypt(title, "threads.title"), texts[tid]) for tid, owner, title in rows
        ]


def upgrade() -> None:
    from app.services.search_index import HashCache, thread_row

    op.drop_index("ix_search_terms_thread_id", table_name="search_terms")
    op.drop_table("search_terms")
    op.create_table(
        "search_terms",
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        *(sa.Column(name, sa.LargeBinary(), nullable=False) for name in TERMS_COLUMNS),
        sa.ForeignKeyConstraint(["thread_id"], ["threads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("thread_id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        storage = ", ".join(f"ALTER COLUMN {name} SET STORAGE MAIN" for name in TERMS_COLUMNS)
        op.execute(f"ALTER TABLE search_terms {storage}")
    terms = sa.table(
        "search_terms",
        sa.column("thread_id", sa.Uuid()),
        *(sa.column(name, sa.LargeBinary()) for name in TERMS_COLUMNS),
    )
    key = get_keyring().primary
    for page in _threads():
        cache: HashCache = {}
        rows = [
            thread_row(key, user_id=owner, thread_id=tid, title=title, texts=texts, cache=cache)
            for tid, owner, title, texts in page
        ]
        op.get_bind().execute(sa.insert(terms), rows)


def downgrade() -> None:
    from app.services.search_index import v1_thread_rows

    op.drop_table("search_terms")
    op.create_table(
        "search_terms",
        sa.Column("term_hash", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("sources", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(["thread_id"], ["threads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("term_hash", "thread_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_search_terms_thread_id", "search_terms", ["thread_id"], unique=False)
    terms = sa.table(
        "search_terms",
        sa.column("term_hash", sa.BigInteger()),
        sa.column("thread_id", sa.Uuid()),
        sa.column("sources", sa.SmallInteger()),
    )
    key = get_keyring().primary
    for page in _threads():
        rows: list[dict[str, Any]] = []
        for tid, owner, title, texts in page:
            rows += v1_thread_rows(key, user_id=owner, thread_id=tid, title=title, texts=texts)
        for start in range(0, len(rows), PAGE * 4):
            op.get_bind().execute(sa.insert(terms), rows[start : start + PAGE * 4])
