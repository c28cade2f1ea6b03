"""The browser fixtures of ``tests/e2e`` for browser tests that live elsewhere (``tests/security``).

A test module imports these names so pytest registers them for it. ``app_harness`` is the one
fixture that must not simply be imported: an imported fixture is a second definition, and a run
with both ``tests/e2e`` and this directory would then build and start a second app in the same
process (Reflex would reload the app's modules under the first one). So it reuses the harness
``tests/e2e`` already started in this run (``tests/conftest.py`` sorts these browser tests after
``tests/e2e``), and starts one of its own only when the run has none, e.g. this module alone.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e import conftest as e2e
from tests.e2e.conftest import app_url, page, sign_up

__all__ = ["app_harness", "app_url", "own_app_harness", "page", "sign_up"]

own_app_harness = pytest.fixture(scope="session", name="own_app_harness")(e2e.app_harness.__wrapped__)
"""``tests/e2e``'s harness under another name: the app started when no e2e test started it."""


def _running_e2e_harness(request: pytest.FixtureRequest) -> Any | None:
    """The harness a ``tests/e2e`` test of this run has already started, if any."""
    manager = request.config.pluginmanager.get_plugin("funcmanage")
    for item in request.session.items:
        if "tests/e2e/" not in str(item.path):
            continue
        defs = manager.getfixturedefs("app_harness", item) if manager else None
        cached = defs[-1].cached_result if defs else None
        if cached is not None and cached[0] is not None:
            return cached[0]
    return None


@pytest.fixture(scope="session")
def app_harness(request: pytest.FixtureRequest) -> Any:
    """One running production app for every browser test of the run."""
    running = _running_e2e_harness(request)
    return running if running is not None else request.getfixturevalue("own_app_harness")
