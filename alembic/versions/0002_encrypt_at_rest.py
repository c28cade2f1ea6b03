"""encrypt chat content at rest; keyed-hash search index; messages keyset index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Upgrade:
- the encrypted columns become TEXT (``threads.title`` was VARCHAR(200), the JSON ones JSON):
  PostgreSQL casts in place, SQLite copies each table (batch mode; ``alembic/env.py`` turns
  foreign keys off meanwhile so the copy's DROP cascades nothing);
- creates ``search_terms`` and fills it from every thread's title and messages;
- ``ix_messages_thread_created`` gains ``id``: (thread_id, created_at, id) is the chat's keyset
  order, so "load earlier" reads one index range and sorts nothing;
- encrypts every existing value under the primary key (``app.core.crypto``), in batches.
Downgrade decrypts everything back (the key must still be configured) and restores the types.

The column list is spelled out here rather than read from the models, so this revision keeps
meaning what it meant when later revisions change the models.
"""

from collections.abc import Iterator, Sequence
from typing import Any
import uuid

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.core.crypto import get_keyring, is_encrypted

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500

# table -> [(column, type before, nullable, is JSON)]
COLUMNS: dict[str, list[tuple[str, Any, bool, bool]]] = {
    "threads": [
        ("title", sqlmodel.sql.sqltypes.AutoString(length=200), False, False),
        ("metadata", sa.JSON(), False, True),
    ],
    "messages": [
        ("content", sa.Text(), False, False),
        ("tool_calls", sa.JSON(), True, True),
        ("metadata", sa.JSON(), False, True),
    ],
    "task_operations": [
        ("input_text", sa.Text(), False, False),
        ("structured_command", sa.JSON(), False, True),
        ("result", sa.JSON(), True, True),
    ],
    "widgets": [("payload", sa.JSON(), False, True)],
    "actions": [("payload", sa.JSON(), False, True), ("result", sa.JSON(), True, True)],
}


def _retype(to_text: bool) -> None:
    bind = op.get_bind()
    for table, columns in COLUMNS.items():
        changes = [
            (name, old, nullable) for name, old, nullable, _ in columns if not isinstance(old, sa.Text)
        ]
        if not changes:
            continue
        if bind.dialect.name == "postgresql":
            for name, old, nullable in changes:
                new = sa.Text() if to_text else old
                cast = "text" if to_text else ("json" if isinstance(old, sa.JSON) else "varchar(200)")
                op.alter_column(
                    table,
                    name,
                    type_=new,
                    existing_type=old if to_text else sa.Text(),
                    existing_nullable=nullable,
                    postgresql_using=f'"{name}"::{cast}',
                )
            continue
        if table == "threads":  # batch mode would recreate it without its DESC
            op.drop_index("ix_threads_user_updated", table_name="threads")
        with op.batch_alter_table(table) as batch:
            for name, old, nullable in changes:
                batch.alter_column(
                    name,
                    type_=sa.Text() if to_text else old,
                    existing_type=old if to_text else sa.Text(),
                    existing_nullable=nullable,
                )
        if table == "threads":
            op.create_index("ix_threads_user_updated", "threads", ["user_id", sa.text("updated_at DESC")])


def _pages(conn: sa.Connection, table: str, names: list[str]) -> Iterator[list[sa.Row]]:
    """Every row's id and ``names``, BATCH rows at a time in id order (keyset, not OFFSET)."""
    lite = sa.table(table, sa.column("id"), *(sa.column(n, sa.Text) for n in names))
    last = None
    while True:
        stmt = sa.select(lite.c.id, *(lite.c[n] for n in names)).order_by(lite.c.id).limit(BATCH)
        if last is not None:
            stmt = stmt.where(lite.c.id > sa.bindparam("last", last))
        rows = conn.execute(stmt).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _rewrite(encrypt: bool) -> None:
    """Encrypt (or decrypt) every value of every listed column, one UPDATE batch per page."""
    conn = op.get_bind()
    keyring = get_keyring()
    for table, columns in COLUMNS.items():
        names = [name for name, *_ in columns]
        lite = sa.table(table, sa.column("id"), *(sa.column(n, sa.Text) for n in names))
        for rows in _pages(conn, table, names):
            for i, name in enumerate(names, start=1):
                context = f"{table}.{name}"
                changed = []
                for row in rows:
                    value = row[i]
                    if value is None or is_encrypted(value) == encrypt:
                        continue
                    new = keyring.encrypt(value, context) if encrypt else keyring.decrypt(value, context)
                    changed.append({"b_id": row[0], "b_value": new})
                if changed:
                    conn.execute(
                        sa.update(lite)
                        .where(lite.c.id == sa.bindparam("b_id"))
                        .values({name: sa.bindparam("b_value", type_=sa.Text)}),
                        changed,
                    )


def _build_search_index() -> None:
    """Index every thread's title and messages (see app.services.search_index for the terms)."""
    from app.services.search_index import v1_thread_rows as thread_rows

    conn = op.get_bind()
    keyring = get_keyring()
    key = keyring.primary
    messages = sa.table("messages", sa.column("thread_id"), sa.column("content", sa.Text))
    terms = sa.table("search_terms", sa.column("term_hash"), sa.column("thread_id"), sa.column("sources"))
    for rows in _pages(conn, "threads", ["user_id", "title"]):
        ids = [row[0] for row in rows]
        texts: dict[Any, list[str]] = {tid: [] for tid in ids}
        for thread_id, content in conn.execute(
            sa.select(messages.c.thread_id, messages.c.content).where(messages.c.thread_id.in_(ids))
        ):
            texts[thread_id].append(keyring.decrypt(content, "messages.content"))
        batch: list[dict[str, Any]] = []
        for thread_id, user_id, title in rows:
            owner = user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id))
            for row in thread_rows(
                key,
                user_id=owner,
                thread_id=thread_id,
                title=keyring.decrypt(title, "threads.title"),
                texts=texts[thread_id],
            ):
                batch.append(row)
        for start in range(0, len(batch), BATCH * 4):
            conn.execute(sa.insert(terms), batch[start : start + BATCH * 4])


def upgrade() -> None:
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
    _retype(to_text=True)
    op.drop_index("ix_messages_thread_created", table_name="messages")
    op.create_index("ix_messages_thread_created", "messages", ["thread_id", "created_at", "id"], unique=False)
    _build_search_index()
    _rewrite(encrypt=True)


def downgrade() -> None:
    _rewrite(encrypt=False)
    op.drop_index("ix_messages_thread_created", table_name="messages")
    op.create_index("ix_messages_thread_created", "messages", ["thread_id", "created_at"], unique=False)
    _retype(to_text=False)
    op.drop_index("ix_search_terms_thread_id", table_name="search_terms")
    op.drop_table("search_terms")
