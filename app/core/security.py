"""Password hashing and JWTs: the only module that knows how either is done.

Hashing uses passlib with argon2id (passlib's bcrypt backend breaks with bcrypt >= 4.1) at
OWASP's recommended minimum cost: 19 MiB of memory, 2 passes, 1 lane. passlib's default
(64 MiB, 3 passes, 4 lanes) took ~180 ms of CPU per check, so a burst of sign-ins queued for
seconds on a small server; this costs ~20 ms. Hashes made with other parameters, and
pbkdf2_sha256 ones, still verify and are rehashed on the next sign-in (``verify_and_update``).
Tokens are HS256 JWTs with an expiry and a ``jti`` that the AuthToken table can revoke.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt
from jwt.algorithms import HMACAlgorithm
from passlib.context import CryptContext

from app.core.config import get_settings

ALGORITHM = "HS256"
MIN_PASSWORD_LENGTH = 8

ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1

pwd_context = CryptContext(
    schemes=["argon2", "pbkdf2_sha256"],
    deprecated="auto",
    argon2__memory_cost=ARGON2_MEMORY_KIB,
    argon2__rounds=ARGON2_TIME_COST,
    argon2__parallelism=ARGON2_PARALLELISM,
)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Made on first need, not at import: hashing is deliberately slow and the CLI should start fast."""
    return pwd_context.hash("ticked-dummy-password")


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return pwd_context.hash(password)


def verify_password(password: str, hashed: str | None) -> tuple[bool, str | None]:
    """Check ``password``; return (ok, new_hash) where new_hash is set when a rehash is due.

    With no stored hash a dummy verify still runs, so an unknown email takes as long as a
    wrong password and does not reveal which emails exist.
    """
    if not hashed:
        pwd_context.verify(password, _dummy_hash())
        return False, None
    try:
        return pwd_context.verify_and_update(password, hashed)
    except (ValueError, TypeError):
        return False, None


@lru_cache(maxsize=8)
def _prepared_hmac_key(key: str | bytes) -> bytes:
    return HMACAlgorithm(HMACAlgorithm.SHA256).prepare_key(key)


class _HS256(HMACAlgorithm):
    """HS256 with each secret checked and prepared once, not once per token.

    PyJWT makes sure an HMAC secret is not an asymmetric key by trying to parse it as a DER public
    key and as an X.509 certificate on every encode and decode: a fifth of the CPU of a small API
    request (issue 19). The check is a function of the secret alone, so its answer is kept (per
    secret: a changed ``JWT_SECRET`` is checked again); a bad secret still raises every time.
    """

    def __init__(self) -> None:
        super().__init__(HMACAlgorithm.SHA256)

    def prepare_key(self, key: str | bytes) -> bytes:
        return _prepared_hmac_key(key)


_jwt = jwt.PyJWT()
_jwt._jws.unregister_algorithm(ALGORITHM)  # this instance only: the global ``jwt`` is untouched
_jwt._jws.register_algorithm(ALGORITHM, _HS256())


class TokenError(Exception):
    """A token is malformed, tampered with, expired or revoked."""


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says."""

    user_id: uuid.UUID
    jti: uuid.UUID
    issued_at: datetime
    expires_at: datetime


def create_token(user_id: uuid.UUID, *, expires_minutes: int | None = None) -> tuple[str, TokenClaims]:
    """Sign a new token for ``user_id``; the caller records its ``jti``."""
    settings = get_settings()
    now = datetime.now(UTC).replace(microsecond=0)
    minutes = expires_minutes if expires_minutes is not None else settings.jwt_expires_minutes
    claims = TokenClaims(
        user_id=user_id, jti=uuid.uuid4(), issued_at=now, expires_at=now + timedelta(minutes=minutes)
    )
    payload = {
        "sub": str(user_id),
        "jti": str(claims.jti),
        "iat": int(claims.issued_at.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
    }
    return _jwt.encode(payload, settings.effective_jwt_secret, algorithm=ALGORITHM), claims


EXPIRED = "Your session has expired. Please sign in again."


def decode_token(token: str) -> TokenClaims:
    """Verify signature and expiry, or raise :class:`TokenError` (the caller checks revocation).

    A token whose signature has been verified is remembered (per secret, the last few thousand
    tokens): a browser or a script sends the same token with every request, and verifying it again
    cost ~40 us of CPU each time (issue 19). Its expiry is still checked on every use.
    """
    if not token or not isinstance(token, str):
        raise TokenError("Missing token.")
    claims = _verified(token, get_settings().effective_jwt_secret)
    if datetime.now(UTC) >= claims.expires_at:  # as PyJWT's own check: expired at ``exp``
        raise TokenError(EXPIRED)
    return claims


@lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> TokenClaims:
    """The claims of a token signed with ``secret`` (and not expired when first seen), or TokenError
    (not remembered: a refused token is checked again each time)."""
    try:
        payload = _jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "jti", "exp", "iat"]}
        )
        return TokenClaims(
            user_id=uuid.UUID(payload["sub"]),
            jti=uuid.UUID(payload["jti"]),
            issued_at=datetime.fromtimestamp(payload["iat"], UTC),
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError(EXPIRED) from exc
    except (jwt.InvalidTokenError, ValueError, TypeError, KeyError) as exc:
        raise TokenError("Invalid token.") from exc


def token_fingerprint(token: str) -> str:
    """SHA-256 of a token: what we store instead of the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_challenge(subject: uuid.UUID, *, purpose: str, minutes: int) -> str:
    """A short-lived signed statement "``subject`` has passed step one of ``purpose``".

    Not a session token: it has no ``jti``, so :func:`decode_token` refuses it, and a session
    token has no ``purpose``, so :func:`decode_challenge` refuses that.
    """
    now = datetime.now(UTC).replace(microsecond=0)
    payload = {
        "sub": str(subject),
        "purpose": purpose,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=minutes)).timestamp()),
    }
    return _jwt.encode(payload, get_settings().effective_jwt_secret, algorithm=ALGORITHM)


def decode_challenge(token: str, *, purpose: str) -> uuid.UUID:
    """The subject of a valid, unexpired challenge for ``purpose``, or :class:`TokenError`."""
    if not token or not isinstance(token, str):
        raise TokenError("Missing challenge.")
    try:
        payload = _jwt.decode(
            token,
            get_settings().effective_jwt_secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "purpose", "exp", "iat"]},
        )
        if payload["purpose"] != purpose:
            raise TokenError("Invalid challenge.")
        return uuid.UUID(payload["sub"])
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("That took too long. Please sign in again.") from exc
    except (jwt.InvalidTokenError, ValueError, TypeError, KeyError) as exc:
        raise TokenError("Invalid challenge.") from exc
