"""Reflex configuration for Ticked.

Nothing here reaches the internet: telemetry and the version check are off. Reflex's
``redis_url`` is ``Settings.redis_url`` (``REDIS_URL``, or Reflex's ``REFLEX_REDIS_URL``; see
``app/core/config.py``), the one Redis setting, so several app instances share state.
``CORS_ALLOWED_ORIGINS`` (our setting, empty by default) replaces Reflex's default of ``*``;
Ticked's own origin check (``app/api/cors.py``, installed in ``app/app.py``) is the only CORS.
The dev server (Vite) sends the pages' security headers through :class:`SecurityHeadersPlugin`;
in production the backend does (``app/api/headers.py``).
"""

import os

import reflex as rx
from reflex_base.constants import ReactRouter
from reflex_base.plugins.base import Plugin
from reflex_base.plugins.sitemap import SitemapPlugin
from reflex_components_radix.plugin import RadixThemesPlugin

from app.api.headers import PAGE_HEADERS, page_policy, vite_headers_plugin
from app.core.config import Settings

os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
# Use the npm registry directly: Reflex otherwise probes a mirror abroad to pick the fastest.
os.environ.setdefault("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org")

_settings = Settings()
if _settings.redis_url:
    # Several workers share page state through Redis. Without this, every event fetched its tab's
    # state from Redis and wrote it back under a Redis lock (~12 ms of CPU an event more than one
    # worker with memory state, bench/ws_load.py). With it, the worker serving a tab's socket holds
    # that tab's lock for a while and keeps the state in memory; another instance that needs it
    # (a change pushed to a member's open page) asks for the lock and the holder writes it back at once.
    # Reflex's hold time is 0 by default: the state went back to Redis right after each event, so the
    # next event of the tab read it again. 5 s (under the lock's 10 s expiry) keeps a tab acting
    # now and then in memory (bench/ws_load.py, 2 workers: ~20 % less CPU an event).
    os.environ.setdefault("REFLEX_OPLOCK_ENABLED", "true")
    os.environ.setdefault("REFLEX_OPLOCK_HOLD_TIME", "5s")
_redis_url = _settings.redis_url or None
_cors_origins = tuple(_settings.cors_origins)


class SecurityHeadersPlugin(Plugin):
    """The pages' security headers (``app/api/headers.py``) on the dev server's responses too."""

    def pre_compile(self, **context):
        def add_headers(config_js: str) -> str:
            policy = page_policy(rx.config.get_config().api_url, dev=True)
            return vite_headers_plugin(config_js, {**PAGE_HEADERS, "Content-Security-Policy": policy})

        context["add_modify_task"](ReactRouter.VITE_CONFIG_FILE, add_headers)


config = rx.Config(
    app_name="app",
    telemetry_enabled=False,
    redis_url=_redis_url,
    # One instance keeps page state in memory: the disk manager re-pickled touched states and
    # rescanned its directory on every write pass (~30% of the server's CPU at 200 tabs,
    # bench/ws_load.py), while `reflex run` empties that directory at start anyway. Every page
    # state reloads from the database and the browser's token when a tab reconnects.
    state_manager_mode="redis" if _redis_url else "memory",
    show_built_with_reflex=False,
    cors_allowed_origins=_cors_origins,
    disable_plugins=[SitemapPlugin],
    default_color_mode="system",
    plugins=[
        SecurityHeadersPlugin(),
        RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="large", has_background=True)
        ),
    ],
)
