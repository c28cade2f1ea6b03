"""The security headers on every response: the API's, and the pages' with their Content-Security-Policy.

Pages may not be framed by any site (``frame-ancestors 'none'``, ``X-Frame-Options: DENY``), so
no other page can lay a signed-in ``/tasks`` under its own buttons. Their script policy is what
the compiled frontend needs and no more:

- the inline scripts React Router writes into each prerendered page (the router's context, the
  colour-mode script, React's streaming helpers) are allowed by their SHA-256 hashes, read from
  the built pages once (:func:`inline_script_hashes`), not by ``'unsafe-inline'``;
- ``'unsafe-eval'``, because Reflex runs ``rx.call_script`` events (the task and chat pages keep
  their filters in the URL with it) through ``eval`` in ``.web/utils/state.js``;
- the favicon, home-screen icons and web app manifest come from the app itself (``img-src`` and
  ``manifest-src`` ``'self'``, named rather than left to ``default-src``);
- styles allow ``'unsafe-inline'``: Emotion and Radix write ``<style>`` elements and ``style``
  attributes at run time;
- ``connect-src`` is the page's own origin and the backend's (``REFLEX_API_URL``), over http(s)
  and ws(s), for the dev frontend on another port; on this machine under each local name, as
  Reflex's frontend swaps ``localhost`` for the name the page was opened with.

The production backend serves the pages (:class:`app.api.main.ApiGuard` adds these headers);
in development Vite serves them, and :func:`vite_headers_plugin` adds the same headers there, with
``'unsafe-inline'`` scripts (Vite's dev pages inline its hot-reload preamble, which changes).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.S | re.I)
_LOCAL_HOSTS = ("localhost", "127.0.0.1")  # CSP has no syntax for IPv6 literals


def _backend_sources(api_url: str | None) -> list[str]:
    """``connect-src`` entries for the backend at ``api_url``: http(s) and ws(s), each local name."""
    if not api_url:
        return []
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return []
    port = f":{parts.port}" if parts.port else ""
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    hosts = _LOCAL_HOSTS if host in (*_LOCAL_HOSTS, "0.0.0.0") else (host,)
    ws = "wss" if parts.scheme == "https" else "ws"
    return [f"{scheme}://{name}{port}" for name in hosts for scheme in (parts.scheme, ws)]


def page_policy(api_url: str | None, script_hashes: tuple[str, ...] = (), *, dev: bool = False) -> str:
    """The pages' Content-Security-Policy (see the module doc)."""
    scripts = ["'self'", "'unsafe-eval'"]
    scripts += ["'unsafe-inline'"] if dev else [f"'sha256-{h}'" for h in script_hashes]
    directives = {
        "default-src": ["'self'"],
        "script-src": scripts,
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "manifest-src": ["'self'"],
        "connect-src": ["'self'", *_backend_sources(api_url)],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def inline_script_hashes(static_dir: Path) -> tuple[str, ...]:
    """SHA-256 (base64) of every inline script in the built pages under ``static_dir``.

    Read once per build (a build rewrites ``index.html``): each call costs one ``stat``.
    """
    try:
        stamp = (static_dir / "index.html").stat().st_mtime_ns
    except OSError:
        return ()
    return _hashes(static_dir, stamp)


@lru_cache(maxsize=4)
def _hashes(static_dir: Path, stamp: int) -> tuple[str, ...]:
    found: set[str] = set()
    for page in static_dir.rglob("*.html"):
        for script in _INLINE_SCRIPT.findall(page.read_text(encoding="utf-8", errors="replace")):
            digest = hashlib.sha256(script.encode("utf-8")).digest()
            found.add(base64.b64encode(digest).decode("ascii"))
    return tuple(sorted(found))


_VITE_PLUGIN = """
function tickedSecurityHeaders(headers) {
  return {
    name: "ticked-security-headers",
    apply: "serve",
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
        next();
      });
    },
  };
}
"""
_VITE_MARK = "// ticked-security-headers"


def vite_headers_plugin(config_js: str, headers: dict[str, str]) -> str:
    """``vite.config.js`` with a dev-server middleware that sends ``headers`` on every response.

    Idempotent: a config that has the plugin already gets its headers replaced.
    """
    config_js = re.sub(rf"\n{_VITE_MARK} start.*?{_VITE_MARK} end\n", "\n", config_js, flags=re.S)
    config_js = re.sub(r"\n    tickedSecurityHeaders\([^\n]*\),(?=\n)", "", config_js)
    define, plugins = "export default defineConfig", "  plugins: ["
    if define not in config_js or plugins not in config_js:
        msg = "vite.config.js changed shape: cannot add the security headers to the dev server"
        raise RuntimeError(msg)
    block = f"\n{_VITE_MARK} start{_VITE_PLUGIN}{_VITE_MARK} end\n"
    config_js = config_js.replace(define, block + define, 1)
    return config_js.replace(plugins, f"{plugins}\n    tickedSecurityHeaders({json.dumps(headers)}),", 1)
