"""The pages' Content-Security-Policy lets the app's own favicon, icons and manifest load."""

from __future__ import annotations

from app.api.headers import page_policy


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_page_policy_allows_own_icons_and_manifest() -> None:
    for policy in (page_policy("http://localhost:8000", ("abc",)), page_policy(None, dev=True)):
        found = directives(policy)
        assert found["manifest-src"] == ["'self'"]
        assert "'self'" in found["img-src"]
        assert found["default-src"] == ["'self'"]
        assert found["object-src"] == ["'none'"]
