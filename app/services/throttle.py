"""Sign-in throttling: after 5 failures in 15 minutes for an email or a client, wait.

Both keys count: the email bounds guessing one account's password from many machines, the
client bounds trying many accounts from one machine. Once either has 5 failures inside the
window, every attempt for it (even with the right password) is refused with "try again in N
minutes" *before* the password is checked, so the refusal costs no hashing. A success clears
the email's count (not the client's: signing in to one's own account must not reset guessing).

The client is the connection's address. Behind a reverse proxy on the same machine (the
README's nginx, a loopback peer) every request would come from 127.0.0.1 and one person's typos
would lock out everyone, so for a loopback peer the last ``X-Forwarded-For`` entry (the
address the proxy itself saw, which the client cannot forge) is used instead.

Kept in process memory: each app instance counts its own failures. That bounds guessing
per instance; a shared store (Redis) would bound it across instances.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager

from app.services.errors import AuthError, ServiceError

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
MAX_TRACKED_KEYS = 10_000
"""Above this many keys, keys whose failures all left the window are dropped (bounded memory)."""


class TooManyAttempts(ServiceError):
    code = "rate_limited"
    status = 429


def wait_message(minutes: int, what: str = "failed sign-ins") -> str:
    """The refusal people see, e.g. "Too many failed sign-ins. Try again in 15 minutes."."""
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many {what}. Try again in {minutes} {unit}."


def client_address(peer: str | None, forwarded_for: str | None = None) -> str:
    """The address to count a client's failures under (see the module doc for the proxy rule)."""
    peer = (peer or "").strip() or "unknown"
    hops = [part.strip() for part in (forwarded_for or "").split(",") if part.strip()]
    if hops and _is_loopback(peer):
        return hops[-1][:64]
    return peer


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address == "localhost"


class SignInThrottle:
    """Failure counts per email and per client in a sliding window (thread-safe)."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS) -> None:
        self.max_failures, self.window = max_failures, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _keys(self, email: str, client: str) -> list[str]:
        return [f"email:{email.strip().lower()}", f"client:{client}"]

    def check(self, *, email: str, client: str) -> None:
        """Raise :class:`TooManyAttempts` when the email or the client must wait."""
        now = time.monotonic()
        with self._lock:
            for key in self._keys(email, client):
                hits = self._failures.get(key)
                if not hits:
                    continue
                while hits and now - hits[0] > self.window:
                    hits.popleft()
                if len(hits) >= self.max_failures:
                    minutes = max(1, math.ceil((self.window - (now - hits[0])) / 60))
                    raise TooManyAttempts(wait_message(minutes))

    def failed(self, *, email: str, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) >= MAX_TRACKED_KEYS:
                self._forget_stale(now)
            for key in self._keys(email, client):
                self._failures[key].append(now)

    def succeeded(self, *, email: str, client: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(email, client)[0], None)

    @contextmanager
    def attempt(self, *, email: str, client: str) -> Iterator[None]:
        """Guard one sign-in: refuse when throttled, count an :class:`AuthError`, clear on success.

        Every sign-in path (API, sign-in page) wraps its credential check in this, so they
        share one count.
        """
        self.check(email=email, client=client)
        try:
            yield
        except AuthError:
            self.failed(email=email, client=client)
            raise
        self.succeeded(email=email, client=client)

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()

    def _forget_stale(self, now: float) -> None:
        stale = [key for key, hits in self._failures.items() if not hits or now - hits[-1] > self.window]
        for key in stale:
            del self._failures[key]


sign_in_throttle = SignInThrottle()
