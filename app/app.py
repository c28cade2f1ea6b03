"""The Reflex app: pages, theme and routes. Nothing runs at import but declarations."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import reflex as rx
from reflex.app import default_backend_exception_handler
from reflex.event import EventSpec
from reflex.utils.prerequisites import get_web_dir
from reflex_base.constants import Dirs
from starlette.middleware.cors import CORSMiddleware

from app import routes
from app.api.cors import restrict_socket_origins
from app.api.headers import inline_script_hashes, page_policy
from app.api.main import create_api
from app.components.not_found import TITLE as NOT_FOUND_TITLE
from app.components.not_found import not_found_view
from app.core.config import get_settings
from app.core.db import UNAVAILABLE_MESSAGE, is_database_outage
from app.mcp_server import mcp_lifespan
from app.orchestration.reminders import run_scheduler
from app.orchestration.runner import recover_at_start_up
from app.pages.admin import admin_page
from app.pages.admin_audit import admin_audit_page
from app.pages.admin_settings import admin_settings_page
from app.pages.chat import chat_page
from app.pages.login import login_page, signup_page, sso_page
from app.pages.reset import reset_page
from app.pages.settings import settings_page
from app.pages.tasks import tasks_page
from app.services.audit_retention import prune_daily as prune_audit_daily
from app.services.retention import purge_daily
from app.states.admin import AdminState
from app.states.admin_audit import AdminAuditState
from app.states.admin_settings import AdminSettingsState
from app.states.auth import AuthState
from app.states.chat import ChatState
from app.states.live import LiveState, refreshes
from app.states.live import listen as listen_live
from app.states.reset import ResetState
from app.states.settings import SettingsState
from app.states.sso import SsoState
from app.states.tasks import TasksState


def backend_error(exception: Exception) -> EventSpec | None:
    """A database outage in any event handler becomes a friendly toast, not a crash report.

    The database coming back needs nothing from the person (the pool replaces dead connections),
    so the toast just says to try again; any other error keeps Reflex's default handling.
    """
    if is_database_outage(exception):
        cause = getattr(exception, "orig", None) or exception
        logging.getLogger("ticked").warning("database unavailable in an event: %s", cause.__class__.__name__)
        return rx.toast.error(
            "Service unavailable",
            description=UNAVAILABLE_MESSAGE,
            id="service-unavailable",
            position="top-center",
            duration=10_000,
        )
    return default_backend_exception_handler(exception)


def own_origins() -> Sequence[str]:
    """The app's own addresses: the public URL its pages were built for, and the frontend's.

    Reflex's ``api_url`` (``REFLEX_API_URL``, the proxy's public address behind one) and
    ``deploy_url`` (the dev frontend on its own port; the e2e harness sets it once it knows).
    Read per request, so those late changes count.
    """
    config = rx.config.get_config()
    return tuple(url for url in (config.api_url, config.deploy_url) if url)


def page_csp() -> str:
    """The built pages' Content-Security-Policy, their inline scripts allowed by hash (app/api/headers.py)."""
    config = rx.config.get_config()
    static_dir = get_web_dir() / Dirs.STATIC / config.frontend_path.strip("/")
    return page_policy(config.api_url, inline_script_hashes(static_dir))


THEME_COLOR = "#3e63dd"
"""The accent (Radix indigo 9): the browser's toolbar on a phone, as in ``assets/manifest.webmanifest``."""


def icon_links() -> list[rx.Component]:
    """The favicon, the home-screen icons and the web app manifest, in every page's head.

    Without them every page load asked for ``/favicon.ico`` and got a 404, and a phone could not
    install the app with its name and icon. The files are in ``assets/``, served from the root.
    """
    return [
        rx.el.link(rel="icon", href="/favicon.ico", sizes="32x32"),
        rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
        rx.el.link(rel="apple-touch-icon", href="/apple-touch-icon.png"),
        rx.el.link(rel="manifest", href="/manifest.webmanifest"),
        rx.el.meta(name="theme-color", content=THEME_COLOR),
    ]


TOAST_SECONDS = 6
"""How long a toast stays (unless it says otherwise): long enough to read it and reach its Undo."""


def toaster() -> rx.Component:
    """Every page's toasts: at the top, below the header, so they never cover the chat's composer
    or its Send button (Sonner's default, bottom right, sat on Send at 1280 px and on the whole
    composer on a phone); each has a close button and goes by itself after ``TOAST_SECONDS``."""
    return rx.toast.provider(
        position="top-center",
        close_button=True,
        toast_options=rx.toast.options(duration=TOAST_SECONDS * 1000),
        offset="68px",  # the 56 px header and a gap; Sonner reads the side it needs (top)
        custom_attrs={"mobileOffset": {"top": "64px", "left": "12px", "right": "12px"}},
    )


