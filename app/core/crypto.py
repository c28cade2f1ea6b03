"""Encryption at rest: AES-256-GCM for chat content, under keys nobody stores in the database.

What is encrypted (see the columns typed ``EncryptedText`` / ``EncryptedJSON`` in ``app/models``):
message content, tool calls and metadata, thread titles and metadata (the agent's memory),
widget payloads, action payloads and results, and task operations' input text, command and
result. Tasks themselves stay plaintext: task search, sorting and filters run in SQL.

Format of a stored value: ``enc1:<key id>:<base64url(nonce | ciphertext | tag)>``.

- AES-256-GCM (``cryptography``'s AESGCM) is authenticated: a flipped bit or a value moved
  from another column fails to decrypt instead of reading as garbage.
- The nonce is 96 random bits per value. With random nonces one key can safely seal about
  2^32 values; rotate (``python -m app.cli rotate-key``) long before that.
- The associated data is the column's name (``"messages.content"``), so a ciphertext copied
  into another column does not decrypt there. Binding the row id as well would need the id
  inside the column type; SQLAlchemy's type hooks only see the value, so we stop at columns.
- The key id (8 hex characters derived from the key, revealing nothing about it) says which
  key sealed a value, so several keys can be live at once while a rotation re-encrypts.
- ``enc1`` versions the format: a future scheme gets a new prefix and both stay readable.
- Lengths are not hidden (GCM ciphertext is as long as the plaintext, plus 28 bytes).

Keys come from ``ENCRYPTION_KEY`` (comma-separated; the first encrypts, all decrypt) or, when
unset, from ``data/encryption_key``, generated once with mode 0600. The AES key, the search-
index key and the key id are derived from each configured secret with HKDF-SHA256, so one
secret per generation is all an operator keeps. A running process re-reads the key file when
it meets a key id it does not know (another process rotated) and, at most once a second, when
the file changed (so it starts encrypting under a new primary key soon after a rotation began).
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.config import get_settings

FORMAT = "enc1"
PREFIX = FORMAT + ":"
NONCE_BYTES = 12
KEY_ID_CHARS = 8
KEY_MIN_CHARS = 32
RELOAD_SECONDS = 1.0
"""How stale a process's view of the key file may be (see :meth:`Keyring.refresh`)."""

_INFO_AES = b"ticked/at-rest/v1/aes-256-gcm"
_INFO_SEARCH = b"ticked/at-rest/v1/search-index"
_INFO_KEY_ID = b"ticked/at-rest/v1/key-id"


class EncryptionKeyError(ValueError):
    """The configured key(s) cannot be used (missing, too short)."""


class DecryptionError(RuntimeError):
    """A stored value could not be decrypted: its key is not configured, or it was altered."""


