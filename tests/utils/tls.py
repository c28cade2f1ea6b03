"""Counting the TLS contexts a piece of code makes (each one loads the CA bundle: ~20 ms of CPU)."""

from __future__ import annotations

import ssl
from typing import Any

import pytest


def count_tls_contexts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """From now on, each ``ssl.create_default_context`` call (httpx's and the stdlib's) is appended
    to the returned list; the real context is still made."""
    made: list[tuple[Any, ...]] = []
    real = ssl.create_default_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counting)
    return made
