"""The sign-in throttle's rules, in memory and shared through a real Redis (127.0.0.1:6379).

Through the API and the sign-in page: ``tests/security/test_accounts.py`` (and ``*_web.py``).
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import redis

from app.core.config import get_settings
from app.services import throttle
from app.services.throttle import (
    CLIENT_MAX_FAILURES,
    EMAIL_MAX_FAILURES,
    KEY_PREFIX,
    MAX_FAILURES,
    MemoryStore,
    RedisStore,
    SharedStore,
    SignInThrottle,
    TooManyAttempts,
)

REDIS_URL = "redis://127.0.0.1:6379/0"
DOWN_URL = "redis://127.0.0.1:1/0"  # nothing listens there
WAIT_RE = r"^Too many failed sign-ins\. Try again in {} minutes?\.$"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def guard(clock: Clock) -> SignInThrottle:
    return SignInThrottle("test", store=MemoryStore(), clock=clock)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own on the real Redis, emptied afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL} ({exc.__class__.__name__})")
    prefix = f"{KEY_PREFIX}test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


def _keys(prefix: str) -> list[bytes]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        return list(client.scan_iter(match=prefix + "*"))
    finally:
        client.close()


def fail(guard: SignInThrottle, email: str, client: str, times: int = 1) -> None:
    for _ in range(times):
        guard.check(email=email, client=client)
        guard.failed(email=email, client=client)


def refused(guard: SignInThrottle, email: str, client: str) -> str:
    with pytest.raises(TooManyAttempts) as exc:
        guard.check(email=email, client=client)
    return exc.value.message


# ----- the rules ------------------------------------------------------------------------------------------


def test_throttle_attackers_failures_do_not_lock_the_owner_out(guard: SignInThrottle) -> None:
    fail(guard, "ann@example.com", "203.0.113.66", MAX_FAILURES)
    # The attacker's client waits for that account, whatever the password...
    assert refused(guard, "ann@example.com", "203.0.113.66") == (
        "Too many failed sign-ins. Try again in 15 minutes."
    )
    assert refused(guard, " Ann@Example.com", "203.0.113.66")  # the same email, typed differently
    # ...while the owner, from their own client, is not even asked to wait.
    guard.check(email="ann@example.com", client="198.51.100.7")
    guard.succeeded(email="ann@example.com", client="198.51.100.7")
    # The attacker's other guesses are still counted separately.
    guard.check(email="bob@example.com", client="203.0.113.66")


def test_throttle_client_trying_many_accounts_waits(guard: SignInThrottle) -> None:
    emails = [f"u{i}@example.com" for i in range(CLIENT_MAX_FAILURES)]
    for email in emails[:-1]:
        fail(guard, email, "203.0.113.66")
    guard.check(email="new@example.com", client="203.0.113.66")  # one short of the client's limit
    fail(guard, emails[-1], "203.0.113.66")
    assert "Try again in 15 minutes." in refused(guard, "new@example.com", "203.0.113.66")
    guard.check(email="new@example.com", client="198.51.100.7")  # other clients are not affected


def test_throttle_email_limit_holds_across_many_clients(guard: SignInThrottle, clock: Clock) -> None:
    """Many addresses, one or two guesses each: the account waits (for everyone) after 50 an hour."""
    email = "ann@example.com"
    for i in range(EMAIL_MAX_FAILURES - 1):
        fail(guard, email, f"10.0.{i // 2}.{i % 2}")
    guard.check(email=email, client="198.51.100.7")  # the owner still gets in at 49
    fail(guard, email, "10.1.0.1")
    assert refused(guard, email, "10.2.0.1") == "Too many failed sign-ins. Try again in 60 minutes."
    assert refused(guard, email, "198.51.100.7")  # the owner too: only this limit can do that
    guard.check(email="bob@example.com", client="10.2.0.1")  # other accounts are not affected
    clock.advance(59)
    assert refused(guard, email, "10.2.0.1").endswith("Try again in 1 minute.")
    clock.advance(1)
    guard.check(email=email, client="198.51.100.7")


def test_throttle_email_lock_grows_while_the_attack_goes_on(guard: SignInThrottle, clock: Clock) -> None:
    email = "ann@example.com"
    for hours in (1, 2, 4, 8, 16, 24, 24):
        for i in range(EMAIL_MAX_FAILURES):
            fail(guard, email, f"10.{hours}.{i // 4}.{i % 4}")
        assert (
            refused(guard, email, "10.99.0.1")
            == f"Too many failed sign-ins. Try again in {hours * 60} minutes."
        )
        clock.advance(hours * 60 - 1)
        assert refused(guard, email, "10.99.0.1").endswith("Try again in 1 minute.")
        clock.advance(1)
        guard.check(email=email, client="10.99.0.1")
    # A quiet day later the next lock is an hour again.
    clock.advance(24 * 60)
    fail(guard, email, "10.99.0.2", MAX_FAILURES - 1)
    for i in range(EMAIL_MAX_FAILURES - MAX_FAILURES + 1):
        fail(guard, email, f"10.98.{i // 4}.{i % 4}")
    assert refused(guard, email, "10.99.0.3").endswith("Try again in 60 minutes.")


def test_throttle_window_and_minutes(guard: SignInThrottle, clock: Clock) -> None:
    fail(guard, "a@example.com", "1.1.1.1", MAX_FAILURES)
    assert refused(guard, "A@Example.com ", "1.1.1.1") == "Too many failed sign-ins. Try again in 15 minutes."
    clock.advance(10)
    with pytest.raises(TooManyAttempts, match=WAIT_RE.format(5)):
        guard.check(email="a@example.com", client="1.1.1.1")
    clock.advance(4.5)
    with pytest.raises(TooManyAttempts, match=WAIT_RE.format(1)):
        guard.check(email="a@example.com", client="1.1.1.1")
    clock.advance(31 / 60)
    guard.check(email="a@example.com", client="1.1.1.1")  # the window has passed: no wait


def test_throttle_success_clears_only_that_pair(guard: SignInThrottle) -> None:
    fail(guard, "ann@example.com", "10.0.0.1", MAX_FAILURES - 1)
    guard.succeeded(email="ann@example.com", client="10.0.0.1")
    fail(guard, "ann@example.com", "10.0.0.1", MAX_FAILURES - 1)  # a fresh allowance for the pair
    guard.check(email="ann@example.com", client="10.0.0.1")
    # The client's count is not cleared: signing in to one's own account doesn't reset guessing.
    for i in range(CLIENT_MAX_FAILURES - 2 * (MAX_FAILURES - 1)):
        fail(guard, f"other{i}@example.com", "10.0.0.1")
    assert refused(guard, "ann@example.com", "10.0.0.1")


def test_throttle_attempt_counts_auth_errors_only(guard: SignInThrottle) -> None:
    from app.services.errors import AuthError, InvalidInputError

    for _ in range(MAX_FAILURES):
        with pytest.raises(InvalidInputError), guard.attempt(email="ann@example.com", client="10.0.0.1"):
            raise InvalidInputError("Enter an email address.")
    with guard.attempt(email="ann@example.com", client="10.0.0.1"):
        pass
    for _ in range(MAX_FAILURES):
        with pytest.raises(AuthError), guard.attempt(email="ann@example.com", client="10.0.0.1"):
            raise AuthError("Incorrect email or password.")
    with pytest.raises(TooManyAttempts), guard.attempt(email="ann@example.com", client="10.0.0.1"):
        pytest.fail("refused before the password is checked")


def test_throttle_memory_stays_bounded(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "MAX_TRACKED_KEYS", 50)
    store = MemoryStore()
    guard = SignInThrottle("test", store=store, clock=clock)
    for i in range(15):
        guard.failed(email=f"old{i}@example.com", client=f"10.0.0.{i}")
    clock.advance(25 * 60)  # past every window of those failures (email locks: none were made)
    for i in range(15):
        guard.failed(email=f"new{i}@example.com", client="10.1.1.1")
    assert len(store._hits) <= 50 + 3


# ----- shared through Redis ---------------------------------------------------------------------------------


def test_throttle_instances_sharing_redis_allow_five_failures_in_all(redis_prefix: str, clock: Clock) -> None:
    """Two app instances (two throttles, two connections) count the same pair together."""
    first = SignInThrottle("sign-in", store=RedisStore(REDIS_URL, prefix=redis_prefix), clock=clock)
    second = SignInThrottle("sign-in", store=RedisStore(REDIS_URL, prefix=redis_prefix), clock=clock)
    for i in range(MAX_FAILURES):
        fail(first if i % 2 else second, "ann@example.com", "203.0.113.66")
    for guard in (first, second):
        assert refused(guard, "ann@example.com", "203.0.113.66") == (
            "Too many failed sign-ins. Try again in 15 minutes."
        )
        guard.check(email="ann@example.com", client="198.51.100.7")  # the owner gets in on both
    # What Redis holds: hashed keys under the prefix (no email in clear), each expiring.
    keys = _keys(redis_prefix)
    assert len(keys) == 3  # the pair, the client, the email
    assert all(b"ann" not in key and b"example" not in key for key in keys)
    client = redis.Redis.from_url(REDIS_URL)
    assert all(0 < client.ttl(key) <= 24 * 3600 + 1 for key in keys)
    client.close()
    # A success on one instance clears the pair for both.
    first.succeeded(email="ann@example.com", client="203.0.113.66")
    second.check(email="ann@example.com", client="203.0.113.66")
    second.reset()
    assert _keys(redis_prefix) == []


def test_throttle_email_limit_shared_through_redis(redis_prefix: str, clock: Clock) -> None:
    guards = [
        SignInThrottle("sign-in", store=RedisStore(REDIS_URL, prefix=redis_prefix), clock=clock)
        for _ in range(3)
    ]
    for i in range(EMAIL_MAX_FAILURES):
        fail(guards[i % 3], "ann@example.com", f"10.0.{i}.1")
    for guard in guards:
        assert refused(guard, "ann@example.com", "10.9.9.9").endswith("Try again in 60 minutes.")


@pytest.fixture
def own_redis(tmp_path) -> Iterator[Callable[[], subprocess.Popen]]:  # type: ignore[type-arg]
    """Starts a throwaway redis-server on a free port (call again after killing it to restart it)."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running: list[subprocess.Popen] = []  # type: ignore[type-arg]

    def start() -> subprocess.Popen:  # type: ignore[type-arg]
        args = [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        proc = subprocess.Popen([*args, "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
        running.append(proc)
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        client.close()
        return proc

    start.url = f"redis://127.0.0.1:{port}/0"  # type: ignore[attr-defined]
    yield start
    for proc in running:
        proc.kill()
        proc.wait()


def test_throttle_redis_down_counts_in_memory_and_comes_back(
    own_redis, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """An outage neither locks everyone out nor opens the gate: this instance counts meanwhile."""
    server = own_redis()
    shared = SharedStore(RedisStore(own_redis.url), MemoryStore(), retry_seconds=2.0)
    guard = SignInThrottle("sign-in", store=shared, clock=clock)
    other_instance = SignInThrottle("sign-in", store=RedisStore(own_redis.url), clock=clock)
    fail(guard, "ann@example.com", "203.0.113.66", 2)  # counted in Redis
    server.kill()
    server.wait()
    with caplog.at_level(logging.WARNING, logger=throttle.__name__):
        guard.check(email="ann@example.com", client="198.51.100.7")  # the owner is not refused
        fail(guard, "ann@example.com", "203.0.113.66", MAX_FAILURES - 2)  # Redis's 2 are out of sight
        fail(guard, "bob@example.com", "203.0.113.66", MAX_FAILURES)  # counted in memory
        assert refused(guard, "bob@example.com", "203.0.113.66").endswith("Try again in 15 minutes.")
    warnings = [r.getMessage() for r in caplog.records if r.name == throttle.__name__]
    assert len(warnings) == 1, warnings  # once per pause, not on every attempt
    assert "Redis failed (ConnectionError); counting in this instance's memory" in warnings[0]

    # Redis is back (empty: the restart lost its 2); after the pause the instance counts there again.
    own_redis()
    time.sleep(2.1)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=throttle.__name__):
        fail(guard, "ann@example.com", "203.0.113.66", 2)
    assert [r.getMessage() for r in caplog.records] == [
        "Sign-in throttle: Redis answers again; counting there"
    ]
    # 3 in memory + 2 in Redis: the pair's five. The other instance sees Redis's 2 only.
    assert refused(guard, "ann@example.com", "203.0.113.66").endswith("Try again in 15 minutes.")
    other_instance.check(email="ann@example.com", client="203.0.113.66")
    # What was counted during the outage still counts here after it.
    assert refused(guard, "bob@example.com", "203.0.113.66").endswith("Try again in 15 minutes.")


def test_throttle_uses_redis_when_redis_url_is_set(
    redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = redis_prefix.removeprefix(KEY_PREFIX).rstrip(":")
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    get_settings.cache_clear()
    try:
        guard = SignInThrottle(name)
        guard.failed(email="ann@example.com", client="203.0.113.66")
        assert len(_keys(redis_prefix)) == 3  # the pair, the client, the email
    finally:
        monkeypatch.delenv("REDIS_URL")
        get_settings.cache_clear()
    # Without REDIS_URL, in memory.
    local = SignInThrottle(name)
    local.failed(email="ann@example.com", client="203.0.113.67")
    assert len(_keys(redis_prefix)) == 3
