"""Two-factor sign-in (issue 18): TOTP codes from an authenticator app, and recovery codes.

Enrolment is two steps: :func:`begin_enrolment` stores a new secret (encrypted at rest, in
``users.totp_secret``) and returns it with its ``otpauth://`` URI and a QR code;
:func:`confirm_enrolment` turns two-factor on once a code from the app checks out, and returns ten
recovery codes, shown once. From then on, sign-in asks for a code after the password
(``app.services.auth.sign_in``); :func:`verify` checks it.

Codes: a TOTP code (RFC 6238, 30 s steps) is accepted one step early or late (clocks drift), and
never twice: the last step accepted per account is remembered (see :func:`_remember_step`), and a
code of that step or an earlier one is refused, so a code seen over someone's shoulder cannot be
replayed. A recovery code works once (``used_at``).

Wrong codes are throttled: at sign-in by the sign-in throttle (the caller wraps the check in
``sign_in_throttle.attempt``, so codes and passwords share one count); on the settings page, per
account, by :data:`code_throttle` (a stolen session cannot guess its way to turning 2FA off).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from app.core.security import create_challenge, hash_password, verify_password
from app.models import RecoveryCode, User
from app.models.base import utcnow
from app.services import audit, instance
from app.services.errors import (
    AuthError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    ServiceError,
    require_text,
)
from app.services.throttle import SignInThrottle, TooManyAttempts, sign_in_throttle

ISSUER = "Ticked"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Lower-case letters and digits without the look-alikes (i, l, o, 0, 1): ~40 bits in 8 characters."""
CHALLENGE_PURPOSE = "2fa"
CHALLENGE_MINUTES = 5
STEP_SECONDS = 30
VALID_WINDOW = 1
"""Steps either side of now that still count (clock drift between phone and server)."""
WRONG_CODE = "That code is not right. Check the code in your authenticator app and try again."
WRONG_RECOVERY = "That recovery code is not right, or it was used already."

code_throttle = SignInThrottle("2fa-code")
"""Wrong codes on the settings page, per account (key ``user:<id>``), like wrong passwords there."""

_TOTP_RE = re.compile(r"^\d{6}$")
_RECOVERY_RE = re.compile(rf"^[{RECOVERY_ALPHABET}]{{8}}$")


class SecondFactorRequired(ServiceError):
    """The password was right; now a code is needed. ``challenge`` proves step one for 5 minutes."""

    code = "two_factor_required"

    def __init__(self, message: str, *, challenge: str) -> None:
        super().__init__(message)
        self.challenge = challenge


class TwoFactorSetupRequired(ForbiddenError):
    """The instance requires two-factor sign-in and this account has not set it up yet."""

    code = "two_factor_setup_required"


SETUP_REQUIRED = "Your admin requires two-factor sign-in: set it up in Settings to continue."
API_SECOND_STEP = (
    "This account uses two-factor sign-in: send the same email and password again with `otp`, "
    "a code from the authenticator app or a recovery code."
)


@dataclass(frozen=True)
class Enrolment:
    """What the person needs to add Ticked to an authenticator app."""

    secret: str
    uri: str
    qr_svg: str
    """The QR code of ``uri`` as an SVG ``data:`` URI (for an ``<img>``)."""


@dataclass(frozen=True)
class Status:
    enabled: bool
    enabled_at: datetime | None
    recovery_left: int
    required: bool
    """The instance requires two-factor sign-in for everyone."""


def _user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("Account not found.")
    return user


def _actor(user: User, ip: str | None, surface: str) -> audit.Actor:
    return audit.Actor(user_id=user.id, email=user.email, ip=ip, surface=surface)


def is_enabled(user: User) -> bool:
    return user.totp_enabled_at is not None and bool(user.totp_secret)


def setup_required(session: Session, user: User) -> bool:
    """Whether this account must set up two-factor before it may do anything else."""
    return not is_enabled(user) and instance.get(session).require_2fa


def require_setup_done(session: Session, user: User) -> None:
    """Raise :class:`TwoFactorSetupRequired` when the instance requires 2FA and ``user`` has none."""
    if setup_required(session, user):
        raise TwoFactorSetupRequired(SETUP_REQUIRED)


