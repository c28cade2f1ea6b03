"""Sign-in throttling that slows password guessing without letting a stranger lock the owner out.

Every wrong password counts under three keys, each with its own limit, in sliding windows:

- **the pair (email, client)**: 5 failures in 15 minutes make *that client* wait for *that
  account*. Someone guessing from their machine locks out only themselves; the owner, from their
  own machine, still signs in. A success clears the pair.
- **the client**, whatever the emails: 20 failures in 15 minutes (one machine trying many
  accounts). A success does not clear it: signing in to one's own account must not reset guessing.
- **the email**, from everywhere: 50 failures in an hour make everyone wait for that account for an
  hour, and each further lock that follows within a day lasts twice as long (2, 4, 8, 16 hours, then
  a day). An attacker with many addresses gets at most 250 guesses at an account on the first day
  and 50 a day after; only such an attack can keep the owner out.

A refusal comes *before* the password is checked (it costs no hashing) and says "Too many failed
sign-ins. Try again in N minutes.", N being the longest wait that applies.

The client is the connection's address. Behind a reverse proxy (the README's nginx) every
request would come from the proxy and one person's typos would lock out everyone, so for a peer
listed in ``FORWARDED_ALLOW_IPS`` (default: this machine) the address that proxy saw, its
``X-Forwarded-For`` entry, is used instead (:func:`app.core.proxies.forwarded_client`).

Where the counts live: this process's memory, unless ``REDIS_URL`` is set; then Redis, under
``ticked:throttle:`` (keys are hashes, no email is stored; each expires with its window), so
instances behind one proxy give 5 tries in all, not 5 per instance. If Redis fails, the instance
logs a warning, counts in its own memory and tries Redis again after 30 s: an outage neither locks
everyone out nor opens the gate, and what was counted meanwhile keeps counting after it.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.core.config import get_settings
from app.core.proxies import forwarded_client
from app.services.errors import AuthError, ServiceError

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_FAILURES = 5
"""Failures of one (email, client) pair in :data:`WINDOW_SECONDS` before that client waits for that email."""
WINDOW_SECONDS = 15 * 60
CLIENT_MAX_FAILURES = 20
"""Failures of one client, whatever the emails, in :data:`WINDOW_SECONDS` before it waits."""
EMAIL_MAX_FAILURES = 50
"""Failures for one email from everywhere in :data:`EMAIL_WINDOW_SECONDS` before it is locked."""
EMAIL_WINDOW_SECONDS = 60 * 60
EMAIL_LOCK_MAX_SECONDS = 24 * 60 * 60
"""The longest email lock; a lock that starts within this long after the last one ends doubles it."""
EMAIL_LOCK_MEMORY_SECONDS = 3 * EMAIL_LOCK_MAX_SECONDS
"""How long a lock is remembered: the longest lock, plus the quiet day after it, and margin."""
MAX_TRACKED_KEYS = 10_000
"""Above this many keys in memory, keys whose failures all left their window are dropped."""
KEY_PREFIX = "ticked:throttle:"
REDIS_RETRY_SECONDS = 30.0
"""After a Redis failure, count in memory this long before trying Redis again."""


class TooManyAttempts(ServiceError):
    """Too many failures from one client or for one account; wait before trying again."""

    code = "rate_limited"


def wait_message(minutes: int, what: str = "failed sign-ins") -> str:
    """The refusal people see, e.g. "Too many failed sign-ins. Try again in 15 minutes."."""
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many {what}. Try again in {minutes} {unit}."


def client_address(peer: str | None, forwarded_for: str | None = None) -> str:
    """The address to count a client's failures under (see the module doc for the proxy rule)."""
    return forwarded_client(peer, forwarded_for)


# ----- where the counts live ---------------------------------------------------------------------------

Span = tuple[str, float]
"""A key and how far back its events count (seconds)."""
Event = tuple[float, str]
"""When (epoch seconds) and a label (the lock's level for email locks; empty for failures)."""


class Store(Protocol):
    """Timestamped events per key, each key keeping those of its own window."""

    def recent(self, spans: Sequence[Span], now: float) -> list[list[Event]]:
        """Each key's events newer than ``now - window``, oldest first."""
        ...

    def add(self, spans: Sequence[Span], now: float, label: str = "") -> list[int]:
        """Record one event at ``now`` under each key; return how many each now holds in its window."""
        ...

    def clear(self, keys: Sequence[str]) -> None: ...

    def reset(self, namespace: str) -> None:
        """Forget every key that starts with ``namespace``."""
        ...


