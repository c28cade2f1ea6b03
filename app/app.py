"""The Reflex app: pages, theme and routes. Nothing runs at import but declarations."""

from __future__ import annotations

import logging

import reflex as rx

from app import routes
from app.api.main import create_api
from app.mcp_server import mcp_lifespan
from app.pages.chat import chat_page
from app.pages.login import login_page, signup_page
from app.pages.tasks import tasks_page
from app.states.auth import AuthState
from app.states.chat import ChatState
from app.states.tasks import TasksState

app = rx.App(
    api_transformer=create_api(),
    stylesheets=["/styles.css"],
    head_components=[
        rx.el.meta(name="description", content="Ticked: your tasks, with an assistant."),
        rx.script(src="/ticked.js"),
    ],
)
app.add_page(
    login_page, route=routes.LOGIN, title="Sign in · Ticked", on_load=AuthState.redirect_if_signed_in
)
app.add_page(
    signup_page, route=routes.SIGNUP, title="Sign up · Ticked", on_load=AuthState.redirect_if_signed_in
)
app.add_page(
    chat_page, route=routes.CHAT, title="Chat · Ticked", on_load=[AuthState.require_auth, ChatState.on_load]
)
app.add_page(
    tasks_page,
    route=routes.TASKS,
    title="Tasks · Ticked",
    on_load=[AuthState.require_auth, TasksState.on_load],
)


async def _recover_interrupted_turns() -> None:
    """A restart closes the turns a crash left open, so every thread takes new turns at once."""
    import asyncio

    from app.agent.runner import recover_interrupted_turns
    from app.core.config import get_settings

    count = await asyncio.to_thread(recover_interrupted_turns, single_instance=not get_settings().redis_url)
    if count:
        logging.getLogger("ticked").warning("marked %d interrupted turn(s) as failed", count)


app.register_lifespan_task(_recover_interrupted_turns)
app.register_lifespan_task(mcp_lifespan)
