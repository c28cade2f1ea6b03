"""search index: each person's threads in blocks of 16, with a Bloom filter of each full block's terms

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

Upgrade (issue 19: a word the person never wrote tested every one of their threads):
- ``threads.search_block`` (nullable) and ``ix_threads_user_search_block (user_id, search_block)``;
- ``search_terms.in_bloom`` (false);
- the table ``search_blooms`` (owner, part, block, bits): 8 parts of 512 bytes for each sealed block;
- every person's threads numbered into blocks oldest first, and every block but each person's last
  sealed: its filter built from the stored hashes (no key is needed, nothing is decrypted).

Downgrade drops them; search then tests every thread again, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from app.services.search_index import number_blocks

    op.add_column("threads", sa.Column("search_block", sa.Integer(), nullable=True))
    op.create_index("ix_threads_user_search_block", "threads", ["user_id", "search_block"], unique=False)
    op.add_column(
        "search_terms", sa.Column("in_bloom", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_table(
        "search_blooms",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("part", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("block", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("bits", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "part", "block"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_blooms ALTER COLUMN bits SET STORAGE MAIN")
    number_blocks(op.get_bind())


def downgrade() -> None:
    op.drop_table("search_blooms")
    op.drop_column("search_terms", "in_bloom")
    op.drop_index("ix_threads_user_search_block", table_name="threads")
    op.drop_column("threads", "search_block")
