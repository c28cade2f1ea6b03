"""The Reflex app: pages, theme and routes. Nothing runs at import but declarations."""

from __future__ import annotations

import reflex as rx

from app import routes
from app.pages.chat import chat_page
from app.pages.login import login_page, signup_page
from app.pages.tasks import tasks_page
from app.states.auth import AuthState
from app.states.chat import ChatState
from app.states.tasks import TasksState

app = rx.App(
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
