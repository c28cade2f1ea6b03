"""Reflex configuration for Ticked.

Nothing here reaches the internet: telemetry and the version check are off. Reflex's
``redis_url`` is ``Settings.redis_url`` (``REDIS_URL``, or Reflex's ``REFLEX_REDIS_URL``; see
``app/core/config.py``), the one Redis setting, so several app instances share state.
``CORS_ALLOWED_ORIGINS`` (our setting, empty by default) replaces Reflex's default of ``*``:
Reflex's CORS middleware then answers no foreign origin, and the websocket's origin check is
installed in ``app/app.py`` (see ``app/api/cors.py`` for why the list alone can't do that).
"""

import os

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin
from reflex_components_radix.plugin import RadixThemesPlugin

from app.core.config import Settings

os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
# Use the npm registry directly: Reflex otherwise probes a mirror abroad to pick the fastest.
os.environ.setdefault("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org")

_settings = Settings()
_redis_url = _settings.redis_url or None
_cors_origins = tuple(_settings.cors_origins)

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
        RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="large", has_background=True)
        )
    ],
)