def status(session: Session, *, user_id: uuid.UUID) -> Status:
    user = _user(session, user_id)
    left = session.exec(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, col(RecoveryCode.used_at).is_(None))
    ).one()
    return Status(
        enabled=is_enabled(user),
        enabled_at=user.totp_enabled_at,
        recovery_left=int(left) if is_enabled(user) else 0,
        required=instance.get(session).require_2fa,
    )


def challenge_for(user: User) -> str:
    """The signed, 5-minute proof that ``user`` passed the password step (kept by the sign-in page)."""
    return create_challenge(user.id, purpose=CHALLENGE_PURPOSE, minutes=CHALLENGE_MINUTES)


# ----- enrolment ------------------------------------------------------------------------------------


def begin_enrolment(session: Session, *, user_id: uuid.UUID) -> Enrolment:
    """A new secret for this account, not in force until :func:`confirm_enrolment` (starting again
    replaces it)."""
    user = _user(session, user_id)
    if is_enabled(user):
        raise ConflictError("Two-factor sign-in is already on.")
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.totp_enabled_at = None
    session.add(user)
    session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#111", light="#fff")
    return Enrolment(secret=secret, uri=uri, qr_svg=qr)


def confirm_enrolment(
    session: Session, *, user_id: uuid.UUID, code: str, ip: str | None = None, surface: str = "web"
) -> list[str]:
    """Turn two-factor on when ``code`` comes from the app; return the ten recovery codes (shown once)."""
    user = _user(session, user_id)
    if is_enabled(user):
        raise ConflictError("Two-factor sign-in is already on.")
    if not user.totp_secret:
        raise InvalidInputError("Start again: choose Turn on to get a new QR code.")
    _settings_check(user, lambda: _totp_ok(user, code), WRONG_CODE)
    user.totp_enabled_at = utcnow()
    session.add(user)
    codes = _new_recovery_codes(session, user)
    audit.record(
        session, actor=_actor(user, ip, surface), action="2fa.enable", target_type="user", target_id=user.id
    )
    return codes


def disable(
    session: Session,
    *,
    user_id: uuid.UUID,
    password: str | None = None,
    code: str | None = None,
    ip: str | None = None,
    surface: str = "web",
) -> None:
    """Turn two-factor off, confirmed by the account's password or a current code (app or recovery)."""
    user = _user(session, user_id)
    if not is_enabled(user):
        raise ConflictError("Two-factor sign-in is already off.")
    if password:
        wrong = "That password is not right. Two-factor sign-in is still on."
        _settings_check(user, lambda: verify_password(password, user.hashed_password)[0], wrong)
        how = "password"
    elif code and code.strip():
        _settings_check(user, lambda: _totp_ok(user, code) or _recovery_ok(session, user, code), WRONG_CODE)
        how = "code"
    else:
        raise InvalidInputError("Enter your password to turn two-factor sign-in off.")
    _turn_off(session, user)
    audit.record(
        session,
        actor=_actor(user, ip, surface),
        action="2fa.disable",
        target_type="user",
        target_id=user.id,
        details={"confirmed_by": how},
    )


