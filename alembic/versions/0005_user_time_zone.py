"""every user has a time zone

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

Upgrade: ``users.time_zone`` (an IANA name), "UTC" for every existing account (the server's clock
until now) and for a row written without one. Downgrade drops it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "time_zone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default="UTC"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("time_zone")
