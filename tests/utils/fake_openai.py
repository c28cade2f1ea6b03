"""A small OpenAI-compatible server for tests: scripted replies over real HTTP.

The real ``openai`` SDK talks to it on localhost, so the backend is tested without mocks.
Each POST to ``/v1/chat/completions`` takes the next scripted step:
``{"text": "..."}``, ``{"tool_calls": [{"name": ..., "arguments": "<json>"}]}``,
``{"status": 500}``, ``{"status": 429, "retry_after": "0"}``, ``{"delay": 2.0, ...}``;
``{"chunks": ["Added [PHO", "NE_1]."]}`` streams exactly those content deltas.
With the script used up it answers "Done.".
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        # shutdown() waits for the serve loop's next poll: 0.5 s by default, at every test's teardown
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def next_step(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.requests.append(body)
            return self.script.pop(0) if self.script else {"text": "Done."}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                step = fake.next_step(body)
                if step.get("delay"):
                    time.sleep(step["delay"])
                if step.get("status"):
                    self.send_response(step["status"])
                    self.send_header("content-type", "application/json")
                    if step.get("retry_after") is not None:
                        self.send_header("retry-after", str(step["retry_after"]))
                    self.end_headers()
                    error = {"error": {"message": "scripted failure", "type": "server_error"}}
                    self.wfile.write(json.dumps(error).encode())
                    return
                if body.get("stream"):
                    self._stream(step)
                else:
                    self._plain(step)

            def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
                payload = {
                    "id": "chatcmpl-" + uuid.uuid4().hex[:8],
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": "fake",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }
                return f"data: {json.dumps(payload)}\n\n".encode()

            def _stream(self, step: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                self.wfile.write(self._chunk({"role": "assistant", "content": ""}))
                text = step.get("text", "")
                words = text.split(" ")
                pieces = [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
                pieces = step.get("chunks") or pieces
                for piece in pieces:
                    self.wfile.write(self._chunk({"content": piece}))
                    self.wfile.flush()
                    if step.get("word_delay"):
                        time.sleep(step["word_delay"])
                for i, call in enumerate(step.get("tool_calls", [])):
                    args = call["arguments"]
                    half = len(args) // 2
                    first = {
                        "index": i,
                        "id": f"call_{i}_{uuid.uuid4().hex[:6]}",
                        "type": "function",
                        "function": {"name": call["name"], "arguments": args[:half]},
                    }
                    self.wfile.write(self._chunk({"tool_calls": [first]}))
                    self.wfile.write(
                        self._chunk({"tool_calls": [{"index": i, "function": {"arguments": args[half:]}}]})
                    )
                finish = "tool_calls" if step.get("tool_calls") else "stop"
                self.wfile.write(self._chunk({}, finish))
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _plain(self, step: dict[str, Any]) -> None:
                message: dict[str, Any] = {"role": "assistant", "content": step.get("text", "")}
                if step.get("tool_calls"):
                    message["tool_calls"] = [
                        {
                            "id": f"call_{i}",
                            "type": "function",
                            "function": {"name": c["name"], "arguments": c["arguments"]},
                        }
                        for i, c in enumerate(step["tool_calls"])
                    ]
                payload = {
                    "id": "chatcmpl-x",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": "fake",
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                }
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def start(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    try:
        yield server
    finally:
        server.stop()
