"""Markdown as the chat shows it (replies and widget ``Markdown`` nodes): no raw HTML, no math, no
remote images, and links that say where they go.

User text (task titles, tags, thread titles) reaches a reply escaped (``app.services.presentation.
md_escape``), so only the writer's own markdown forms links. One gap needs the renderer: remark-gfm
also turns URLs and emails it finds in plain text into links *after* parsing, even escaped ones
(``http\\://...``). Those links carry no source position (the links the parser itself recognised
do), so a link without one is shown as the text it was.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.vars.function import ArgsFunctionOperation, DestructuredArg
from reflex_components_core.core.markdown_component_map import MarkdownComponentMap
from reflex_components_core.el.elements.inline import Span

LINK_REL = "noopener noreferrer nofollow"

_LINK_JS = """
if (!node || !node.position) return jsx("span", {}, children);
let host = "";
if (typeof window !== "undefined") {
  try {
    const url = new URL(props.href || "", window.location.href);
    if (url.origin !== window.location.origin && /^https?:$/.test(url.protocol)) host = url.host;
  } catch (e) {}
}
const text = [].concat(children).map((k) => (typeof k === "string" ? k : "")).join("").trim();
let said = "";
try { said = new URL(/^[a-z][a-z0-9+.-]*:/i.test(text) ? text : "http://" + text).host; } catch (e) {}
if (said.toLowerCase() === host.toLowerCase()) host = "";
return jsx(
  "a",
  {href: props.href, title: props.href, target: "_blank", rel: "LINK_REL", className: "ticked-md-link"},
  children,
  host ? jsx("span", {className: "ticked-md-host"}, " (" + host + ")") : null,
);
""".replace("LINK_REL", LINK_REL)


class _Link(Span, MarkdownComponentMap):
    """A markdown link (its own render function, below): opens in a new tab, tells the site nothing,
    shows its real host when its text names another one ("ok (evil.example)"), and a link remark-gfm
    made from plain text (it has no source position) stays the text it was."""

    @classmethod
    def create_map_fn_var(cls, fn_body=None, fn_args=None, explicit_return=None, var_data=None) -> rx.Var:
        return ArgsFunctionOperation.create(
            args_names=(DestructuredArg(fields=("node", "children", "...props")),),
            return_expr=rx.Var(_js_expr=_LINK_JS.replace("\n", " ")),
            explicit_return=True,
        )


def _link(*children, **props) -> rx.Component:
    return _Link.create(*children, **props)


def _image_as_text(*_children, **_props) -> rx.Component:
    """A markdown image shows its alt text, never loads: a reply (or a model fed a hostile task title)
    could otherwise make the browser fetch any URL, leaking that the page was seen, and from where."""
    return rx.el.span(rx.Var(_js_expr="props.alt || 'image'"), class_name="ticked-md-img")


def _heading(level: int, size: str):
    """A markdown heading two levels down (``#`` is an ``h3``), at Reflex's usual size for its level:
    a reply sits under the page's one ``h1`` (the conversation's title), so its ``# Plan`` must not
    be a second ``h1`` in the page's outline."""

    def render(*children, **props) -> rx.Component:
        return rx.heading(*children, as_=f"h{min(level + 2, 6)}", size=size, margin_y="0.5em")

    return render


_HEADINGS = {f"h{level}": _heading(level, size) for level, size in zip(range(1, 7), "654321", strict=True)}


def markdown_text(content) -> rx.Component:
    """Markdown as text: no raw HTML, no math ($ stays a dollar sign), no remote images, safe links,
    headings below the page's own."""
    return rx.markdown(
        content,
        use_raw=False,
        use_math=False,
        use_katex=False,
        class_name="ticked-md",
        component_map={"img": _image_as_text, "a": _link, **_HEADINGS},
    )
