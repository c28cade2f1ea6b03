"""One browser tab's page states, without a browser: the whole state tree, signed in with a real
token on the test's database (``app_db``), for running the handlers as the page sends them."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import reflex as rx
import sqlalchemy as sa
from sqlmodel import Session

from app.services import auth as auth_service
from app.states.auth import AuthState
from tests.utils.factories import quick_user


def sign_up(engine: sa.Engine) -> tuple[str, uuid.UUID]:
    """A user with a session token (no password hashing: see ``quick_user``)."""
    with Session(engine, expire_on_commit=False) as s:
        user = quick_user(s)
        token = auth_service.issue_token(s, user=user)
        s.commit()
        return token, user.id


def in_tab(token: str, work: Callable[[rx.State], Coroutine[Any, Any, Any]]) -> Any:
    """A fresh tab (the root state and every page state under it) holding ``token``; runs ``work``."""

    async def go() -> Any:
        root = rx.State(_reflex_internal_init=True)
        (await root.get_state(AuthState)).token = token
        return await work(root)

    return asyncio.run(go())


def redirect_path(spec: Any) -> str:
    """Where an ``rx.redirect(...)`` a handler returned goes."""
    return json.loads({str(k): str(v) for k, v in spec.args}["path"])


def scripts(events: object) -> list[str]:
    """The code of every ``rx.call_script`` among a handler's returned events."""
    found = []
    for event in events if isinstance(events, list | tuple) else [events]:
        for name, value in getattr(event, "args", ()):
            if str(name) == "javascript_code":
                found.append(value._var_value)
    return found
