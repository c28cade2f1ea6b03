"""``python -m app.cli rotate-key``: everything ends up under the new key and readers never notice.

Runs on SQLite and PostgreSQL. The rotation runs in small batches while reader threads (and a
separate reader process, which only knows the old key when it starts) keep listing threads,
reading messages and searching, and a writer thread keeps adding messages; none of them may see a
single error, and search must keep finding every thread throughout.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from app import cli
from app.core.config import PROJECT_ROOT, get_settings
from app.core.crypto import PREFIX, get_keyring, reset_keyring
from app.core.db import session_scope
from app.models import Message, Thread, User
from app.models.search_term import BLOCK_THREADS, SEARCH_BLOOMS, SEARCH_TERMS
from app.orchestration.runner import run_turn
from app.services import messages as message_service
from app.services import search_index
from app.services import threads as thread_service
from app.services.key_rotation import encrypted_columns, rotate_key

Probe = tuple[uuid.UUID, uuid.UUID, str]  # (owner, thread, a word only that thread holds)


@pytest.fixture
def key_file(app_db: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Keys from a generated key file (no ENCRYPTION_KEY), in a data dir of this test's own."""
    monkeypatch.delenv("ENCRYPTION_KEY", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    reset_keyring()
    yield get_settings().encryption_key_path
    get_settings.cache_clear()
    reset_keyring()


def seed(threads: int = 24, messages: int = 3) -> list[Probe]:
    """Two users' threads, each with a word of its own in its title and messages; one real turn each."""
    probes: list[Probe] = []
    with session_scope() as session:
        owners = []
        for _ in range(2):
            user = User(email=f"u{uuid.uuid4().hex[:8]}@example.com", hashed_password="-")
            session.add(user)
            session.flush()
            owners.append(user.id)
        for i in range(threads):
            owner, word = owners[i % 2], f"kiwi{i}x{uuid.uuid4().hex[:6]}"
            thread = thread_service.create_thread(session, user_id=owner, title=f"Topic {word}")
            for m in range(messages):
                message_service.add_user_message(
                    session, user_id=owner, thread_id=thread.id, content=f"note {m} about {word}"
                )
            probes.append((owner, thread.id, word))
    for owner in owners:  # widgets, tool calls, operations and agent memory too
        run_turn(user_id=owner, text="add buy oat milk tomorrow")
        run_turn(user_id=owner, text="what's due this week?")
    return probes


def read_everything(session: Session) -> int:
    """Decrypt every encrypted value through the ORM; returns how many rows were read."""
    from app.models import Action, TaskOperation, Widget

    n = 0
    for model in (Thread, Message, Widget, Action, TaskOperation):
        n += len(session.exec(select(model)).all())
    return n


def raw_key_ids(engine: sa.Engine) -> set[str]:
    """The key ids found in the encrypted columns' raw values ("plain" for legacy plaintext)."""
    found: set[str] = set()
    with engine.connect() as conn:
        for _table, column in encrypted_columns():
            raw = sa.type_coerce(column, sa.Text)
            for (value,) in conn.execute(sa.select(raw).where(raw.is_not(None))):
                found.add(value.split(":")[1] if value.startswith(PREFIX) else "plain")
    return found


def index_matches_a_rebuild(engine: sa.Engine) -> bool:
    """The search table holds exactly what a rebuild under the primary key would write."""
    key = get_keyring().primary
    with Session(engine) as session:
        expected: list[dict[str, Any]] = []
        for thread in session.exec(select(Thread).order_by(Thread.id)).all():
            texts = session.exec(select(Message.content).where(Message.thread_id == thread.id)).all()
            expected.append(
                search_index.thread_row(
                    key, user_id=thread.user_id, thread_id=thread.id, title=thread.title, texts=texts
                )
            )
        stored = session.execute(sa.select(SEARCH_TERMS).order_by(SEARCH_TERMS.c.thread_id)).mappings().all()
        actual = [
            {
                name: bytes(v) if isinstance(v, bytes | memoryview) else v
                for name, v in r.items()
                if name != "in_bloom"
            }
            for r in stored
        ]
    return actual == expected and blooms_match_a_rebuild(engine)


def blooms_match_a_rebuild(engine: sa.Engine) -> bool:
    """Every sealed block's filter is exactly the one its threads' stored terms make."""
    with Session(engine) as session:
        for owner, block in search_index.sealed_blocks(session):
            members = sa.select(Thread.id).where(Thread.user_id == owner, Thread.search_block == block)
            rows = session.execute(
                sa.select(*(SEARCH_TERMS.c[c] for c in search_index.TERMS_COLUMNS)).where(
                    SEARCH_TERMS.c.thread_id.in_(members)
                )
            ).all()
            stored = session.execute(
                sa.select(SEARCH_BLOOMS.c.part, SEARCH_BLOOMS.c.bits)
                .where(SEARCH_BLOOMS.c.user_id == owner, SEARCH_BLOOMS.c.block == block)
                .order_by(SEARCH_BLOOMS.c.part)
            ).all()
            expected = search_index.bloom_rows(owner, block, rows)
            if [(p, bytes(b)) for p, b in stored] != [(r["part"], r["bits"]) for r in expected]:
                return False
    return True


def check(probe: Probe) -> None:
    """One reader request: the sidebar, a thread's messages and a search, all correct."""
    owner, thread_id, word = probe
    with session_scope() as session:
        listed = thread_service.list_threads(session, user_id=owner, limit=30)
        assert all(t.title.startswith(("Topic ", "Buy oat milk", "Tasks due")) for t in listed)
        texts = [
            m.content for m in message_service.list_messages(session, user_id=owner, thread_id=thread_id)
        ]
        assert texts
        assert all(t.startswith(("note ", "later: ")) for t in texts), texts
        hits = thread_service.list_threads(session, user_id=owner, search=word)
        assert [t.id for t in hits] == [thread_id], word


READER_SCRIPT = """
import json, os, sys, time, uuid
from app.core.crypto import RELOAD_SECONDS, get_keyring
from tests.security.test_rotate_key import check
probes = [(uuid.UUID(a), uuid.UUID(b), c) for a, b, c in json.loads(sys.argv[1])]
stop, reads, errors = sys.argv[2], 0, []
def one_pass():
    global reads
    for probe in probes:
        try:
            check(probe)
            reads += 1
        except Exception as exc:
            errors.append(repr(exc))
one_pass()
print("ready", flush=True)
while not os.path.exists(stop):
    one_pass()
time.sleep(RELOAD_SECONDS + 0.2)
one_pass()  # after the rotation finished and the old key left the file
print(json.dumps({"reads": reads, "errors": errors[:5], "keys": [k.kid for k in get_keyring().keys]}))
"""


def test_rotation_under_load_never_disturbs_readers(key_file: Path, app_db: sa.Engine, tmp_path: Path):
    probes = seed(threads=2 * (BLOCK_THREADS + 8))  # each owner's first block sealed, with its filter
    with Session(app_db) as session:
        assert len(search_index.sealed_blocks(session)) == 2
    old_kid = get_keyring().primary.kid
    assert raw_key_ids(app_db) == {old_kid}

    stop_file = tmp_path / "stop"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            READER_SCRIPT,
            json.dumps([[str(a), str(b), c] for a, b, c in probes]),
            str(stop_file),
        ],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None
        assert reader.stdout.readline().strip() == "ready", reader.stderr.read() if reader.stderr else ""

        stop = threading.Event()
        errors: list[str] = []
        reads = [0]
        written: list[Probe] = []

        def read_loop() -> None:
            rng = random.Random()
            while not stop.is_set():
                try:
                    check(rng.choice(probes))
                    reads[0] += 1
                except Exception as exc:  # noqa: BLE001 - every failure is the finding
                    errors.append(repr(exc))

        def write_loop() -> None:
            rng = random.Random()
            while not stop.is_set():
                owner, thread_id, _ = rng.choice(probes)
                word = f"fig{uuid.uuid4().hex[:8]}"
                try:
                    with session_scope() as session:
                        message_service.add_user_message(
                            session, user_id=owner, thread_id=thread_id, content=f"later: {word}"
                        )
                    written.append((owner, thread_id, word))
                except Exception as exc:  # noqa: BLE001
                    errors.append("writer: " + repr(exc))
                stop.wait(0.01)

        workers = [threading.Thread(target=read_loop) for _ in range(2)] + [
            threading.Thread(target=write_loop)
        ]
        for w in workers:
            w.start()
        try:
            report = rotate_key(batch_size=7, grace_seconds=0.3)
        finally:
            stop.set()
            for w in workers:
                w.join(timeout=60)
        stop_file.touch()
        out, err = reader.communicate(timeout=120)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()

    assert errors == [], errors[:5]
    assert reads[0] > 0
    assert written, "the writer should have added messages during the rotation"
    result = json.loads(out.strip().splitlines()[-1])
    assert result["errors"] == [], (result, err[-2000:])
    assert result["reads"] > len(probes)
    assert result["keys"] == [report.key_id]  # the other process followed the file

    assert report.mode == "file"
    assert report.key_id != old_kid
    assert report.retired == [old_kid]
    assert report.values > 0
    assert report.threads >= len(probes)
    assert len(key_file.read_text().strip().split(",")) == 1
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert raw_key_ids(app_db) == {report.key_id}

    reset_keyring()  # a process started now knows only the new key
    assert [k.kid for k in get_keyring().keys] == [report.key_id]
    with Session(app_db) as session:
        assert read_everything(session) > 0
    for probe in probes:
        check(probe)
    with session_scope() as session:
        for owner, thread_id, word in written:
            assert [t.id for t in thread_service.list_threads(session, user_id=owner, search=word)] == [
                thread_id
            ]
    assert index_matches_a_rebuild(app_db)


