"""Talking to the Reflex app as its browser bundle does, without a browser: python-socketio on
``/_event`` (the security tests' tabs and ``bench/ws_load.py`` share this).

The state names are spelled as the compiled frontend spells them; ``check_state_names`` in
``tests/security/web.py`` checks them against ``.web`` so a renamed state fails loudly.
"""

from __future__ import annotations

from typing import Any

import socketio

ROOT_STATE = "reflex___state____state"
AUTH_STATE = f"{ROOT_STATE}.app___states___auth____auth_state"
CHAT_STATE = f"{ROOT_STATE}.app___states___chat____chat_state"
THREADS_STATE = f"{ROOT_STATE}.app___states___threads____threads_state"
TASKS_STATE = f"{ROOT_STATE}.app___states___tasks____tasks_state"
UPDATE_VARS = f"{ROOT_STATE}.reflex___state____update_vars_internal_state.update_vars_internal"
ON_LOAD = f"{ROOT_STATE}.reflex___state____on_load_internal_state.on_load_internal"
HYDRATE = f"{ROOT_STATE}.hydrate_and_load"
TOKEN_VAR = f"{AUTH_STATE}.token_rx_state_"
NAMESPACE = "/_event"


def router(path: str) -> dict[str, Any]:
    """The ``router_data`` a page at ``path`` sends with every event (query string parsed)."""
    pathname, _, query = path.partition("?")
    params = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
    return {"pathname": pathname, "asPath": path, "query": params}


def make_event(name: str, payload: dict[str, Any] | None, path: str) -> dict[str, Any]:
    """One event as the frontend emits it."""
    body: dict[str, Any] = {"name": name, "router_data": router(path)}
    if payload:
        body["payload"] = payload
    return body


async def open_socket(
    sio: socketio.AsyncClient,
    url: str,
    client_token: str,
    *,
    path: str = "/login",
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> None:
    """Open the websocket the way a page load does: the hydrate event rides on the handshake."""
    await sio.connect(
        f"{url}?token={client_token}",
        socketio_path="/_event",
        namespaces=[NAMESPACE],
        transports=["websocket"],
        auth={"event": make_event(HYDRATE, None, path) | {"payload": {}}},
        headers=headers or {},
        wait_timeout=timeout,
    )