def _hkdf(secret: bytes, info: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(secret)


@dataclass(frozen=True, repr=False)
class DataKey:
    """One configured secret, expanded into what the app needs (never printed)."""

    kid: str
    aead: AESGCM = field(compare=False)
    search_key: bytes = field(compare=False)

    def __repr__(self) -> str:
        return f"DataKey(kid={self.kid!r})"


def derive_key(secret: str) -> DataKey:
    """Expand one configured secret; refuses anything short enough to be a placeholder or a password."""
    secret = secret.strip()
    if len(secret) < KEY_MIN_CHARS:
        raise EncryptionKeyError(
            f"An encryption key must be at least {KEY_MIN_CHARS} characters of random text "
            '(make one with: python -c "import secrets; print(secrets.token_urlsafe(48))").'
        )
    material = secret.encode()
    return DataKey(
        kid=_hkdf(material, _INFO_KEY_ID, KEY_ID_CHARS // 2).hex(),
        aead=AESGCM(_hkdf(material, _INFO_AES)),
        search_key=_hkdf(material, _INFO_SEARCH),
    )


def new_secret() -> str:
    """A fresh key as configured in ``ENCRYPTION_KEY`` or the key file (384 random bits)."""
    return secrets.token_urlsafe(48)


def is_encrypted(value: str) -> bool:
    """Whether a stored value is in our format (anything else is legacy plaintext)."""
    return value.startswith(PREFIX)


def key_id_of(value: str) -> str | None:
    """The key id of a stored value, or None for legacy plaintext."""
    if not is_encrypted(value):
        return None
    return value[len(PREFIX) : len(PREFIX) + KEY_ID_CHARS]


def seal(key: DataKey, plaintext: str, context: str) -> str:
    """Encrypt ``plaintext`` for the column named ``context`` under ``key``."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode())
    body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
    return f"{PREFIX}{key.kid}:{body}"


def _open(key: DataKey, body: str, context: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return key.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode("utf-8")
    except (InvalidTag, ValueError, binascii.Error) as exc:
        raise DecryptionError(
            f"A value in {context} failed authentication under key {key.kid} (altered or misplaced)."
        ) from exc


@dataclass(frozen=True)
class _Generation:
    """An immutable view of the configured keys; replaced whole on reload (no locks on reads)."""

    keys: tuple[DataKey, ...]
    by_kid: dict[str, DataKey]
    stamp: object


class Keyring:
    """The live keys: the first encrypts, all decrypt; follows the key file when it changes.

    ``load`` returns the configured secrets (first = primary). ``watch`` is the key file, or None
    when the keys come from the environment, which cannot change under a running process.
    """

    def __init__(self, load: Callable[[], Sequence[str]], watch: Path | None = None) -> None:
        self._load = load
        self._watch = watch
        self._lock = threading.Lock()
        self._checked = time.monotonic()
        self._gen = self._read()

    def _stamp(self) -> object:
        if self._watch is None:
            return None
        try:
            st = self._watch.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _read(self) -> _Generation:
        stamp = self._stamp()
        secrets_ = [s for s in self._load() if s.strip()]
        if not secrets_:
            where = self._watch or "ENCRYPTION_KEY"
            raise EncryptionKeyError(f"No encryption key is configured ({where} is empty).")
        keys: list[DataKey] = []
        for secret in secrets_:
            key = derive_key(secret)
            if all(k.kid != key.kid for k in keys):
                keys.append(key)
        return _Generation(tuple(keys), {k.kid: k for k in keys}, stamp)

    def refresh(self, *, force: bool = False) -> bool:
        """Re-read the key file if it changed (checked at most every RELOAD_SECONDS unless forced).

        Returns whether the keys changed. A file caught half-written or emptied keeps the keys
        we had: a reader must never lose its keys because of a rotation in progress.
        """
        if self._watch is None:
            return False
        now = time.monotonic()
        if not force and now - self._checked < RELOAD_SECONDS:
            return False
        with self._lock:
            self._checked = now
            if self._stamp() == self._gen.stamp:
                return False
            try:
                gen = self._read()
            except (EncryptionKeyError, OSError):
                return False
            changed = gen.keys != self._gen.keys
            self._gen = gen
            return changed

    @property
    def primary(self) -> DataKey:
        """The key new values are sealed with."""
        self.refresh()
        return self._gen.keys[0]

    @property
    def keys(self) -> tuple[DataKey, ...]:
        """Every configured key, primary first (search hashes the query under each)."""
        self.refresh()
        return self._gen.keys

    def key(self, kid: str) -> DataKey | None:
        """The key with this id, re-reading the key file once if it is unknown."""
        key = self._gen.by_kid.get(kid)
        if key is None and self.refresh(force=True):
            key = self._gen.by_kid.get(kid)
        return key

    def encrypt(self, plaintext: str, context: str) -> str:
        return seal(self.primary, plaintext, context)

    def decrypt(self, value: str, context: str) -> str:
        """The plaintext of a stored value; legacy plaintext (no prefix) is returned as it is."""
        if not is_encrypted(value):
            return value
        kid = value[len(PREFIX) : len(PREFIX) + KEY_ID_CHARS]
        if value[len(PREFIX) + KEY_ID_CHARS : len(PREFIX) + KEY_ID_CHARS + 1] != ":":
            raise DecryptionError(f"A value in {context} is not in the {FORMAT} format.")
        key = self.key(kid)
        if key is None:
            raise DecryptionError(
                f"A value in {context} was encrypted with key {kid}, which is not configured "
                "(check ENCRYPTION_KEY or data/encryption_key)."
            )
        return _open(key, value[len(PREFIX) + KEY_ID_CHARS + 1 :], context)


_cache: tuple[tuple[str, str], Keyring] | None = None
_cache_lock = threading.Lock()


def get_keyring() -> Keyring:
    """The process-wide keyring for the current settings (rebuilt when tests switch settings)."""
    global _cache
    settings = get_settings()
    source = (settings.encryption_key, str(settings.data_dir))
    cached = _cache
    if cached is not None and cached[0] == source:
        return cached[1]
    with _cache_lock:
        if _cache is None or _cache[0] != source:
            watch = None if settings.encryption_key else settings.encryption_key_path
            _cache = (source, Keyring(lambda: settings.effective_encryption_keys, watch))
        return _cache[1]


def reset_keyring() -> None:
    """Forget the cached keyring (tests, and the CLI after it rewrote the key file)."""
    global _cache
    _cache = None


def write_key_file(path: Path, secrets_: Sequence[str]) -> None:
    """Replace the key file atomically (mode 0600): readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(",".join(secrets_) + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
