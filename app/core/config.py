"""One settings object, read from the environment (and an optional ``.env``).

Every knob of Ticked lives here so that the web app, the CLI, the API and the tests agree.
Secrets that are not given are generated once and kept in ``data/`` (never in git), so a
fresh ``make run`` works with no configuration and a restart keeps every session valid.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"


MIN_JWT_SECRET_BYTES = 32
"""HS256 keys shorter than the hash (32 bytes) are guessable offline from any one token."""


def _read_or_create_key_file(path: Path) -> str:
    """A generated secret file's content (the JWT secret, the encryption key), created once.

    The file is private (mode 0600) from its first byte, whatever the umask, and two processes
    starting at once agree on one secret (losing the encryption key loses data; two JWT secrets
    would sign people out of one another's worker): the new file is written completely under a
    temporary name and then hard-linked into place, which fails if another process got there
    first (whose secret is kept).
    """
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(48) + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    except OSError:  # a filesystem without hard links: exclusive create is the next best thing
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            os.replace(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text().strip()


class Settings(BaseSettings):
    """Ticked's configuration; each field maps to the upper-case environment variable."""

    model_config = SettingsConfigDict(
        env_file=".env",
        extra="ignore",
        case_sensitive=False,
        hide_input_in_errors=True,  # a refused secret stays out of the start-up error and logs
    )

    data_dir: Path = Field(default=DATA_DIR, description="Where the SQLite file and generated secrets live.")
    database_url: str = Field(default="", description="SQLAlchemy URL; default: SQLite file in data/.")
    db_pool_size: int = Field(default=5, ge=1, description="PostgreSQL pool size per process.")
    db_max_overflow: int = Field(default=10, ge=0, description="Extra PostgreSQL connections under load.")
    db_pool_timeout: float = Field(default=30.0, gt=0, description="Seconds to wait for a pooled connection.")
    db_pool_recycle: int = Field(default=1800, ge=-1, description="Seconds before a connection is recycled.")
    sqlite_busy_timeout_ms: int = Field(default=15000, ge=0, description="How long SQLite writers wait.")
    jwt_secret: str = Field(default="", description="HS256 key; default: generated into data/jwt_secret.")
    jwt_expires_minutes: int = Field(default=60 * 24 * 7, ge=1, description="Token lifetime.")
    agent_backend: Literal["auto", "local", "openai"] = "auto"
    openai_api_key: str = ""
    openai_base_url: str = ""
    openai_model: str = "gpt-4o-mini"
    openai_timeout_seconds: float = Field(default=60.0, gt=0)
    redis_url: str = Field(
        default="",
        repr=False,  # may hold a password
        description="Redis shared by several instances (page state, sign-in throttle); unset: one instance.",
    )
    reflex_redis_url: str = Field(
        default="",
        repr=False,
        exclude=True,
        description="Reflex's name for the same setting; read only to fill ``redis_url`` (see below).",
    )
    encryption_key: str = Field(
        default="",
        repr=False,  # a secret: never in a repr, a log line or a traceback
        description="Key(s) for data at rest; comma-separated, first encrypts. Default: data/encryption_key.",
    )
    chat_retention_days: int = Field(
        default=0, ge=0, description="Server maximum age of chats in days; 0 keeps them until users delete."
    )
    cors_allowed_origins: str = Field(
        default="",
        description="Comma-separated origins allowed to call the API from a browser; none by default.",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1,::1",
        description="Comma-separated proxy addresses (or networks, or *) whose X-Forwarded-For is believed.",
    )

    smtp_url: str = Field(
        default="",
        repr=False,  # holds the mail account's password
        description=(
            "Where reminder and digest emails go: smtp://user:pass@host:587?starttls=1 or "
            "smtps://user:pass@host:465; unset: reminders arrive in the app only."
        ),
    )
    mail_from: str = Field(default="Ticked <ticked@localhost>", description="The emails' From address.")
    public_url: str = Field(
        default="",
        description=(
            "The app's public address for the links in emails (Complete, Snooze); default: "
            "REFLEX_API_URL, else http://localhost:8000."
        ),
    )
    reflex_api_url: str = Field(
        default="",
        exclude=True,
        description="Reflex's public backend address; read only as the default of ``public_url``.",
    )
    # ----- running Ticked for a team (issue 18) -----
    signup_policy: Literal["open", "invite", "closed"] = Field(
        default="open",
        description="Who may create an account: anyone, invitees only, or nobody (the admin adds people). "
        "The admin console can change it; this is the value until it does.",
    )
    signup_allowed_domains: str = Field(
        default="", description="Comma-separated email domains allowed to sign up (empty: any)."
    )
    oidc_issuer: str = Field(default="", description="OpenID Connect issuer URL; unset: no single sign-on.")
    oidc_client_id: str = ""
    oidc_client_secret: str = Field(default="", repr=False)
    oidc_scopes: str = Field(default="openid email profile", description="Scopes asked for at sign-in.")
    oidc_provider_name: str = Field(default="", description="The sign-in button's name (default: SSO).")
    oidc_groups_claim: str = Field(default="groups", description="The ID token claim listing the groups.")
    oidc_admin_group: str = Field(default="", description="Members of this group become admins at sign-in.")
    oidc_allowed_groups: str = Field(
        default="",
        description="Comma-separated groups allowed to sign in (empty: anyone the provider admits).",
    )
    oidc_sso_only: bool = Field(
        default=False, description="Turn password sign-in off (admins can change it in the console)."
    )
    reminder_poll_seconds: float = Field(
        default=5.0, gt=0, description="How often each instance's scheduler looks for due reminders."
    )
    reminder_lease_seconds: int = Field(
        default=300,
        ge=30,
        description="After this long, a reminder claimed by an instance that never finished is taken over.",
    )
    reminder_max_attempts: int = Field(
        default=5, ge=1, description="Email attempts per reminder before it is marked failed."
    )
    reminder_retry_seconds: float = Field(
        default=60.0, gt=0, description="First email retry delay; doubles with each further failure."
    )
    reminder_smtp_connections: int = Field(
        default=4, ge=1, le=32, description="SMTP connections each instance sends reminders over at once."
    )

    @field_validator("database_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        size = len(value.encode())
        if value and size < MIN_JWT_SECRET_BYTES:
            raise ValueError(
                f"JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes long (this one is {size}). "
                "Unset it to have one generated into data/jwt_secret, or make one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return value

    @model_validator(mode="after")
    def _one_redis_url(self) -> Settings:
        """``redis_url`` is the one Redis setting: ``REFLEX_REDIS_URL`` if set, else ``REDIS_URL``.

        Reflex reads ``REFLEX_REDIS_URL`` itself, over what ``rxconfig.py`` passes it, so that
        order keeps Reflex's state, the sign-in throttle and the start-up recovery (which must not
        think it is alone and close other instances' live turns) on the same Redis.
        """
        self.redis_url = self.reflex_redis_url.strip() or self.redis_url.strip()
        return self

    @property
    def single_instance(self) -> bool:
        """No Redis: this is the only instance (so every open turn at start-up is a crash's leftover)."""
        return not self.redis_url

    @property
    def effective_database_url(self) -> str:
        """The URL in use: ``DATABASE_URL`` or the SQLite file under ``data/``."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'ticked.db').resolve()}"

    @property
    def effective_jwt_secret(self) -> str:
        """The signing key: ``JWT_SECRET`` or the one generated into ``data/``."""
        return self.jwt_secret or _read_or_create_key_file(self.data_dir / "jwt_secret")

    @property
    def encryption_key_path(self) -> Path:
        """Where the generated encryption key(s) live when ``ENCRYPTION_KEY`` is not set."""
        return self.data_dir / "encryption_key"

    @property
    def effective_encryption_keys(self) -> list[str]:
        """The at-rest keys, the one that encrypts first: ``ENCRYPTION_KEY`` or ``data/encryption_key``.

        Read on every call (not cached here) because ``python -m app.cli rotate-key`` rewrites the
        file while the app runs; :mod:`app.core.crypto` decides when to look again.
        """
        raw = self.encryption_key or _read_or_create_key_file(self.encryption_key_path)
        return [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()]

    @property
    def link_base_url(self) -> str:
        """Where the links in emails point: ``PUBLIC_URL``, else ``REFLEX_API_URL``, else the dev backend."""
        return (self.public_url.strip() or self.reflex_api_url.strip() or "http://localhost:8000").rstrip("/")

    @property
    def cors_origins(self) -> list[str]:
        """``CORS_ALLOWED_ORIGINS`` as a list; empty means same-origin only."""
        return [o.strip() for o in self.cors_allowed_origins.split(",") if o.strip()]

    @property
    def trusted_proxies(self) -> list[str]:
        """``FORWARDED_ALLOW_IPS`` as a list (see :mod:`app.core.proxies`)."""
        return [p.strip() for p in self.forwarded_allow_ips.split(",") if p.strip()]

    @property
    def effective_agent_backend(self) -> Literal["local", "openai"]:
        """``auto`` picks OpenAI only when a key is configured; otherwise the offline agent."""
        if self.agent_backend == "auto":
            return "openai" if self.openai_api_key else "local"
        return self.agent_backend


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests call ``get_settings.cache_clear()``)."""
    return Settings()
