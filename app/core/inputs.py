"""The rules every input passes, whatever door it comes through (API, MCP, CLI, pages, chat).

* **Text** must be valid Unicode: a lone surrogate (``"\\ud800"``, which JSON's ``\\uXXXX``
  escapes and undecodable command-line bytes can produce) can't be stored or sent back, so it is
  refused up front with a clear message, not met later as a ``UnicodeEncodeError`` (a 500).
* **Free-form JSON** (chat ``context``, widget action payloads and forms, tool arguments) must be
  plain JSON of bounded depth and size, with valid text in every key and string: it is checked
  before anything is stored, so a hostile value is a 422, never a 500 after a write.
* **API bodies are strictly typed**: strings must be strings, booleans booleans (no ``"yes"`` or
  ``1``); dates are ``YYYY-MM-DD`` strings (JSON has no date type).

:func:`check_text` and :func:`check_json` raise :class:`InputError` (a ``ValueError``, so inside
pydantic it becomes a validation error); the ``Annotated`` types below apply them in models.
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, StrictBool, StrictStr

MAX_JSON_DEPTH = 32
"""Levels of nesting a free-form JSON value may have (``{"a": {"b": 1}}`` has 2)."""
MAX_JSON_BYTES = 64 * 1024
"""Its size as compact UTF-8 JSON."""

NOT_UNICODE = "is not valid Unicode text (it holds a lone surrogate such as \\ud800)"
_SURROGATE = "(a lone surrogate such as \\ud800)"


class InputError(ValueError):
    """Input that breaks one of these rules; ``str()`` is a message fit for a person."""


def is_valid_text(value: str) -> bool:
    """True when ``value`` is valid Unicode (encodable as UTF-8: no lone surrogate)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_text(value: Any, what: str = "") -> Any:
    """``value`` itself when it is not a string or is valid text; else :class:`InputError`.

    ``what`` names the text in the message (``"The title is not valid Unicode text ..."``).
    """
    if isinstance(value, str) and not is_valid_text(value):
        raise InputError(f"{what} {NOT_UNICODE}" if what else NOT_UNICODE)
    return value


def printable(value: str) -> str:
    """``value`` safe to show or send back: each lone surrogate becomes ``?``."""
    return value.encode("utf-8", "replace").decode("utf-8")


def _refuse(what: str, problem: str, path: str = "") -> InputError:
    where = f" at {printable(path)}" if path else ""
    return InputError(f"{what}: {problem}{where}" if what else f"{problem}{where}")


def check_json(
    value: Any, what: str = "", *, max_depth: int = MAX_JSON_DEPTH, max_bytes: int = MAX_JSON_BYTES
) -> Any:
    """``value`` itself when it is plain JSON within the limits; else :class:`InputError`.

    Plain JSON: objects with string keys, arrays, strings, finite numbers, booleans and null.
    ``what`` names the value in the message (``"context: is nested too deep ..."``). The walk is
    iterative, so even a value nested thousands deep is refused without recursion.
    """
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, dict | list | tuple) and depth > max_depth:
            raise _refuse(what, f"is nested too deep (at most {max_depth} levels)")
        if isinstance(node, dict):
            for key, item in node.items():
                if not isinstance(key, str):
                    raise _refuse(what, "has an object key that is not a string", path)
                child = f"{path}.{key}" if path else key
                if not is_valid_text(key):
                    raise _refuse(what, f"has a key that is not valid Unicode {_SURROGATE}", child)
                stack.append((item, depth + 1, child))
        elif isinstance(node, list | tuple):
            stack.extend((item, depth + 1, f"{path}[{i}]") for i, item in enumerate(node))
        elif isinstance(node, str):
            if not is_valid_text(node):
                raise _refuse(what, f"has text that is not valid Unicode {_SURROGATE}", path)
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise _refuse(what, "has a number that is not finite (NaN or Infinity)", path)
        elif node is not None and not isinstance(node, bool | int):
            raise _refuse(what, f"must be plain JSON (not {type(node).__name__})", path)
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > max_bytes:
        raise _refuse(what, f"is too big ({size:,} bytes; at most {max_bytes:,})")
    return value


def _json_object(value: Any) -> Any:
    if isinstance(value, dict):
        check_json(value)
    return value  # anything else: pydantic's own "must be a dictionary"


def _date(value: Any) -> Any:
    """Dates arrive as ``YYYY-MM-DD`` text (or a ``date`` from Python callers), never as numbers."""
    if value is None or isinstance(value, str | date):
        return check_text(value)
    raise InputError("must be a date as YYYY-MM-DD text")


Text = Annotated[StrictStr, BeforeValidator(check_text)]
"""A string, and only a string, of valid Unicode."""
Bool = StrictBool
"""``true`` or ``false``, not ``"yes"`` or ``1``."""
IsoDate = Annotated[date, BeforeValidator(_date)]
"""A date given as ``YYYY-MM-DD`` text (or a Python ``date``)."""
JsonObject = Annotated[dict[str, Any], BeforeValidator(_json_object)]
"""A free-form JSON object within :data:`MAX_JSON_DEPTH` and :data:`MAX_JSON_BYTES`."""
