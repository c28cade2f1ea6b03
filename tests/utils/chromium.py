"""Debian's Chromium as the browser tests and bench/ launch it: no sandbox (we run as root in a
container), nothing that reaches the internet, no GPU.

The tests run Debian's ``chromium-headless-shell``: the same Chromium release, built as the headless
shell that Playwright's own headless mode uses. It leaves out the desktop browser's layers, and a
browser test costs about a fifth less CPU in it (the browser's processes were two thirds of the
browser run's CPU). bench/ keeps the desktop ``chromium``, the browser a person runs.
``CHROMIUM_PATH`` sets both."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
TEST_CHROMIUM = os.environ.get("CHROMIUM_PATH") or (
    HEADLESS_SHELL if os.access(HEADLESS_SHELL, os.X_OK) else CHROMIUM
)
"""The browser tests' Chromium: the headless shell, or the desktop one where the shell is missing."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
