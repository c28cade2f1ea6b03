"""The calendar feed: ``GET /api/calendar/<secret>.ics``, read-only, without signing in.

Calendar apps (Google, Apple, Thunderbird) fetch a subscribed URL on their own schedule and
cannot send a bearer token, so the secret in the URL is the credential
(:mod:`app.services.calendar_feed`). An unknown, revoked or malformed secret is a plain 404.
Responses carry an ``ETag``; a client that sends it back in ``If-None-Match`` gets 304 while
nothing in the feed changed. (No ``Last-Modified``: a task completed or deleted leaves the feed
without changing any task it still holds, so no date of theirs says when the feed last changed.)
The route is not part of the JSON API's OpenAPI schema: it answers ``text/calendar``, not JSON,
and its URL is made by the settings page, not by scripts.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.api.deps import SessionDep
from app.services import calendar_feed

router = APIRouter(prefix="/calendar", tags=["calendar"])

CACHE = "private, max-age=300, must-revalidate"
"""Cacheable for five minutes by the subscriber only (never a shared cache: the URL is a secret)."""


@router.api_route("/{secret}.ics", methods=["GET", "HEAD"], include_in_schema=False)
def calendar(secret: str, request: Request, session: SessionDep) -> Response:
    """The feed's iCalendar text (404 for an unknown or revoked secret)."""
    feed = calendar_feed.feed_for_secret(session, secret)
    headers = {
        "ETag": feed.etag,
        "Cache-Control": CACHE,
        "Content-Disposition": 'inline; filename="ticked.ics"',
        "X-Robots-Tag": "noindex",
    }
    match = request.headers.get("if-none-match", "")
    if feed.etag in {tag.strip() for tag in match.split(",")} or match.strip() == "*":
        return Response(status_code=304, headers=headers)
    body = b"" if request.method == "HEAD" else feed.body
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)
