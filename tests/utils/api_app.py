"""One ``create_api()`` app per test process, for the tests of what the API answers.

FastAPI (0.165) builds an app's included routes lazily, at its first requests: about 0.15 s of CPU per
app, which every API test paid again for an app just like the last one. The app reads the database,
the settings and the throttles per request, except the CORS origins, which ``create_api()`` hands to
its origin check: so one app per list of them. Tests of building the app (the log scrubber, the
OpenAPI document, own origins or a page CSP) still call ``create_api()`` themselves.
"""

from __future__ import annotations

from functools import cache

from fastapi import FastAPI

from app.api.main import create_api
from app.core.config import get_settings


@cache
def _api_for(cors_origins: tuple[str, ...]) -> FastAPI:
    app = create_api()
    assert tuple(get_settings().cors_origins) == cors_origins
    return app


def shared_api() -> FastAPI:
    """The process's ``create_api()`` app for the current settings' CORS origins."""
    return _api_for(tuple(get_settings().cors_origins))
