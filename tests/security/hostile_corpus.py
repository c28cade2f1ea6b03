"""Hostile strings that every place showing user text must render as plain, contained text.

Each payload that could run code or inject markup leaves a detectable trace if it ever works: it
calls ``alert(1)`` (a dialog), sets ``window.__pwned``, or creates an element with ``id="pwned"``
or a ``data-pwned`` attribute. The browser test (``test_hostile_content.py``) looks for exactly
those, so a payload that "works" fails the test instead of passing silently.

The strings go in as task titles, tags, thread titles, chat messages (and the assistant's echo of
them, as markdown and in widget cards). Limits differ by place (a task or thread title holds at
most 200 characters, whitespace collapsed; a message 10,000; a tag only letters, digits and
``- _ . / + &``), so each entry says where it fits.
"""

from __future__ import annotations

from dataclasses import dataclass

TITLE_MAX = 200
MESSAGE_MAX = 10_000
PWN_SELECTOR = "[data-pwned], #pwned, [id^='pwned']"
"""What an injected element would match (every markup payload carries one of these)."""

_COMBINING = "".join(chr(c) for c in range(0x0300, 0x0330))


def _zalgo(word: str, marks: int = 24) -> str:
    """``word`` with a stack of ``marks`` combining characters on every letter."""
    return "".join(ch + _COMBINING[:marks] for ch in word)


@dataclass(frozen=True)
class Hostile:
    """One payload; ``title`` is False where it cannot be a task or thread title (too long, or
    nothing but whitespace once collapsed)."""

    name: str
    text: str
    title: bool = True