class TickedApp(rx.App):
    """Reflex's app with Ticked's origin check as its only CORS (see app/api/cors.py).

    Reflex adds a CORS middleware of its own to the composed app, the API and its own routes (with
    ``allow_credentials=True``: every answer to a foreign ``Origin`` said credentials were
    allowed, and preflights were answered 400 before any check of ours ran); all are removed.
    """

    def __call__(self):
        asgi = super().__call__()
        for host in (asgi, self.api_transformer, self._api):
            stack = getattr(host, "user_middleware", None)
            if stack is not None:
                host.user_middleware = [m for m in stack if m.cls is not CORSMiddleware]
        return asgi


app = TickedApp(
    api_transformer=create_api(own_origins=own_origins, page_csp=page_csp),
    backend_exception_handler=backend_error,
    toaster=toaster(),
    stylesheets=["/styles.css"],
    head_components=[
        rx.el.meta(name="description", content="Ticked: your tasks, with an assistant."),
        *icon_links(),
        rx.script(src="/ticked.js"),
    ],
)
# The websocket takes the app's own pages and CORS_ALLOWED_ORIGINS only (see app/api/cors.py).
restrict_socket_origins(app.sio, get_settings().cors_origins, own_origins)
app.add_page(
    login_page,
    route=routes.LOGIN,
    title="Sign in · Ticked",
    on_load=[AuthState.redirect_if_signed_in, SsoState.load_login, AuthState.load_signup_policy],
)
app.add_page(sso_page, route=routes.SSO, title="Signing in · Ticked", on_load=SsoState.redeem)
app.add_page(
    signup_page,
    route=routes.SIGNUP,
    title="Sign up · Ticked",
    on_load=[AuthState.redirect_if_signed_in, AuthState.load_signup_policy],
)
app.add_page(not_found_view, route="404", title=NOT_FOUND_TITLE)
app.add_page(
    chat_page,
    route=routes.CHAT,
    title="Chat · Ticked",
    on_load=[AuthState.require_auth, ChatState.on_load, LiveState.watch],
)
app.add_page(
    tasks_page,
    route=routes.TASKS,
    title="Tasks · Ticked",
    on_load=[AuthState.require_auth, TasksState.on_load, LiveState.watch],
)
app.add_page(  # issue 18: anyone but an admin sees the missing page (its title too)
    admin_settings_page,
    route=routes.ADMIN_SETTINGS,
    title=NOT_FOUND_TITLE,
    on_load=AdminSettingsState.on_load,
)
app.add_page(
    settings_page,
    route=routes.SETTINGS,
    title="Settings · Ticked",
    on_load=[AuthState.require_auth, SettingsState.on_load, LiveState.watch],
)
app.add_page(  # issue 18: admins only; anyone else sees the missing page (no sign-in redirect)
    admin_audit_page, route=routes.ADMIN_AUDIT, title=NOT_FOUND_TITLE, on_load=AdminAuditState.on_load
)
# The admin console (issue 18): anyone but an admin, signed out too, gets the missing page.
app.add_page(
    admin_page, route=routes.ADMIN, title=NOT_FOUND_TITLE, on_load=[AdminState.on_load, LiveState.watch]
)
app.add_page(reset_page, route=routes.RESET, title="Set a new password · Ticked", on_load=ResetState.on_load)


app.register_lifespan_task(recover_at_start_up)
app.register_lifespan_task(mcp_lifespan)
app.register_lifespan_task(purge_daily)  # chat retention: at start-up, then every 24 h
app.register_lifespan_task(prune_audit_daily)  # audit log retention: at start-up, then every 24 h
app.register_lifespan_task(run_scheduler)  # reminders and digests: each sent once across instances
refreshes(ChatState)
refreshes(AuthState)  # a disabled person's open tabs go to sign-in (issue 18)
refreshes(TasksState)
app.register_lifespan_task(listen_live)  # rx.App given as `app`; teammates' changes refresh open pages


async def _warm_up_and_freeze() -> None:
    """Import what the first chat turn needs now, not under load; then hide start-up from the GC.

    The local agent and the tool registry load lazily (the CLI starts fast); in the server the
    first turns would pay for it while others wait. What start-up built (the app, its
    components: 200k+ objects) is never garbage, yet every full collection would walk it all,
    pausing every tab's events for ~130 ms on this machine (measured): ``gc.freeze`` moves it out of
    the collector's sight.
    """
    import gc
    import importlib

    from app.agent import registry

    importlib.import_module("app.agent.offline")
    registry.all_tools()
    gc.collect()
    gc.freeze()


app.register_lifespan_task(_warm_up_and_freeze)