def _turn_off(session: Session, user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    session.add(user)
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    session.flush()


def regenerate_recovery_codes(
    session: Session, *, user_id: uuid.UUID, code: str, ip: str | None = None, surface: str = "web"
) -> list[str]:
    """Ten new recovery codes for a current app code; the old ones stop working."""
    user = _user(session, user_id)
    if not is_enabled(user):
        raise ConflictError("Turn on two-factor sign-in first.")
    _settings_check(user, lambda: _totp_ok(user, code), WRONG_CODE)
    codes = _new_recovery_codes(session, user)
    audit.record(
        session,
        actor=_actor(user, ip, surface),
        action="2fa.recovery_regenerate",
        target_type="user",
        target_id=user.id,
        details={"count": len(codes)},
    )
    return codes


def _settings_check(user: User, check: Callable[[], bool], message: str) -> None:
    """Run ``check`` under the per-account throttle of the settings page; refuse with ``message``."""
    key = f"user:{user.id}"
    try:
        code_throttle.check(email=key, client=key)
    except TooManyAttempts as exc:
        raise TooManyAttempts(exc.message.replace("failed sign-ins", "wrong codes")) from exc
    if not check():
        code_throttle.failed(email=key, client=key)
        raise InvalidInputError(message)
    code_throttle.succeeded(email=key, client=key)


# ----- recovery codes -------------------------------------------------------------------------------


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace the account's recovery codes with ten new ones, stored hashed.

    Hashed with the password hash (argon2), not a fast hash: a code holds only ~40 bits, which a
    fast unkeyed hash of a leaked database would give up in minutes, and a keyed hash would tie the
    codes to a server secret that an operator may rotate. Argon2's ~20 ms per check is paid only
    when someone signs in with a recovery code (at most ten checks), never on ordinary sign-ins.
    """
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(8))
        codes.append(f"{raw[:4]}-{raw[4:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=hash_password(raw)))
    session.flush()
    return codes


def _normal_recovery(code: str) -> str | None:
    raw = re.sub(r"[\s-]", "", code or "").lower()
    return raw if _RECOVERY_RE.match(raw) else None


def _recovery_ok(session: Session, user: User, code: str) -> bool:
    """Use up the recovery code ``code`` if it is one of the account's unused ones."""
    raw = _normal_recovery(code)
    if raw is None:
        return False
    rows = session.exec(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, col(RecoveryCode.used_at).is_(None))
    ).all()
    for row in rows:
        ok, _ = verify_password(raw, row.code_hash)
        if ok:
            row.used_at = utcnow()
            session.add(row)
            session.flush()
            return True
    return False


# ----- TOTP codes -----------------------------------------------------------------------------------

REPLAY_SECONDS = (2 * VALID_WINDOW + 2) * STEP_SECONDS
"""How long an accepted step is remembered: longer than any code stays acceptable."""


def _replay_key(user: User) -> str:
    """Per account and secret: a new enrolment starts with no history (its secret is new)."""
    return "totp-used:" + hashlib.sha256(f"{user.id}\0{user.totp_secret}".encode()).hexdigest()[:32]


def _last_step(user: User, now: float) -> int:
    events = sign_in_throttle.store.recent([(_replay_key(user), REPLAY_SECONDS)], now)[0]
    return max((int(label) for _, label in events if label.isdigit()), default=-1)


def _remember_step(user: User, step: int, now: float) -> None:
    """Note the step just accepted, where the sign-in throttle keeps its counts (this process's
    memory, or Redis when ``REDIS_URL`` is set, so every instance sees it); the schema has no
    column for it, and it only matters for the minute and a half a code stays acceptable."""
    sign_in_throttle.store.add([(_replay_key(user), REPLAY_SECONDS)], now, label=str(step))


def _totp_ok(user: User, code: str) -> bool:
    """Whether ``code`` is the app's code for now (one step either side), not used before."""
    digits = re.sub(r"\s", "", code or "")
    if not user.totp_secret or not _TOTP_RE.match(digits):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = time.time()
    here = totp.timecode(now)
    last = _last_step(user, now)
    for step in range(here - VALID_WINDOW, here + VALID_WINDOW + 1):
        if step > last and hmac.compare_digest(totp.generate_otp(step), digits):
            _remember_step(user, step, now)
            return True
    return False


def verify(session: Session, *, user: User, code: str, ip: str | None = None, surface: str = "web") -> str:
    """Check a sign-in's second factor: an app code, or a recovery code (used up). Returns which
    ("totp" or "recovery"); raises :class:`AuthError` for anything else (the caller's throttle
    counts it)."""
    require_text(code, "The code")
    if not is_enabled(user):
        raise AuthError("Two-factor sign-in is not on for this account.")
    text = (code or "").strip()
    if _TOTP_RE.match(re.sub(r"\s", "", text)):
        if _totp_ok(user, text):
            return "totp"
        raise AuthError(WRONG_CODE)
    if _recovery_ok(session, user, text):
        left = session.exec(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, col(RecoveryCode.used_at).is_(None))
        ).one()
        audit.record(
            session,
            actor=_actor(user, ip, surface),
            action="2fa.recovery_used",
            target_type="user",
            target_id=user.id,
            details={"left": int(left)},
        )
        return "recovery"
    raise AuthError(WRONG_RECOVERY if _normal_recovery(text) else WRONG_CODE)
