"""The at-rest cipher and keyring (app/core/crypto.py) and the encrypted column types."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.core import crypto
from app.core.config import Settings, _read_or_create_key_file
from app.core.crypto import DecryptionError, EncryptionKeyError, Keyring, derive_key, seal
from app.models import Message, Thread
from app.models.base import EncryptedJSON, EncryptedText

KEY_A = "a" * 20 + "-first-test-key-0123456789"
KEY_B = "b" * 20 + "-second-test-key-987654321"
TOKEN_RE = re.compile(r"^enc1:[0-9a-f]{8}:[A-Za-z0-9_-]+$")


def ring(*secrets: str) -> Keyring:
    return Keyring(lambda: list(secrets))


def test_round_trip_and_format():
    keys = ring(KEY_A)
    for text in ("", "buy milk", "ünïcödé ✓ 日本語", "x" * 10_000):
        token = keys.encrypt(text, "messages.content")
        assert TOKEN_RE.match(token), token
        assert keys.decrypt(token, "messages.content") == text


def test_same_text_encrypts_differently_each_time():
    keys = ring(KEY_A)
    tokens = {keys.encrypt("same", "threads.title") for _ in range(50)}
    assert len(tokens) == 50


def test_key_id_is_stable_short_and_not_the_key():
    a1, a2, b = derive_key(KEY_A), derive_key(KEY_A), derive_key(KEY_B)
    assert a1.kid == a2.kid != b.kid
    assert re.fullmatch(r"[0-9a-f]{8}", a1.kid)
    assert KEY_A not in repr(a1)
    assert a1.kid in repr(a1)


def test_value_is_bound_to_its_column():
    keys = ring(KEY_A)
    token = keys.encrypt("secret", "messages.content")
    with pytest.raises(DecryptionError, match=r"threads\.title failed authentication"):
        keys.decrypt(token, "threads.title")


@pytest.mark.parametrize("position", [20, -1, -10])
def test_tampered_value_is_refused(position):
    keys = ring(KEY_A)
    token = keys.encrypt("pay rent", "messages.content")
    flipped = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
    with pytest.raises(DecryptionError):
        keys.decrypt(flipped[: len(token)], "messages.content")


def test_garbage_after_prefix_is_refused():
    keys = ring(KEY_A)
    kid = keys.primary.kid
    for bad in (f"enc1:{kid}:", f"enc1:{kid}:!!!", f"enc1:{kid}x", "enc1:"):
        with pytest.raises(DecryptionError):
            keys.decrypt(bad, "messages.content")


def test_unknown_key_names_the_key_id_only():
    token = ring(KEY_B).encrypt("hello", "messages.content")
    with pytest.raises(DecryptionError) as info:
        ring(KEY_A).decrypt(token, "messages.content")
    message = str(info.value)
    assert derive_key(KEY_B).kid in message
    assert KEY_A not in message
    assert KEY_B not in message
    assert "hello" not in message


def test_legacy_plaintext_reads_as_is():
    assert ring(KEY_A).decrypt("written before encryption", "messages.content") == "written before encryption"


def test_first_key_encrypts_all_keys_decrypt():
    old_token = ring(KEY_B).encrypt("old", "threads.title")
    both = ring(KEY_A, KEY_B)
    assert both.primary.kid == derive_key(KEY_A).kid
    assert crypto.key_id_of(both.encrypt("new", "threads.title")) == derive_key(KEY_A).kid
    assert both.decrypt(old_token, "threads.title") == "old"
    assert [k.kid for k in both.keys] == [derive_key(KEY_A).kid, derive_key(KEY_B).kid]


@pytest.mark.parametrize("secret", ["", "short", "changeme", "x" * 31])
def test_weak_keys_are_refused(secret):
    with pytest.raises(EncryptionKeyError, match="at least 32 characters"):
        derive_key(secret)


def test_no_key_configured_is_a_clear_error(tmp_path):
    with pytest.raises(EncryptionKeyError, match="No encryption key"):
        Keyring(list)


def test_keyring_reloads_the_file_on_an_unknown_key_id(tmp_path):
    """Another process rotated the key: this one reads the new values without a restart."""
    path = tmp_path / "encryption_key"
    crypto.write_key_file(path, [KEY_A])
    reader = Keyring(lambda: _read_or_create_key_file(path).split(","), path)
    writer = Keyring(lambda: _read_or_create_key_file(path).split(","), path)
    crypto.write_key_file(path, [KEY_B, KEY_A])
    writer.refresh(force=True)
    token = writer.encrypt("after rotation", "messages.content")
    assert crypto.key_id_of(token) == derive_key(KEY_B).kid
    assert reader.decrypt(token, "messages.content") == "after rotation"
    assert reader.primary.kid == derive_key(KEY_B).kid


def test_keyring_picks_up_a_new_primary_within_the_reload_interval(tmp_path, monkeypatch):
    path = tmp_path / "encryption_key"
    crypto.write_key_file(path, [KEY_A])
    keys = Keyring(lambda: path.read_text().strip().split(","), path)
    crypto.write_key_file(path, [KEY_B, KEY_A])
    assert keys.primary.kid == derive_key(KEY_A).kid  # checked less than RELOAD_SECONDS ago
    monkeypatch.setattr(crypto, "RELOAD_SECONDS", 0.0)
    assert keys.primary.kid == derive_key(KEY_B).kid


def test_keyring_keeps_its_keys_when_the_file_is_emptied_or_broken(tmp_path):
    path = tmp_path / "encryption_key"
    crypto.write_key_file(path, [KEY_A])
    keys = Keyring(lambda: [s for s in path.read_text().strip().split(",") if s], path)
    token = keys.encrypt("still readable", "messages.content")
    path.write_text("")
    assert keys.refresh(force=True) is False
    path.write_text("too-short")
    assert keys.refresh(force=True) is False
    path.unlink()
    assert keys.refresh(force=True) is False
    assert keys.decrypt(token, "messages.content") == "still readable"


def test_write_key_file_is_private_and_whole(tmp_path):
    path = tmp_path / "sub" / "encryption_key"
    crypto.write_key_file(path, [KEY_A, KEY_B])
    assert path.read_text() == f"{KEY_A},{KEY_B}\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["encryption_key"]


def test_generated_key_file_is_0600_and_created_once_under_a_race(tmp_path):
    path = tmp_path / "data" / "encryption_key"
    results: list[str] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        barrier.wait()
        results.append(_read_or_create_key_file(path))

    workers = [threading.Thread(target=create) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(set(results)) == 1
    assert len(results[0]) >= 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["encryption_key"]


def test_settings_effective_keys_and_repr(tmp_path):
    from_env = Settings(encryption_key=f" {KEY_A} , {KEY_B} ,", data_dir=tmp_path)
    assert from_env.effective_encryption_keys == [KEY_A, KEY_B]
    assert KEY_A not in repr(from_env)
    assert KEY_A not in str(from_env)
    generated = Settings(encryption_key="", data_dir=tmp_path)
    keys = generated.effective_encryption_keys
    assert len(keys) == 1
    assert len(keys[0]) >= 32
    assert generated.effective_encryption_keys == keys  # created once, then read
    assert (tmp_path / "encryption_key").stat().st_mode & 0o777 == 0o600


def test_data_dir_is_ignored_by_git():
    root = Path(__file__).resolve().parents[2]
    assert "data/" in (root / ".gitignore").read_text().split()


# --- column types ----------------------------------------------------------------------------


def test_encrypted_types_store_ciphertext_and_read_plain(tmp_path, monkeypatch):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'types.db'}")
    meta = sa.MetaData()
    table = sa.Table(
        "t",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("text", EncryptedText("t.text")),
        sa.Column("data", EncryptedJSON("t.data")),
    )
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            table.insert(),
            [{"id": 1, "text": "hello", "data": {"a": [1, "ü"]}}, {"id": 2, "text": None, "data": None}],
        )
        conn.execute(sa.text("INSERT INTO t (id, text, data) VALUES (3, 'legacy', '{\"b\": 2}')"))
        conn.execute(sa.text("INSERT INTO t (id, text, data) VALUES (4, NULL, 'null')"))
        raw = conn.execute(sa.text("SELECT text, data FROM t ORDER BY id")).all()
        rows = conn.execute(sa.select(table.c.text, table.c.data).order_by(table.c.id)).all()
    assert TOKEN_RE.match(raw[0][0])
    assert TOKEN_RE.match(raw[0][1])
    assert raw[1] == (None, None)  # None is SQL NULL, not encrypted JSON null
    assert [tuple(r) for r in rows] == [
        ("hello", {"a": [1, "ü"]}),
        (None, None),
        ("legacy", {"b": 2}),
        (None, None),
    ]
    engine.dispose()


def test_encrypted_columns_refuse_value_comparisons():
    for expr in (
        lambda: Message.content == "x",
        lambda: Message.content.like("%x%"),
        lambda: Message.content.in_(["x"]),
        lambda: Thread.title != "x",
        lambda: Thread.title.contains("x"),
    ):
        with pytest.raises(TypeError, match="encrypted at rest"):
            expr()
    # what stays allowed: NULL checks and ordering
    str(sa.select(Message.id).where(Message.tool_calls.is_(None)).order_by(Message.content.desc()))


def test_seal_uses_the_given_key():
    key = derive_key(KEY_B)
    token = seal(key, "x", "threads.title")
    assert crypto.key_id_of(token) == key.kid
    assert crypto.key_id_of("plain") is None
