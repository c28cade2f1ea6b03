"""The test harness's own shortcuts keep what they stand in for: cheap password hashes behave like the
app's, a copied SQLite database has every table, and a production server skips the frontend build
only when ``.web`` holds this run's build for its public port."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, func, select

from app.core import security
from app.core.db import make_engine
from app.models import User
from tests.conftest import CHEAP_PASSWORD_HASHING, sqlite_database
from tests.utils import server
from tests.utils.factories import quick_user


def test_cheap_hashes_verify_and_count_as_current_legacy_ones_still_rehash() -> None:
    assert security.pwd_context is CHEAP_PASSWORD_HASHING
    hashed = security.hash_password("correct-horse-42")
    assert hashed.startswith("$argon2id$v=19$m=512,t=1,p=1$")
    assert security.verify_password("correct-horse-42", hashed) == (True, None)
    assert security.verify_password("wrong-horse-42", hashed) == (False, None)
    legacy = CHEAP_PASSWORD_HASHING.real.handler("pbkdf2_sha256").hash("old-password")
    ok, new_hash = security.verify_password("old-password", legacy)
    assert ok
    assert new_hash is not None
    s = security
    app_params = f"m={s.ARGON2_MEMORY_KIB},t={s.ARGON2_TIME_COST},p={s.ARGON2_PARALLELISM}"
    assert new_hash.startswith(f"$argon2id$v=19${app_params}$")
    assert security.verify_password("old-password", new_hash) == (True, None)
    assert security.verify_password("x", "-") == (False, None)


def test_sqlite_database_is_a_fresh_copy_with_every_table(tmp_path: Path) -> None:
    first, second = sqlite_database(tmp_path / "a.db"), sqlite_database(tmp_path / "b.db")
    engine = make_engine(first)
    with Session(engine) as session:
        quick_user(session)
    engine.dispose()
    other = make_engine(second)
    assert set(sa.inspect(other).get_table_names()) >= set(SQLModel.metadata.tables)
    with Session(other) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0
    other.dispose()


def test_the_build_is_reused_only_by_the_run_and_for_the_port_it_was_made_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server, "BUILD_STAMP", tmp_path / ".web" / "ticked-build")
    monkeypatch.setattr(server, "_PUBLIC", server._Public())
    monkeypatch.setenv(server.RUN_VAR, "run-1")
    monkeypatch.setenv(server.PUBLIC_PORT_VAR, "4321")
    assert server.build_url() == "http://localhost:4321"  # each page makes it its own host
    assert not server.built()
    (tmp_path / ".web").mkdir()
    server.BUILD_STAMP.write_text("run-1 http://localhost:4321")
    assert server.built()
    monkeypatch.setenv(server.RUN_VAR, "run-2")  # the code may have changed since
    assert not server.built()
    monkeypatch.setenv(server.RUN_VAR, "run-1")
    monkeypatch.setattr(server, "_PUBLIC", server._Public())
    monkeypatch.setenv(server.PUBLIC_PORT_VAR, "4322")
    assert not server.built()


def test_a_server_skips_compile_and_build_unless_it_makes_the_build() -> None:
    assert server.reflex_run_command("--x", build=True) == [str(server.REFLEX), "run", "--env", "prod", "--x"]
    command = server.reflex_run_command("--x")
    assert command[:3] == [server.sys.executable, "-c", server.SERVE_BUILT]
    assert command[3:] == ["run", "--env", "prod", "--x"]


def test_each_xdist_worker_has_a_loopback_address_of_its_own_and_the_run_one_public_port() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    expected = f"127.0.0.{int(worker.removeprefix('gw')) + 1}" if worker else "127.0.0.1"
    assert server.server_host() == expected
    assert server.public_port() == int(os.environ[server.PUBLIC_PORT_VAR])
    assert os.environ[server.RUN_VAR]


def test_servers_on_the_public_port_each_hold_an_address_of_their_own() -> None:
    """Several servers with a frontend stay up side by side (the e2e app, the security tests' app,
    a deployment's nginx), on the one public port, each on a loopback address of its own."""
    _a, _b, c, d = server.server_host().split(".")
    with server.frontend_address() as first, server.frontend_address() as second:
        assert first == server.server_host()
        assert second == f"127.1.{c}.{d}"
        with socket.socket() as listening:  # all of 127.0.0.0/8 is the loopback
            listening.bind((second, server.public_port()))
    with server.frontend_address() as again:
        assert again == first  # given back
