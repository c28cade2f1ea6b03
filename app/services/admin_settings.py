"""The instance settings as the admin console reads and changes them (issue 18).

:mod:`app.services.instance` keeps the values; this module is the admins' door to them: every
call checks :func:`~app.services.admin_guard.require_admin` (anyone else gets "Not found."), and
every change is an audit event ``admin.settings.update`` with ``{setting: new value}`` for each
setting that really changed (settings are metadata, never content).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from app.services import audit, instance
from app.services.admin_guard import require_admin
from app.services.errors import InvalidInputError, invalid
from app.services.instance import InstanceSettings


@dataclass(frozen=True)
class AdminSettings:
    """The settings now, and which of them an admin changed (the rest come from the environment)."""

    values: InstanceSettings
    changed: frozenset[str]

    def from_environment(self, key: str) -> bool:
        return key not in self.changed

    def to_json(self) -> dict[str, Any]:
        return {
            **self.values.model_dump(mode="json"),
            "from_environment": sorted(set(instance.SETTING_NAMES) - self.changed),
        }


def read(session: Session, *, user_id: uuid.UUID) -> AdminSettings:
    require_admin(session, user_id=user_id)
    values = instance.get(session, fresh=True)
    return AdminSettings(values=values, changed=instance.changed_keys(session))


def update(
    session: Session,
    *,
    user_id: uuid.UUID,
    changes: dict[str, Any],
    ip: str | None = None,
    surface: str = "web",
) -> AdminSettings:
    """Change some settings (validated together: one bad value changes nothing) and audit them."""
    admin = require_admin(session, user_id=user_id)
    unknown = set(changes) - set(instance.SETTING_NAMES)
    if unknown:
        raise InvalidInputError(f"Unknown setting(s): {', '.join(sorted(unknown))}.")
    before = instance.get(session, fresh=True)
    try:
        wanted = InstanceSettings.model_validate({**before.model_dump(), **changes}).model_dump(mode="json")
    except ValidationError as exc:
        raise invalid(exc) from exc
    old = before.model_dump(mode="json")
    # Only what differs is written: a setting saved unchanged keeps following the environment.
    changed = {key: wanted[key] for key in changes if wanted[key] != old[key]}
    if changed:
        instance.update(session, admin_id=admin.id, changes=changed)
        audit.record(
            session,
            actor=audit.Actor(user_id=admin.id, email=admin.email, ip=ip, surface=surface),
            action="admin.settings.update",
            target_type="instance",
            details=changed,
        )
    return read(session, user_id=user_id)