def test_rotation_re_encrypts_legacy_plaintext(key_file: Path, app_db: sa.Engine):
    probes = seed(threads=2, messages=1)
    _owner, thread_id, word = probes[0]
    with app_db.begin() as conn:  # a value written before encryption existed
        table = Message.__table__
        raw = sa.type_coerce(table.c.content, sa.Text)
        first = conn.execute(
            sa.select(table.c.id).where(table.c.thread_id == thread_id).limit(1)
        ).scalar_one()
        conn.execute(sa.update(table).where(table.c.id == first).values({raw: f"note 0 about {word}"}))
    assert "plain" in raw_key_ids(app_db)
    check(probes[0])
    report = rotate_key(batch_size=50, grace_seconds=0)
    assert raw_key_ids(app_db) == {report.key_id}
    check(probes[0])


def test_rotation_with_keys_from_the_environment_takes_two_runs(app_db: sa.Engine, monkeypatch):
    current = "env-key-" + uuid.uuid4().hex + uuid.uuid4().hex
    monkeypatch.setenv("ENCRYPTION_KEY", current)
    get_settings.cache_clear()
    try:
        probes = seed(threads=4, messages=1)
        old_kid = get_keyring().primary.kid

        staged = rotate_key(grace_seconds=0)
        assert staged.mode == "env-staged"
        assert staged.new_key
        assert len(staged.new_key) >= 32
        assert "ENCRYPTION_KEY=<new key>,<current key>" in staged.message
        assert raw_key_ids(app_db) == {old_kid}  # nothing changes until every instance has the new key

        monkeypatch.setenv("ENCRYPTION_KEY", f"{staged.new_key},{current}")
        get_settings.cache_clear()
        done = rotate_key(batch_size=3, grace_seconds=0)
        assert done.mode == "env"
        assert done.retired == [old_kid]
        assert done.new_key is None
        assert raw_key_ids(app_db) == {done.key_id} != {old_kid}
        monkeypatch.setenv("ENCRYPTION_KEY", staged.new_key)  # the old key may go now
        get_settings.cache_clear()
        for probe in probes:
            check(probe)
    finally:
        get_settings.cache_clear()


