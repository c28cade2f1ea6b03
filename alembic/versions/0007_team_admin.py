"""running Ticked for a team: admins, two-factor, sessions, access tokens, invitations, SSO, audit log

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

Upgrade (issue 18):
- ``users.is_admin`` (the earliest account becomes the admin, so an existing instance keeps a way
  in), ``users.last_active_at``, ``users.totp_secret`` (encrypted) and ``users.totp_enabled_at``;
- ``auth_tokens.user_agent``, ``auth_tokens.ip`` and ``auth_tokens.last_seen_at`` (the sessions list);
- new tables ``access_tokens``, ``recovery_codes``, ``instance_settings``, ``signup_invites``,
  ``user_identities`` and ``audit_events``.

Downgrade drops them: admin roles, two-factor enrolments, access tokens, invitations, SSO links
and the audit log are lost.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import EncryptedText, UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _string(length: int) -> sa.types.TypeEngine:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("last_active_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("totp_secret", EncryptedText("users.totp_secret"), nullable=True))
        batch.add_column(sa.Column("totp_enabled_at", UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE users SET is_admin = true WHERE id = "
        "(SELECT id FROM users ORDER BY created_at, id LIMIT 1)"
    )
    with op.batch_alter_table("auth_tokens") as batch:
        batch.add_column(sa.Column("user_agent", _string(300), nullable=True))
        batch.add_column(sa.Column("ip", _string(64), nullable=True))
        batch.add_column(sa.Column("last_seen_at", UTCDateTime(), nullable=True))
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", _string(100), nullable=False),
        sa.Column("scope", _string(8), nullable=False),
        sa.Column("token_hash", _string(64), nullable=False),
        sa.Column("prefix", _string(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("scope IN ('read','write','admin')", name="ck_access_tokens_scope"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_access_tokens_user_id", "access_tokens", ["user_id"])
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", _string(255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_recovery_codes_user_id", "recovery_codes", ["user_id"])
    op.create_table(
        "instance_settings",
        sa.Column("key", _string(64), nullable=False),
        sa.Column("value", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "signup_invites",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", _string(64), nullable=False),
        sa.Column("email", _string(320), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("used_by", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["used_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "user_identities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("issuer", _string(255), nullable=False),
        sa.Column("subject", _string(255), nullable=False),
        sa.Column("email", _string(320), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_login_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "subject", name="uq_user_identities_issuer_subject"),
    )
    op.create_index("ix_user_identities_user_id", "user_identities", ["user_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_email", _string(320), nullable=True),
        sa.Column("action", _string(64), nullable=False),
        sa.Column("target_type", _string(32), nullable=True),
        sa.Column("target_id", _string(64), nullable=True),
        sa.Column("target_label", _string(320), nullable=True),
        sa.Column("ip", _string(64), nullable=True),
        sa.Column("surface", _string(16), nullable=False),
        sa.Column("outcome", _string(16), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", _string(64), nullable=False),
        sa.Column("hash", _string(64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hash"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_actor_id", "audit_events", ["actor_id"])
    op.create_index("ix_audit_events_action", "audit_events", ["action"])


def downgrade() -> None:
    for table in (
        "audit_events",
        "user_identities",
        "signup_invites",
        "instance_settings",
        "recovery_codes",
        "access_tokens",
    ):
        op.drop_table(table)
    with op.batch_alter_table("auth_tokens") as batch:
        for name in ("last_seen_at", "ip", "user_agent"):
            batch.drop_column(name)
    with op.batch_alter_table("users") as batch:
        for name in ("totp_enabled_at", "totp_secret", "last_active_at", "is_admin"):
            batch.drop_column(name)
