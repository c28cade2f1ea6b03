"""Apply Alembic migrations from code (the CLI, ``make run`` and tests share this)."""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from app.core.config import PROJECT_ROOT, get_settings

# Indexes with a sort order (DESC) are expressions to Alembic: it cannot reflect and compare
# them on every dialect, so autogenerate skips them; tests check they exist by name instead.
EXPRESSION_INDEXES = frozenset({"ix_threads_user_updated"})


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic hook: leave expression indexes out of autogenerate comparisons."""
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def alembic_config(url: str | None = None) -> Config:
    """Our ``alembic.ini`` pointed at ``url`` (default: the settings' database)."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.set_main_option(
        "sqlalchemy.url", (url or get_settings().effective_database_url).replace("%", "%%")
    )
    config.attributes["configure_logger"] = False
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
