"""Keep passwords, tokens and keys out of every log record, whoever writes it.

Our own log calls name ids, counts and error classes, never message text or credentials (see the
README's "Privacy" section). Libraries are another matter: uvicorn's access log prints each
request's path with its query string (``/mcp?token=...`` from a misconfigured client), and an
exception text can quote a header or a URL. So :func:`install_log_scrubber` wraps the process's
log-record factory: every record, from any logger and before any handler or filter sees it, has
bearer/basic credentials, ``token=``/``password=``-style values, JWTs and well-known API keys
replaced by ``[REDACTED]``. A factory rather than a handler filter, because uvicorn's access logger
does not propagate to the root handlers and handlers come and go.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[REDACTED]"

_SECRET_NAMES = (
    r"password|passwd|pwd|passphrase|secret|client_secret|token|access_token|refresh_token|id_token"
    r"|api_key|apikey|api-key|x-api-key|authorization|jwt|session|sessionid|signature|sig|code|key"
)
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Authorization: Bearer <token> / Basic <base64>
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{6,}"), rf"\1\2{REDACTED}"),
    # Query strings and form bodies: ?token=...&password=...
    (re.compile(rf"(?i)([?&;](?:{_SECRET_NAMES})=)[^&#\s\"']*"), rf"\1{REDACTED}"),
    # key: value, key=value, "key": "value" (JSON, headers, reprs)
    (
        re.compile(
            r"""(?ix)\b((?:password|passwd|pwd|passphrase|secret|client_secret|token|access_token
            |refresh_token|id_token|api_key|apikey|api-key|x-api-key|authorization)\b["']?\s*[:=]\s*)
            (?!(?:bearer\s+|basic\s+)?\[REDACTED\])("[^"]*"|'[^']*'|(?:bearer\s+|basic\s+)?[^\s,;&}\])]+)"""
        ),
        rf"\1{REDACTED}",
    ),
    # JWTs (our sign-in tokens) wherever they appear
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
    # Well-known API key shapes
    (
        re.compile(
            r"(?<![\w-])(?:sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"
            r"|(?:AKIA|ASIA)[0-9A-Z]{16}|xox[abposr]-[A-Za-z0-9-]{10,}|[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}"
            r"|tk_[A-Za-z0-9_-]{20,})"  # Ticked's own personal access tokens
        ),
        REDACTED,
    ),
]


_TRIGGERS = (
    "bearer", "basic", "passw", "pwd", "passphrase", "secret", "token", "key", "authorization", "jwt",
    "session", "sig", "code=", "eyj", "sk-", "gh", "akia", "asia", "xox", "k_live_", "k_test_", "tk_",
)  # fmt: skip
"""A cheap first look (lower case): a text without any of these holds nothing the patterns replace."""


def scrub(text: str) -> str:
    """``text`` with credentials replaced by ``[REDACTED]`` (everything else untouched)."""
    lowered = text.lower()
    if not any(word in lowered for word in _TRIGGERS):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class _Scrubbed:
    """Stands in for a log argument whose text held a credential: prints the scrubbed text."""

    __slots__ = ("_repr", "_str")

    def __init__(self, value: object) -> None:
        self._str = scrub(str(value))
        self._repr = scrub(repr(value))

    def __str__(self) -> str:
        return self._str

    def __repr__(self) -> str:
        return self._repr


def _scrub_arg(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if value is None or isinstance(value, int | float):
        return value  # keeps %d and %f working
    text, shown = str(value), repr(value)
    return value if scrub(text) == text and scrub(shown) == shown else _Scrubbed(value)


def scrub_record(record: logging.LogRecord) -> None:
    """Scrub a record in place: its message, and its traceback text when it carries one.

    The arguments are scrubbed one by one so the record keeps its shape (uvicorn's access
    formatter reads ``record.args`` as a tuple); only when a credential spans the template and
    its arguments is the message replaced by its scrubbed text.
    """
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed call: the handler reports it as logging always does
        return
    if scrub(message) != message:
        _scrub_message(record, message)
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        text = logging.Formatter().formatException(record.exc_info)
        clean = scrub(text)
        if clean != text:
            record.exc_text = clean  # formatters print exc_text instead of formatting again
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)


def _scrub_message(record: logging.LogRecord, message: str) -> None:
    args = record.args
    if isinstance(args, tuple) and args:
        record.args = tuple(_scrub_arg(a) for a in args)
    elif isinstance(args, dict) and args:
        record.args = {k: _scrub_arg(v) for k, v in args.items()}
    try:
        clean = record.getMessage()
    except Exception:  # noqa: BLE001 - a stand-in broke the format: fall back to the plain text
        clean = message
    if scrub(clean) != clean:
        record.msg, record.args = scrub(message), None


def install_log_scrubber() -> None:
    """Make every log record of this process pass through :func:`scrub_record` (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "ticked_scrubber", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        scrub_record(record)
        return record

    factory.ticked_scrubber = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