CORPUS: tuple[Hostile, ...] = (
    # --- script tags ------------------------------------------------------------------------------
    Hostile("script-alert", "<script>alert(1)</script>"),
    Hostile("script-pwned", "<script>window.__pwned=1</script>"),
    Hostile("script-break-textarea", "</textarea><script>alert(1)</script>"),
    Hostile("script-break-attr", '"><script>alert(1)</script>'),
    Hostile("script-break-title", "</title></head><script>alert(1)</script>"),
    Hostile("script-nested", "<scr<script>ipt>window.__pwned=1</scr</script>ipt>"),
    Hostile("script-src", '<script src="data:text/javascript,alert(1)"></script>'),
    # --- event-handler attributes ----------------------------------------------------------------------
    Hostile("img-onerror", "<img src=x onerror=alert(1)>"),
    Hostile("img-onerror-marker", '<img src=x id=pwned data-pwned=1 onerror="window.__pwned=1">'),
    Hostile("body-onload", "<body onload=alert(1)>"),
    Hostile(
        "div-onmouseover-overlay",
        '<div data-pwned=1 onmouseover="alert(1)" style="position:fixed;inset:0">hover me</div>',
    ),
    Hostile("input-autofocus", "<input autofocus onfocus=alert(1) data-pwned=1>"),
    Hostile("details-ontoggle", "<details open ontoggle=alert(1) data-pwned=1>"),
    Hostile("attr-breakout-double", '" onmouseover="alert(1)" data-pwned="1'),
    Hostile("attr-breakout-single", "' autofocus onfocus='alert(1)' data-pwned='1"),
    # --- links: markdown, autolinks, reference definitions ----------------------------------------
    Hostile("md-link-javascript", "[click me](javascript:alert(1))"),
    Hostile("md-link-javascript-case", "[click me](JaVaScRiPt:window.__pwned=1)"),
    Hostile("md-link-javascript-entity", "[click me](javascript&#58;alert(1))"),
    Hostile("md-link-javascript-space", "[click me]( javascript:alert(1) )"),
    Hostile("md-link-data", "[open](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    Hostile("md-link-vbscript", "[open](vbscript:msgbox(1))"),
    Hostile("autolink-javascript", "<javascript:alert(1)>"),
    Hostile("autolink-data", "<data:text/html,alert(1)>"),
    Hostile("md-reference-javascript", "see [the docs][r]\n\n[r]: javascript:alert(1)", title=False),
    Hostile("md-link-title-breakout", '[x](https://example.com "a" onmouseover="alert(1)")'),
    Hostile("autolink-attr-breakout", '<https://example.com/"onmouseover="alert(1)>'),
    # --- markdown images --------------------------------------------------------------------------
    Hostile("md-image-javascript", "![pic](javascript:alert(1))"),
    Hostile("md-image-onerror", '![pic](x" onerror="alert(1))'),
    Hostile("md-image-attr-block", "![pic](https://invalid.invalid/x.png){onerror=alert(1)}"),
    Hostile("md-image-in-link", "[![pic](javascript:alert(1))](javascript:alert(1))"),
    # --- SVG, iframes, objects, mXSS --------------------------------------------------------------
    Hostile("svg-onload", "<svg onload=alert(1) data-pwned=1>"),
    Hostile("svg-script", "<svg><script>window.__pwned=1</script></svg>"),
    Hostile("svg-animate", '<svg><animate onbegin=alert(1) attributeName=x dur=1s data-pwned="1">'),
    Hostile("iframe-javascript", '<iframe id=pwned src="javascript:alert(1)"></iframe>'),
    Hostile("iframe-srcdoc", '<iframe srcdoc="<script>parent.__pwned=1</script>" data-pwned=1></iframe>'),
    Hostile("object-data", '<object data="javascript:alert(1)" data-pwned=1></object>'),
    Hostile("math-mxss", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    Hostile("anchor-javascript", '<a href="javascript:alert(1)" data-pwned=1>link</a>'),
    # --- style and CSS tricks ---------------------------------------------------------------------
    Hostile("style-hide-all", "<style>*{display:none!important}</style>"),
    Hostile(
        "css-fixed-overlay",
        '<div data-pwned=1 style="position:fixed;top:0;left:0;width:100vw;height:100vh;'
        'background:red;z-index:99999">overlay</div>',
    ),
    Hostile("css-url-javascript", '<div data-pwned=1 style="background:url(javascript:alert(1))">x</div>'),
    Hostile("css-import", "<style>@import url(//evil.invalid/x.css);</style>"),
    Hostile("link-stylesheet", "<link rel=stylesheet href=//evil.invalid/x.css data-pwned=1>"),
    Hostile("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)" data-pwned=1>'),
    # --- HTML entities ----------------------------------------------------------------------------
    Hostile("entity-script", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    Hostile("entity-numeric-img", "&#60;img src=x onerror=alert(1)&#62;"),
    Hostile("entity-soup", "&amp; &quot; &#x27; &nbsp; &#0; &#x202E; &bogus;"),
    # --- Unicode: bidi, zero-width, combining, emoji, RTL ---------------------------------------------------
    Hostile("bidi-rlo", "invoice\u202egnp.exe"),
    Hostile("bidi-rlo-unclosed", "\u202eDelete everything"),
    Hostile("bidi-embeddings", "\u202bعربي\u202a english \u2067isolate unclosed"),
    Hostile("zero-width", "pay\u200brent\u200c now\u200d\ufeff \u2060joined"),
    Hostile("zalgo", _zalgo("zalgo")),
    Hostile("zalgo-tall", _zalgo("HE COMES", marks=22)),
    Hostile("emoji-zwj", "👨‍👩‍👧‍👦 🏳️‍🌈 👩🏽‍💻 🧑‍🤝‍🧑 family"),
    Hostile("rtl-hebrew", "שלום עולם, משימה חשובה"),
    Hostile("rtl-arabic", "مرحبا بالعالم ١٢٣ مهمة"),
    Hostile("rtl-mixed", "עברית 123 english 456 عربي"),
    Hostile("line-separators", "first\u2028second\u2029third\x85fourth"),
    # --- long words -------------------------------------------------------------------------------
    Hostile("long-word-title", "W" * TITLE_MAX),
    Hostile("long-url-title", "https://example.com/" + "a" * (TITLE_MAX - 20)),
    Hostile("long-word-10k", "x" * MESSAGE_MAX, title=False),
    Hostile("long-markdown-bold", "**" + "B" * 2000 + "**", title=False),
    # --- SQL-looking text ---------------------------------------------------------------------------------
    Hostile("sql-drop", "'; DROP TABLE tasks; --"),
    Hostile("sql-or", '" OR 1=1 --'),
    Hostile("sql-bobby", "Robert'); DROP TABLE users;--"),
    Hostile("sql-union", "1 UNION SELECT email, password_hash FROM users --"),
    # --- template injection -----------------------------------------------------------------------
    Hostile("template-jinja", "{{7*7}}"),
    Hostile("template-js", "${7*7} `${alert(1)}`"),
    Hostile("template-jinja-block", "{% raw %}{{ config }}{% endraw %}"),
    Hostile("template-ruby-erb", "#{7*7} <%= 7*7 %>"),
    Hostile("template-jsx", "{window.__pwned=1}"),
    Hostile("template-math", "$$\\alert(1)$$ and $x$"),
    # --- JSON breakers ----------------------------------------------------------------------------
    Hostile("json-break", '"}]},{"__proto__":{"pwned":1}}'),
    Hostile("json-escapes", '\\u0022\\" \\\\ \\n \\u003cscript\\u003e'),
    # --- null-ish and prototype names ---------------------------------------------------------------
    Hostile("null", "null"),
    Hostile("undefined", "undefined"),
    Hostile("nan", "NaN"),
    Hostile("none", "None"),
    Hostile("object-object", "[object Object]"),
    Hostile("proto", "__proto__"),
    Hostile("constructor", "constructor"),
    # --- path traversal ---------------------------------------------------------------------------
    Hostile("path-unix", "../../../../etc/passwd"),
    Hostile("path-windows", "..\\..\\windows\\win.ini"),
    Hostile("path-encoded", "%2e%2e%2f%2e%2e%2fetc%2fpasswd"),
    # --- whitespace and markdown structure --------------------------------------------------------
    Hostile("newlines-tabs", "line one\nline two\r\n\tindented\n\n\n\tlast"),
    Hostile("md-structure", "# Huge heading\n\n---\n\n> quote\n\n- [ ] task", title=False),
    Hostile("md-table", "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | x |", title=False),
    Hostile(
        "md-code", "`<script>alert(1)</script>`\n\n```html\n<img src=x onerror=alert(1)>\n```", title=False
    ),
)
"""Every payload; all fit in a chat message, those with ``title=True`` in a title too."""

HOSTILE_TAGS: tuple[str, ...] = (
    "null",
    "undefined",
    "nan",
    "__proto__",
    "constructor",
    "etc/../../passwd",
    "a&b",
    "drop_table",
    "שלום",
    "مرحبا",
    "t" * 32,
    "ｆｕｌｌｗｉｄｔｈ",
    "emoji+",
)
"""Hostile strings that are valid tags (tags allow only letters, digits and ``- _ . / + &``)."""

SEARCH_PAYLOAD = '<img src=x onerror=alert(1) data-pwned=1>"\u202e'
"""Typed into URL-driven filters (search box, tag filter) and the sign-in email field."""


def titles() -> list[Hostile]:
    """The payloads that can be task and thread titles."""
    return [h for h in CORPUS if h.title]


def as_title(text: str) -> str:
    """``text`` as the services store a title (whitespace collapsed), for finding it on the page."""
    return " ".join(text.split())
