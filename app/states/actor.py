"""Who acts from a browser tab, for the audit log (issue 18): the person, the tab's IP, surface ``web``."""

from __future__ import annotations

import uuid

import reflex as rx

from app.services import audit
from app.services.throttle import client_address


def tab_ip(state: rx.State) -> str:
    """The tab's client address as the sign-in throttle counts it (behind a trusted proxy, its
    ``X-Forwarded-For``); every state asks this one function."""
    headers = state.router.headers.raw_headers
    return client_address(state.router.session.client_ip, headers.get("x-forwarded-for"))


def web_actor(state: rx.State, user_id: uuid.UUID | None = None) -> audit.Actor:
    """The tab's client address (:func:`tab_ip`); the service fills in the person (and their email)
    when ``user_id`` is None."""
    return audit.Actor(user_id=user_id, ip=tab_ip(state) or None, surface="web")