class MemoryStore:
    """This process's memory (thread-safe); keys whose events all left their window are dropped."""

    def __init__(self) -> None:
        self._hits: dict[str, tuple[float, list[Event]]] = {}
        self._lock = threading.Lock()

    def recent(self, spans: Sequence[Span], now: float) -> list[list[Event]]:
        with self._lock:
            found = [self._hits.get(key) for key, _ in spans]
            return [
                [e for e in kept[1] if e[0] > now - window] if kept else []
                for kept, (_, window) in zip(found, spans, strict=True)
            ]

    def add(self, spans: Sequence[Span], now: float, label: str = "") -> list[int]:
        counts = []
        with self._lock:
            if len(self._hits) >= MAX_TRACKED_KEYS:
                self._forget_stale(now)
            for key, window in spans:
                events = [e for e in self._hits.get(key, (window, []))[1] if e[0] > now - window]
                bisect.insort(events, (now, label))
                self._hits[key] = (window, events)
                counts.append(len(events))
        return counts

    def clear(self, keys: Sequence[str]) -> None:
        with self._lock:
            for key in keys:
                self._hits.pop(key, None)

    def reset(self, namespace: str) -> None:
        with self._lock:
            for key in [k for k in self._hits if k.startswith(namespace)]:
                del self._hits[key]

    def _forget_stale(self, now: float) -> None:
        stale = [
            k for k, (window, events) in self._hits.items() if not events or events[-1][0] <= now - window
        ]
        for key in stale:
            del self._hits[key]


class RedisStore:
    """One sorted set per key in Redis (member ``time|label|nonce``, score the time), shared by instances.

    Each write is one MULTI: add, drop what left the window, count, renew the key's expiry; so
    two instances recording at once both count, and the one whose failure is the 50th knows it.
    """

    def __init__(self, url: str, *, prefix: str = KEY_PREFIX) -> None:
        self.url, self.prefix = url, prefix
        self._client: redis.Redis | None = None

    @property
    def client(self) -> redis.Redis:
        if self._client is None:
            # Short timeouts and one retry (a pooled connection Redis closed): an outage must
            # cost a sign-in a moment, not the request's whole time budget.
            self._client = redis.Redis.from_url(
                self.url, socket_timeout=1.0, socket_connect_timeout=1.0, retry=Retry(NoBackoff(), 1)
            )
        return self._client

    def recent(self, spans: Sequence[Span], now: float) -> list[list[Event]]:
        pipe = self.client.pipeline(transaction=False)
        for key, window in spans:
            pipe.zrangebyscore(self.prefix + key, f"({now - window}", "+inf", withscores=True)
        return [[(score, _label(member)) for member, score in rows] for rows in pipe.execute()]

    def add(self, spans: Sequence[Span], now: float, label: str = "") -> list[int]:
        member = f"{now!r}|{label}|{secrets.token_hex(4)}"
        pipe = self.client.pipeline(transaction=True)
        for key, window in spans:
            pipe.zadd(self.prefix + key, {member: now})
            pipe.zremrangebyscore(self.prefix + key, "-inf", now - window)
            pipe.zcard(self.prefix + key)
            pipe.expire(self.prefix + key, math.ceil(window) + 1)
        return [int(count) for count in pipe.execute()[2::4]]

    def clear(self, keys: Sequence[str]) -> None:
        if keys:
            self.client.delete(*(self.prefix + key for key in keys))

    def reset(self, namespace: str) -> None:
        for key in self.client.scan_iter(match=self.prefix + namespace + "*", count=500):
            self.client.delete(key)


def _label(member: bytes | str) -> str:
    text = member.decode() if isinstance(member, bytes) else member
    return text.split("|")[1] if text.count("|") >= 2 else ""


class SharedStore:
    """Redis, and this process's memory while Redis fails (see the module doc).

    Reads merge both, so what was counted in memory during an outage keeps counting after it;
    writes go to Redis when it answers. A failed Redis call is retried only after a pause
    (:data:`REDIS_RETRY_SECONDS`), and the pause starts with one warning in the log.
    """

    def __init__(
        self, primary: RedisStore, fallback: MemoryStore, *, retry_seconds: float = REDIS_RETRY_SECONDS
    ) -> None:
        self.primary, self.fallback, self.retry_seconds = primary, fallback, retry_seconds
        self.retry_at = 0.0
        self._lock = threading.Lock()

    def _try(self, call: Callable[[RedisStore], T]) -> T | None:
        if time.monotonic() < self.retry_at:
            return None
        try:
            result = call(self.primary)
        except (redis.RedisError, OSError, ValueError) as exc:
            with self._lock:
                if time.monotonic() >= self.retry_at:
                    self.retry_at = time.monotonic() + self.retry_seconds
                    log.warning(
                        "Sign-in throttle: Redis failed (%s); counting in this instance's memory, "
                        "trying Redis again in %d s",
                        exc.__class__.__name__,
                        self.retry_seconds,
                    )
            return None
        if self.retry_at:
            with self._lock:
                if self.retry_at:
                    self.retry_at = 0.0
                    log.warning("Sign-in throttle: Redis answers again; counting there")
        return result

    def recent(self, spans: Sequence[Span], now: float) -> list[list[Event]]:
        local = self.fallback.recent(spans, now)
        shared = self._try(lambda store: store.recent(spans, now))
        if shared is None:
            return local
        return [sorted(a + b) if a else b for a, b in zip(local, shared, strict=True)]

    def add(self, spans: Sequence[Span], now: float, label: str = "") -> list[int]:
        shared = self._try(lambda store: store.add(spans, now, label))
        return shared if shared is not None else self.fallback.add(spans, now, label)

    def clear(self, keys: Sequence[str]) -> None:
        self.fallback.clear(keys)
        self._try(lambda store: store.clear(keys))

    def reset(self, namespace: str) -> None:
        self.fallback.reset(namespace)
        self._try(lambda store: store.reset(namespace))


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def _store_for(redis_url: str) -> Store:
    """The store for a Redis URL (memory when empty), one per process and URL."""
    with _stores_lock:
        if redis_url not in _stores:
            _stores[redis_url] = (
                SharedStore(RedisStore(redis_url), MemoryStore()) if redis_url else MemoryStore()
            )
        return _stores[redis_url]


