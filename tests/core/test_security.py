"""Hashing and JWTs."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta

import jwt
import pytest

from app.core import security
from app.core.config import get_settings


def test_hash_password_round_trip_and_rejects_wrong():
    hashed = security.hash_password("correct horse")
    assert hashed.startswith("$argon2")
    assert security.verify_password("correct horse", hashed)[0] is True
    assert security.verify_password("wrong horse", hashed)[0] is False


def test_verify_password_without_hash_is_false():
    assert security.verify_password("anything", None) == (False, None)


def test_verify_password_rehashes_legacy_pbkdf2():
    legacy = security.pwd_context.handler("pbkdf2_sha256").hash("old-password")
    ok, new_hash = security.verify_password("old-password", legacy)
    assert ok is True
    assert new_hash is not None
    assert new_hash.startswith("$argon2")


def test_hash_password_uses_owasp_argon2id_parameters():
    hashed = security.hash_password("correct horse")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert security.verify_password("correct horse", hashed) == (True, None)


def test_verify_password_rehashes_argon2_made_with_other_parameters():
    """Hashes from passlib's old default (64 MiB, t=3, p=4) still verify and are upgraded."""
    old = security.pwd_context.handler("argon2").using(memory_cost=65536, rounds=3, parallelism=4)
    legacy = old.hash("old-password")
    ok, new_hash = security.verify_password("old-password", legacy)
    assert ok is True
    assert new_hash is not None
    assert new_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert security.verify_password("old-password", new_hash) == (True, None)
    assert security.verify_password("wrong-password", legacy) == (False, None)


def test_create_token_decodes_to_same_claims():
    uid = uuid.uuid4()
    token, claims = security.create_token(uid)
    decoded = security.decode_token(token)
    assert decoded.user_id == uid
    assert decoded.jti == claims.jti
    assert decoded.expires_at > decoded.issued_at


def test_decode_token_rejects_expired():
    token, _ = security.create_token(uuid.uuid4(), expires_minutes=-1)  # expired a minute ago
    with pytest.raises(security.TokenError, match="expired"):
        security.decode_token(token)


def test_a_token_is_verified_once_then_remembered():
    token, claims = security.create_token(uuid.uuid4())
    security.decode_token(token)
    hits = security._verified.cache_info().hits
    assert security.decode_token(token) == claims
    assert security._verified.cache_info().hits == hits + 1


def test_a_remembered_token_still_expires(monkeypatch: pytest.MonkeyPatch):
    token, _ = security.create_token(uuid.uuid4(), expires_minutes=1)
    assert security.decode_token(token).jti  # verified, and remembered

    class TwoMinutesLater(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return datetime.now(tz) + timedelta(minutes=2)

    monkeypatch.setattr(security, "datetime", TwoMinutesLater)
    with pytest.raises(security.TokenError, match="expired"):
        security.decode_token(token)


def test_a_remembered_token_is_refused_once_the_secret_changes(monkeypatch: pytest.MonkeyPatch):
    token, _ = security.create_token(uuid.uuid4())
    assert security.decode_token(token).jti
    monkeypatch.setenv("JWT_SECRET", "a-rotated-secret-of-enough-length-0123456789")
    get_settings.cache_clear()
    try:
        with pytest.raises(security.TokenError, match="Invalid"):
            security.decode_token(token)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert security.decode_token(token).jti  # the old secret back: valid again


def test_decode_token_rejects_tampered_payload():
    token, _ = security.create_token(uuid.uuid4())
    header, _payload, signature = token.split(".")
    other, _ = security.create_token(uuid.uuid4())
    forged = ".".join([header, other.split(".")[1], signature])
    with pytest.raises(security.TokenError, match="Invalid"):
        security.decode_token(forged)


def test_decode_token_rejects_other_secret_and_alg_none():
    uid = str(uuid.uuid4())
    claims = {"sub": uid, "jti": str(uuid.uuid4()), "iat": int(time.time()), "exp": int(time.time()) + 60}
    with pytest.raises(security.TokenError):
        security.decode_token(jwt.encode(claims, "another-secret-of-enough-length-1234", algorithm="HS256"))
    unsigned = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(security.TokenError):
        security.decode_token(unsigned)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x", "😀" * 10])
def test_decode_token_rejects_malformed(garbage):
    with pytest.raises(security.TokenError):
        security.decode_token(garbage)


def test_jwt_secret_generated_once_into_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JWT_SECRET", "")
    get_settings.cache_clear()
    try:
        first = get_settings().effective_jwt_secret
        get_settings.cache_clear()
        assert get_settings().effective_jwt_secret == first
        assert (tmp_path / "jwt_secret").read_text().strip() == first
        assert len(first) >= 32
        assert (tmp_path / "jwt_secret").stat().st_mode & 0o077 == 0
    finally:
        get_settings.cache_clear()


def test_tokens_follow_a_changed_secret_and_an_asymmetric_key_is_still_refused(monkeypatch):
    """The HMAC key is prepared once per secret (issue 19), not once per process: a token signed
    before the secret changed is refused after, and a secret that is a public key is refused
    every time it is used, as PyJWT refuses it."""
    token, _ = security.create_token(uuid.uuid4())
    monkeypatch.setenv("JWT_SECRET", "a-rotated-secret-of-enough-length-0123456789")
    get_settings.cache_clear()
    try:
        with pytest.raises(security.TokenError, match="Invalid"):
            security.decode_token(token)
        fresh, claims = security.create_token(uuid.uuid4())
        assert security.decode_token(fresh).jti == claims.jti
        pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
        monkeypatch.setenv("JWT_SECRET", pem)
        get_settings.cache_clear()
        for _ in range(2):
            with pytest.raises(jwt.InvalidKeyError):
                security.create_token(uuid.uuid4())
    finally:
        get_settings.cache_clear()
