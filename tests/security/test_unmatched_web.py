"""The production app (``reflex run --env prod``) answers unknown /api and /mcp addresses and wrong
methods with the API's JSON error shape, not Reflex's HTML 404 page or a ``405 text/plain``.

The API is mounted in front of Reflex (``rx.App(api_transformer=create_api())``), so what no API
route answered used to fall through to Reflex. SQLite (the full app, pages built) and PostgreSQL
(the backend alone). Run under ``flock /tmp/ticked-web.lock``.
"""

from __future__ import annotations

import httpx

from tests.api.test_unmatched import UNMATCHED, assert_unmatched
from tests.security.conftest import using_server_db
from tests.security.web import Server
from tests.security.world import hold_data


def test_unmatched_api_and_mcp_answer_json_in_the_real_app(web_app: Server) -> None:
    with using_server_db(web_app):
        user = hold_data("unmatched")
    with httpx.Client(base_url=web_app.url, timeout=30) as client:
        for headers in ({}, {"Authorization": f"Bearer {user.token}"}):
            for method, path, status, allow in UNMATCHED:
                resp = client.request(method, path, headers=headers)
                assert_unmatched(resp, method, path, status, allow)
        # The pages and the API's own answers are unchanged.
        assert client.get("/api/tasks", headers={"Authorization": f"Bearer {user.token}"}).status_code == 200
        assert client.get("/ping").status_code == 200
