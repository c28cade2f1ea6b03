"""Who may run the instance (issue 18): the one check every admin page, event, route and tool asks.

A person who is not an admin (or not signed in, or disabled) gets exactly what a missing thing
gets: :class:`NotFoundError` with the words of any other 404, so the admin console does not show
that it exists. The check reads the user row in the caller's transaction, so a demotion or a
disabled account takes effect on the next request, on every instance.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from app.models import User
from app.services.errors import NotFoundError

NOT_FOUND = "Not found."


def require_admin(session: Session, *, user_id: uuid.UUID | None) -> User:
    """The acting admin, or :class:`NotFoundError` for anyone else (the same words as a missing page)."""
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active or not user.is_admin:
        raise NotFoundError(NOT_FOUND)
    return user


def is_admin(session: Session, *, user_id: uuid.UUID | None) -> bool:
    try:
        require_admin(session, user_id=user_id)
    except NotFoundError:
        return False
    return True
