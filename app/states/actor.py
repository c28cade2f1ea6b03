"""Who acts from a browser tab, for the audit log (issue 18): the person, the tab's IP, surface ``web``."""

from __future__ import annotations

import uuid

import reflex as rx

from app.services import audit
from app.services.throttle import client_address


def web_actor(state: rx.State, user_id: uuid.UUID | None = None) -> audit.Actor:
    """The tab's client address (behind a trusted proxy, its ``X-Forwarded-For``); the service fills
    in the person (and their email) when ``user_id`` is None."""
    headers = state.router.headers.raw_headers
    ip = client_address(state.router.session.client_ip, headers.get("x-forwarded-for"))
    return audit.Actor(user_id=user_id, ip=ip or None, surface="web")
