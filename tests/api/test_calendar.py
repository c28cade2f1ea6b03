"""``GET /api/calendar/<secret>.ics``: no sign-in, 404 for a wrong or revoked secret, ETag/304."""

from __future__ import annotations

import icalendar

from app.core.db import session_scope
from app.services import calendar_feed
from tests.api.conftest import assert_error, create_task


def turn_on(user_id) -> str:
    with session_scope() as session:
        return calendar_feed.turn_on(session, user_id=user_id)


def test_the_feed_needs_no_sign_in_and_parses_back(api, alice, bob):
    create_task(api, alice, title="renew passport", due_date="2030-01-15", due_time="10:30")
    create_task(api, alice, title="someday")
    create_task(api, bob, title="bob's", due_date="2030-01-15")
    secret = turn_on(alice.id)
    resp = api.get(calendar_feed.feed_path(secret))  # no Authorization header
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/calendar")
    assert resp.headers["etag"]
    assert "no-store" not in resp.headers["cache-control"]
    assert "private" in resp.headers["cache-control"]
    cal = icalendar.Calendar.from_ical(resp.content)
    assert [str(e["summary"]) for e in cal.walk("VEVENT")] == ["renew passport"]

    again = api.get(calendar_feed.feed_path(secret), headers={"If-None-Match": resp.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert api.head(calendar_feed.feed_path(secret)).status_code == 200


def test_a_wrong_or_revoked_secret_is_404(api, alice):
    assert_error(api.get("/api/calendar/not-a-real-secret-at-all-0123456789abcdef.ics"), 404, "not_found")
    assert_error(api.get("/api/calendar/short.ics"), 404, "not_found")
    old = turn_on(alice.id)
    assert api.get(calendar_feed.feed_path(old)).status_code == 200
    new = turn_on(alice.id)  # regenerate
    assert_error(api.get(calendar_feed.feed_path(old)), 404, "not_found")
    assert api.get(calendar_feed.feed_path(new)).status_code == 200
    with session_scope() as session:
        calendar_feed.turn_off(session, user_id=alice.id)
    assert_error(api.get(calendar_feed.feed_path(new)), 404, "not_found")


def test_the_feed_is_not_in_the_json_api_schema(api):
    assert not any("calendar" in path for path in api.get("/api/openapi.json").json()["paths"])
