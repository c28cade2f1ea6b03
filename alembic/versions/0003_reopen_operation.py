"""journal reopening a task as its own operation type

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05

Upgrade: ``task_operations.operation_type`` may also be ``reopen`` (it was journaled as ``update``,
so undoing it said "editing"). Downgrade turns the ``reopen`` rows back into ``update`` ones, as
they were journaled before, and restores the narrower check. SQLite rebuilds the table (batch mode).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ck_task_operations_type"
BEFORE = ("create", "update", "delete", "complete", "search", "categorize")
AFTER = (*BEFORE, "reopen")


def _check(kinds: Sequence[str]) -> str:
    return "operation_type IN (" + ",".join(f"'{kind}'" for kind in kinds) + ")"


def _replace(kinds: Sequence[str]) -> None:
    with op.batch_alter_table("task_operations") as batch:
        batch.drop_constraint(NAME, type_="check")
        batch.create_check_constraint(NAME, _check(kinds))


def upgrade() -> None:
    _replace(AFTER)


def downgrade() -> None:
    op.execute(
        sa.text("UPDATE task_operations SET operation_type = 'update' WHERE operation_type = 'reopen'")
    )
    _replace(BEFORE)
