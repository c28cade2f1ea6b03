"""Settings: one source for the Redis URL, generated secret files, and JWT_SECRET's minimum length."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core.config import PROJECT_ROOT, Settings, get_settings

REDIS_VARS = ("REDIS_URL", "REFLEX_REDIS_URL")


# ----- the Redis URL: REDIS_URL or REFLEX_REDIS_URL, read in one place -----------------------------------


@pytest.mark.parametrize("name", REDIS_VARS)
def test_settings_redis_url_from_either_variable(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in REDIS_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(name, "redis://cache.example:6379/3")
    assert Settings().redis_url == "redis://cache.example:6379/3"
    assert Settings().single_instance is False


def test_settings_redis_url_when_unset_or_both_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in REDIS_VARS:
        monkeypatch.delenv(var, raising=False)
    assert Settings().redis_url == ""
    assert Settings().single_instance is True
    # Both set: REFLEX_REDIS_URL, as in Reflex itself (its env var overrides rxconfig.py).
    monkeypatch.setenv("REDIS_URL", "redis://ours:6379/0")
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://reflex:6379/0")
    assert Settings().redis_url == "redis://reflex:6379/0"
    monkeypatch.setenv("REFLEX_REDIS_URL", " ")  # blank counts as unset, as it does in Reflex
    assert Settings().redis_url == "redis://ours:6379/0"
    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://reflex:6379/0")
    assert Settings().redis_url == "redis://reflex:6379/0"
    assert "redis://" not in repr(Settings())  # a Redis URL may carry a password


def _rxconfig_redis(cwd: Path, env: dict[str, str]) -> list[str]:
    code = (
        "import rxconfig; from reflex_base.environment import environment as e; "
        "print(rxconfig.config.redis_url, rxconfig.config.state_manager_mode, e.REFLEX_OPLOCK_ENABLED.get(), "
        "int(e.REFLEX_OPLOCK_HOLD_TIME.get().total_seconds()))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1].split()


def test_settings_rxconfig_takes_the_redis_url_from_settings(tmp_path: Path) -> None:
    """Reflex's state manager follows ``Settings.redis_url``, wherever it came from (here: ``.env``);
    with Redis, a worker keeps the states of the tabs it serves in memory while nobody else asks for
    them (Reflex's opportunistic lock, held 5 s after an event), unless the deployment says otherwise."""
    mine = {*REDIS_VARS, "REFLEX_OPLOCK_ENABLED", "REFLEX_OPLOCK_HOLD_TIME"}
    base = {k: v for k, v in os.environ.items() if k not in mine}
    assert _rxconfig_redis(tmp_path, base) == ["None", "memory", "False", "0"]
    (tmp_path / ".env").write_text("REDIS_URL=redis://127.0.0.1:6379/9\n")
    assert _rxconfig_redis(tmp_path, base) == ["redis://127.0.0.1:6379/9", "redis", "True", "5"]
    (tmp_path / ".env").unlink()
    only_reflex = {**base, "REFLEX_REDIS_URL": "redis://127.0.0.1:6379/8"}
    assert _rxconfig_redis(tmp_path, only_reflex) == ["redis://127.0.0.1:6379/8", "redis", "True", "5"]
    both = {**only_reflex, "REDIS_URL": "redis://127.0.0.1:6379/7"}
    assert _rxconfig_redis(tmp_path, both) == ["redis://127.0.0.1:6379/8", "redis", "True", "5"]
    turned_off = {**both, "REFLEX_OPLOCK_ENABLED": "false", "REFLEX_OPLOCK_HOLD_TIME": "0"}
    assert _rxconfig_redis(tmp_path, turned_off) == ["redis://127.0.0.1:6379/8", "redis", "False", "0"]


# ----- generated secret files --------------------------------------------------------------------------


def _no_chmod(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that is private only after a chmod was readable before it: forbid the chmod."""
    monkeypatch.setattr(os, "chmod", lambda *a, **k: None)
    monkeypatch.setattr(Path, "chmod", lambda *a, **k: None)


@pytest.mark.parametrize("which", ["jwt_secret", "encryption_key"])
def test_secret_files_are_0600_from_the_start(
    which: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_chmod(monkeypatch)
    old = os.umask(0o000)
    try:
        settings = Settings(data_dir=tmp_path, jwt_secret="", encryption_key="")
        value = (
            settings.effective_jwt_secret if which == "jwt_secret" else settings.effective_encryption_keys[0]
        )
    finally:
        os.umask(old)
    path = tmp_path / which
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_text().strip() == value
    assert len(value) >= 32
    assert sorted(p.name for p in tmp_path.iterdir()) == [which]  # no temporary file left behind


def _jwt_secret_in_child(data_dir: str, barrier, results) -> None:  # type: ignore[no-untyped-def]
    barrier.wait()
    results.put(Settings(data_dir=Path(data_dir), jwt_secret="").effective_jwt_secret)


def test_jwt_secret_file_created_once_by_racing_processes(tmp_path: Path) -> None:
    """Processes starting at once (several workers, a CLI) all sign with the one secret kept."""
    ctx = multiprocessing.get_context("fork")
    n = 8
    barrier, results = ctx.Barrier(n), ctx.Queue()
    procs = [
        ctx.Process(target=_jwt_secret_in_child, args=(str(tmp_path), barrier, results)) for _ in range(n)
    ]
    for proc in procs:
        proc.start()
    secrets_seen = [results.get(timeout=60) for _ in range(n)]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    assert len(set(secrets_seen)) == 1
    assert (tmp_path / "jwt_secret").read_text().strip() == secrets_seen[0]
    assert (tmp_path / "jwt_secret").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jwt_secret"]


# ----- JWT_SECRET's minimum length -----------------------------------------------------------------------


def test_short_jwt_secret_refused_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    short = "s3cret-but-only-31-bytes-long!!"
    assert len(short.encode()) == 31
    monkeypatch.setenv("JWT_SECRET", short)
    get_settings.cache_clear()
    try:
        with pytest.raises(ValidationError) as refused:
            get_settings()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    message = str(refused.value)
    assert "JWT_SECRET must be at least 32 bytes long (this one is 31)" in message
    assert short not in message  # a secret, even a refused one, stays out of logs


def test_jwt_secret_of_32_bytes_accepted() -> None:
    assert Settings(jwt_secret="x" * 32).effective_jwt_secret == "x" * 32
    assert Settings(jwt_secret="é" * 16).effective_jwt_secret == "é" * 16  # 32 bytes in UTF-8
    with pytest.raises(ValidationError, match="JWT_SECRET must be at least 32 bytes"):
        Settings(jwt_secret="é" * 15 + "x")  # 31 bytes
