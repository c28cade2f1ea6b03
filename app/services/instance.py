"""Instance-wide settings an admin controls (issue 18): who may sign up, two-factor for everyone,
access token lifetimes, retention of chats and of the audit log, password sign-in with SSO.

Each setting has a default from the environment (``SIGNUP_POLICY``, ``SIGNUP_ALLOWED_DOMAINS``,
``OIDC_SSO_ONLY``, ``CHAT_RETENTION_DAYS``; the rest built in) until an admin changes it in the
console; the change is a row of ``instance_settings`` and wins from then on (the console shows
which values still come from the environment). We chose "the admin's change wins" over "the
environment always wins" so a team can run the console without redeploying; a value set by
environment only is shown as such, and resetting a setting returns to it.

Reads are cheap (one small table) and cached for a few seconds per process; a change clears this
process's cache, and other instances see it within :data:`CACHE_SECONDS`.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlmodel import Session, select

from app.core.config import get_settings
from app.models import InstanceSetting
from app.models.base import utcnow
from app.services.errors import InvalidInputError, invalid

CACHE_SECONDS = 5.0
SignupPolicy = Literal["open", "invite", "closed"]


class InstanceSettings(BaseModel):
    """Every instance setting with its value now."""

    model_config = ConfigDict(extra="forbid")

    signup_policy: SignupPolicy = "open"
    signup_allowed_domains: list[str] = Field(default_factory=list)
    """Email domains that may sign up (empty: any); invitations and SSO obey it too."""
    require_2fa: bool = False
    """Everyone must turn on two-factor sign-in (asked to enrol at their next sign-in)."""
    sso_only: bool = False
    """Password sign-in is off (single sign-on only); admins keep a password as a way back in."""
    token_max_days: int | None = Field(default=None, ge=1, le=3650)
    """The longest an access token may live (None: no maximum, tokens may never expire)."""
    default_chat_retention_days: int = Field(default=0, ge=0, le=36500)
    """Chats older than this are deleted (0: kept until people delete them)."""
    audit_retention_days: int = Field(default=365, ge=30, le=36500)
    """Audit events older than this are deleted."""

    @field_validator("signup_allowed_domains", mode="before")
    @classmethod
    def _domains(cls, value: Any) -> list[str]:
        items = value.split(",") if isinstance(value, str) else list(value or [])
        domains = []
        for item in items:
            domain = str(item).strip().lower().lstrip("@")
            if not domain:
                continue
            if any(c in domain for c in " /@:,;<>()[]\"'"):
                raise ValueError(f"'{domain}' is not an email domain (like example.com).")
            domains.append(domain)
        return sorted(set(domains))


def env_defaults() -> InstanceSettings:
    settings = get_settings()
    return InstanceSettings.model_validate(
        {
            "signup_policy": settings.signup_policy,
            "signup_allowed_domains": settings.signup_allowed_domains,
            "sso_only": settings.oidc_sso_only,
            "default_chat_retention_days": settings.chat_retention_days,
        }
    )


@dataclass
class _Cache:
    at: float = 0.0
    value: InstanceSettings | None = None
    changed: frozenset[str] = frozenset()


_cache = _Cache()


def clear_cache() -> None:
    _cache.at, _cache.value, _cache.changed = 0.0, None, frozenset()


def _load(session: Session) -> tuple[InstanceSettings, frozenset[str]]:
    rows = {row.key: row.value for row in session.exec(select(InstanceSetting)).all()}
    known = {k: v for k, v in rows.items() if k in InstanceSettings.model_fields}
    merged = {**env_defaults().model_dump(), **known}
    try:
        return InstanceSettings.model_validate(merged), frozenset(known)
    except ValidationError:  # a row written by a newer or older version: fall back field by field
        good = env_defaults().model_dump()
        for key, value in known.items():
            try:
                good = InstanceSettings.model_validate({**good, key: value}).model_dump()
            except ValidationError:
                continue
        return InstanceSettings.model_validate(good), frozenset(known)


def get(session: Session, *, fresh: bool = False) -> InstanceSettings:
    """The settings now (cached for :data:`CACHE_SECONDS` unless ``fresh``)."""
    now = time.monotonic()
    if fresh or _cache.value is None or now - _cache.at > CACHE_SECONDS:
        _cache.value, _cache.changed = _load(session)
        _cache.at = now
    return _cache.value.model_copy()


def changed_keys(session: Session) -> frozenset[str]:
    """The settings an admin changed (the rest come from the environment or the defaults)."""
    get(session, fresh=True)
    return _cache.changed


def update(session: Session, *, admin_id: uuid.UUID, changes: dict[str, Any]) -> InstanceSettings:
    """Apply an admin's changes (validated together; a bad value changes nothing) and return the result.

    Callers check that ``admin_id`` is an admin (``app.services.admin``) and record the audit event.
    """
    unknown = set(changes) - set(InstanceSettings.model_fields)
    if unknown:
        raise InvalidInputError(f"Unknown setting(s): {', '.join(sorted(unknown))}.")
    current = get(session, fresh=True)
    try:
        result = InstanceSettings.model_validate({**current.model_dump(), **changes})
    except ValidationError as exc:
        raise invalid(exc) from exc
    dumped = result.model_dump(mode="json")
    for key in changes:
        row = session.get(InstanceSetting, key) or InstanceSetting(key=key)
        row.value, row.updated_at, row.updated_by = dumped[key], utcnow(), admin_id
        session.add(row)
    session.flush()
    clear_cache()
    return result


def reset(session: Session, *, keys: list[str]) -> InstanceSettings:
    """Forget the admin's value of these settings (back to the environment's or the default)."""
    for key in keys:
        row = session.get(InstanceSetting, key)
        if row is not None:
            session.delete(row)
    session.flush()
    clear_cache()
    return get(session, fresh=True)


def email_domain_allowed(settings: InstanceSettings, email: str) -> bool:
    """Whether ``email``'s domain may sign up (any, when no domains are listed)."""
    if not settings.signup_allowed_domains:
        return True
    domain = email.rsplit("@", 1)[-1].strip().lower()
    return domain in settings.signup_allowed_domains


SETTING_NAMES: tuple[str, ...] = tuple(InstanceSettings.model_fields)