def test_cli_rotate_key(key_file: Path, app_db: sa.Engine, capsys):
    probes = seed(threads=3, messages=1)
    old_secret = key_file.read_text().strip()
    assert cli.main(["rotate-key", "--json", "--grace", "0", "--batch-size", "2"]) == 0
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert report["mode"] == "file"
    assert report["new_key"] is None
    new_secret = key_file.read_text().strip()
    assert new_secret != old_secret
    assert report["key_id"] in raw_key_ids(app_db)
    assert old_secret not in json.dumps(report)
    assert new_secret not in json.dumps(report)
    for probe in probes:
        check(probe)

    assert cli.main(["rotate-key", "--grace", "0"]) == 0
    out = capsys.readouterr()
    assert "Re-encrypted" in out.out
    assert key_file.read_text().strip() not in out.out + out.err


def test_cli_rotate_key_refuses_bad_options_before_touching_anything(
    key_file: Path, app_db: sa.Engine, capsys
):
    seed(threads=1, messages=1)
    before = key_file.read_text()
    assert cli.main(["rotate-key", "--batch-size", "0", "--grace", "0"]) == 1
    assert capsys.readouterr().err.strip() == "error: The batch size must be at least 1."
    assert cli.main(["rotate-key", "--grace", "-1"]) == 1
    assert "grace period" in capsys.readouterr().err
    assert key_file.read_text() == before
