"""Who acts through the REST API, for the audit log (issue 18): the bearer's user, the client's IP."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.api.deps import CurrentUser
from app.services import audit
from app.services.throttle import client_address


def client_ip(request: Request) -> str:
    """The client's address as the sign-in throttle counts it (behind a trusted proxy, its
    ``X-Forwarded-For``); every route asks this one function."""
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.get("x-forwarded-for"))


def request_ip(request: Request) -> str | None:
    """:func:`client_ip`, or None when there is none (what the audit log stores)."""
    return client_ip(request) or None


def api_actor(request: Request, user: CurrentUser) -> audit.Actor:
    return audit.Actor(user_id=user.id, email=user.email, ip=request_ip(request), surface="api")


ApiActor = Annotated[audit.Actor, Depends(api_actor)]
