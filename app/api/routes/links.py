"""The pages behind the Complete / Snooze links of reminder emails (no sign-in; issue 17).

``GET /api/links/{token}`` shows what the link will do and a button; it changes nothing, because
mail scanners and link previews fetch every link of a message. The button POSTs to the same
address, which does it once (:func:`app.services.links.perform`) and says what happened; a second
use, an expired or a forged link each get a clear sentence. These are small HTML pages, not JSON
API operations, so they stay out of the OpenAPI schema. Besides the API's headers (no-store,
no-referrer: the token never leaves in a ``Referer``), each page has a Content-Security-Policy of
its own: no scripts at all, its one style block by hash, forms only to itself, no framing.
"""

from __future__ import annotations

import base64
import hashlib
import html

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.core.db import session_scope
from app.services import links
from app.services.errors import ServiceError

router = APIRouter(prefix="/links", tags=["links"], include_in_schema=False)

STYLE = (
    "body{font-family:system-ui,sans-serif;color:#1c2024;background:#fff;max-width:32rem;"
    "margin:3rem auto;padding:0 1rem;line-height:1.5}"
    "h1{font-size:1.4rem}"
    "button{font:inherit;padding:.6rem 1.1rem;border-radius:6px;border:0;background:#3e63dd;"
    "color:#fff;cursor:pointer}"
    "button:focus-visible{outline:3px solid #1c2024;outline-offset:2px}"
    ".muted{color:#60646c}"
    "@media (prefers-color-scheme:dark){body{background:#111113;color:#edeef0}.muted{color:#b0b4ba}"
    "button:focus-visible{outline-color:#edeef0}}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CSP = (
    "default-src 'none'; "
    f"style-src 'sha256-{_STYLE_HASH}'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
STATUS = {"invalid": 400, "gone": 404, "used": 409, "expired": 410}
PROMPTS = {
    "complete": ("Complete this task?", "Complete"),
    "snooze_hour": ("Remind you again in an hour?", "Snooze 1 hour"),
    "snooze_tomorrow": ("Remind you again tomorrow?", "Snooze until tomorrow"),
}


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    doc = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{html.escape(title)} · Ticked</title><style>{STYLE}</style></head>"
        f'<body><main aria-labelledby="heading"><h1 id="heading">{html.escape(title)}</h1>{body}'
        '<p class="muted">Ticked</p></main></body></html>'
    )
    return HTMLResponse(doc, status_code=status, headers={"Content-Security-Policy": CSP})


def _refused(error: links.LinkError) -> HTMLResponse:
    title = "Link already used" if error.kind == "used" else "This link can't be used"
    if error.kind == "expired":
        title = "Link expired"
    return _page(title, f'<p role="alert">{html.escape(str(error))}</p>', STATUS[error.kind])


@router.get("/{token}", response_class=HTMLResponse, summary="What a link from an email will do")
def show_link(token: str) -> HTMLResponse:
    try:
        claims = links.read(token)
        with session_scope() as session:
            links.status(session, claims)
            task = links.describe(session, claims)
            title = task.title
    except links.LinkError as exc:
        return _refused(exc)
    question, button = PROMPTS[claims.action]
    body = (
        f"<p>“{html.escape(title)}”</p>"
        f'<form method="post" action="/api/links/{html.escape(token)}">'
        f'<button type="submit">{html.escape(button)}</button></form>'
    )
    return _page(question, body)


@router.post("/{token}", response_class=HTMLResponse, summary="Do what a link from an email says, once")
def use_link(token: str) -> HTMLResponse:
    try:
        claims = links.read(token)
        with session_scope() as session:
            result = links.perform(session, claims)
    except links.LinkError as exc:
        return _refused(exc)
    except ServiceError as exc:  # the task can no longer be changed by this person
        return _page("This link can't be used", f'<p role="alert">{html.escape(str(exc))}</p>', 403)
    return _page("Done", f'<p role="status">{html.escape(result)}</p>')
