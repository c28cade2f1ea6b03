"""Reflex configuration for Ticked.

Nothing here reaches the internet: telemetry and the version check are off. ``REDIS_URL``
(our setting) is mapped to Reflex's ``redis_url`` so several app instances share state.
"""

import os

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin
from reflex_components_radix.plugin import RadixThemesPlugin

os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
# Use the npm registry directly: Reflex otherwise probes a mirror abroad to pick the fastest.
os.environ.setdefault("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org")

_redis_url = os.environ.get("REDIS_URL") or os.environ.get("REFLEX_REDIS_URL") or None

config = rx.Config(
    app_name="app",
    telemetry_enabled=False,
    redis_url=_redis_url,
    state_manager_mode="redis" if _redis_url else "disk",
    show_built_with_reflex=False,
    disable_plugins=[SitemapPlugin],
    default_color_mode="system",
    plugins=[
        RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="large", has_background=True)
        )
    ],
)
