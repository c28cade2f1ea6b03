"""The scripted OpenAI-compatible server of ``tests/utils/fake_openai.py``, with more faults.

Every step ``FakeOpenAI`` knows still works (``text``, ``tool_calls``, ``status`` with
``retry_after``, ``delay``, ``word_delay``); on top of them:

- ``{"cut_after": 3, "text": "..."}``: stream three words, then drop the connection mid-answer;
- ``{"garbage": True}``: a stream chunk that is not JSON.

It also notes when each request arrived (``arrivals``, monotonic seconds), so tests can check
the backoff between retries, not only their count.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.utils.fake_openai import FakeOpenAI


class FaultyOpenAI(FakeOpenAI):
    def __init__(self) -> None:
        self.arrivals: list[float] = []
        super().__init__()

    def next_step(self, body: dict[str, Any]) -> dict[str, Any]:
        self.arrivals.append(time.monotonic())
        return super().next_step(body)

    def _handler(self):
        base = super()._handler()

        class Handler(base):  # type: ignore[valid-type,misc]
            def _stream(self, step: dict[str, Any]) -> None:
                if "cut_after" in step:
                    self._cut(step)
                elif step.get("garbage"):
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.end_headers()
                    self.wfile.write(self._chunk({"role": "assistant", "content": "Hel"}))
                    self.wfile.write(b"data: {this is not json\n\n")
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                else:
                    super()._stream(step)

            def _cut(self, step: dict[str, Any]) -> None:
                # Chunked transfer encoding, then the socket closes without the final chunk: the
                # client sees a stream that ends in the middle of the answer.
                self.protocol_version = "HTTP/1.1"
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                for word in step.get("text", "").split(" ")[: step["cut_after"]]:
                    data = self._chunk({"content": word + " "})
                    self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                    self.wfile.flush()
                    time.sleep(0.02)
                self.close_connection = True
                self.connection.shutdown(2)

        return Handler


@contextmanager
def faulty_openai() -> Iterator[FaultyOpenAI]:
    server = FaultyOpenAI().start()
    try:
        yield server
    finally:
        server.stop()