# ----- the rules -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Keys:
    pair: str
    client: str
    email: str
    email_locks: str


def _lock_seconds(level: int) -> float:
    """How long the ``level``-th email lock in a row lasts: 1 h, 2 h, 4 h... at most a day."""
    doubling: int = 2 ** (level - 1)  # typeshed: int ** int may be a float (negative powers)
    return min(EMAIL_WINDOW_SECONDS * doubling, EMAIL_LOCK_MAX_SECONDS)


def _until(lock: Event) -> float:
    at, level = lock
    return at + _lock_seconds(int(level or 1))


class SignInThrottle:
    """Failure counts per (email, client), per client and per email (see the module doc).

    Args:
        name: Keeps this throttle's keys apart from another's in a shared store.
        store: Where counts live; by default memory, or Redis when ``REDIS_URL`` is set (looked
            up on each use, so it follows the settings).
        clock: Epoch seconds; instances sharing Redis must agree on it (NTP).
    """

    def __init__(
        self, name: str = "sign-in", *, store: Store | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.name, self._store, self.clock = name, store, clock

    @property
    def store(self) -> Store:
        return self._store or _store_for(get_settings().redis_url)

    def _keys(self, email: str, client: str) -> _Keys:
        def key(kind: str, *parts: str) -> str:
            digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]
            return f"{self.name}:{kind}:{digest}"

        email = email.strip().lower()
        return _Keys(
            key("pair", email, client), key("client", client), key("email", email), key("email-locks", email)
        )

    def _spans(self, keys: _Keys) -> list[Span]:
        return [
            (keys.pair, WINDOW_SECONDS),
            (keys.client, WINDOW_SECONDS),
            (keys.email, EMAIL_WINDOW_SECONDS),
        ]

    def check(self, *, email: str, client: str) -> None:
        """Raise :class:`TooManyAttempts` when this client must wait for this email (any rule)."""
        now, keys = self.clock(), self._keys(email, client)
        limits = (MAX_FAILURES, CLIENT_MAX_FAILURES, EMAIL_MAX_FAILURES)
        spans = self._spans(keys)
        *counted, locks = self.store.recent([*spans, (keys.email_locks, EMAIL_LOCK_MEMORY_SECONDS)], now)
        waits = [
            events[len(events) - limit][0] + window - now
            for events, limit, (_, window) in zip(counted, limits, spans, strict=True)
            if len(events) >= limit
        ]
        if locks and now < _until(locks[-1]):
            waits.append(_until(locks[-1]) - now)
        if waits:
            raise TooManyAttempts(wait_message(max(1, math.ceil(max(waits) / 60))))

    def failed(self, *, email: str, client: str) -> None:
        now, keys = self.clock(), self._keys(email, client)
        _, _, email_count = self.store.add(self._spans(keys), now)
        if email_count == EMAIL_MAX_FAILURES:  # exactly one failure (one instance) makes the lock
            (locks,) = self.store.recent([(keys.email_locks, EMAIL_LOCK_MEMORY_SECONDS)], now)
            follows = locks and now < _until(locks[-1]) + EMAIL_LOCK_MAX_SECONDS
            level = int(locks[-1][1] or 1) + 1 if follows else 1
            self.store.add([(keys.email_locks, EMAIL_LOCK_MEMORY_SECONDS)], now, label=str(level))

    def succeeded(self, *, email: str, client: str) -> None:
        self.store.clear([self._keys(email, client).pair])

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
        """Forget every count of this throttle (tests; an operator after an incident)."""
        self.store.reset(f"{self.name}:")


sign_in_throttle = SignInThrottle("sign-in")
