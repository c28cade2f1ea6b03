"""Sign-in throttling: after 5 failures in 15 minutes for an email or a client, wait.

Kept in process memory: each app instance counts its own failures. That bounds guessing
per instance; a shared store (Redis) would bound it across instances.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque

from app.services.errors import ServiceError

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


class TooManyAttempts(ServiceError):
    code = "rate_limited"
    status = 429


class SignInThrottle:
    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS) -> None:
        self.max_failures, self.window = max_failures, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _keys(self, email: str, client: str) -> list[str]:
        return [f"email:{email.strip().lower()}", f"client:{client}"]

    def check(self, *, email: str, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in self._keys(email, client):
                hits = self._failures[key]
                while hits and now - hits[0] > self.window:
                    hits.popleft()
                if len(hits) >= self.max_failures:
                    minutes = max(1, math.ceil((self.window - (now - hits[0])) / 60))
                    raise TooManyAttempts(f"Too many failed sign-ins. Try again in {minutes} minutes.")

    def failed(self, *, email: str, client: str) -> None:
        with self._lock:
            for key in self._keys(email, client):
                self._failures[key].append(time.monotonic())

    def succeeded(self, *, email: str, client: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(email, client)[0], None)


sign_in_throttle = SignInThrottle()
