"""One Server-Sent Events reader for every test (and bench script) that reads ``/api/chat/stream``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any


def sse_events(lines: Iterable[str]) -> Iterator[tuple[str, Any]]:
    """(event, data) pairs from an SSE line stream (``httpx.Response.iter_lines()``), data parsed as JSON.

    An event counts once the blank line that ends it arrives: one cut short by a dying server is dropped.
    """
    event, data = "message", []
    for line in lines:
        if line == "":
            if data:
                yield event, json.loads("\n".join(data))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[len("event:") :].strip()
        elif line.startswith("data:"):
            data.append(line[len("data:") :].strip())
