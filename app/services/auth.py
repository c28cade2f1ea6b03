"""Accounts and sessions: sign-up, sign-in, tokens and their revocation.

The first account of an instance becomes its admin (issue 18). Every sign-in, successful or not,
is an audit event (:mod:`app.services.audit`): a success in the sign-in's transaction, a failure in
a transaction of its own (the failed sign-in's transaction rolls back). A session records the
device and address it signed in from and when it was last used (at most one write a minute).
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from app.core.db import session_scope
from app.core.security import (
    TokenError,
    create_token,
    decode_challenge,
    decode_token,
    hash_password,
    token_fingerprint,
    verify_password,
)
from app.models import AuthToken, User, UserCreate
from app.models.base import utcnow
from app.services import audit, clock, invites, presence, projects, signup, sso_policy, two_factor
from app.services.errors import AuthError, ConflictError, invalid, require_text

WRONG_CREDENTIALS = "Incorrect email or password."


def register(
    session: Session,
    *,
    email: str,
    password: str,
    name: str | None = None,
    time_zone: str | None = None,
    invite: str | None = None,
    ip: str | None = None,
    surface: str = "web",
    by_admin: bool = False,
) -> User:
    """Create an account; a taken email or weak password gets a clear message.

    ``time_zone`` (an IANA name, UTC when not given) decides what "today" is for this person.
    The instance's sign-up policy decides who may (:mod:`app.services.signup`): ``invite`` is the
    token of an invitation link, used up here. ``by_admin`` (the CLI's ``user create``; single
    sign-on, which applies the policy as it stands for SSO itself) skips the policy. A refusal is
    an audit event in a transaction of its own; a success one in this one.
    """
    zone_name = clock.check_zone(time_zone)
    try:
        data = UserCreate(email=email, password=password, name=name)
    except ValidationError as exc:
        raise invalid(exc) from exc
    admission = None
    if not by_admin:
        try:  # before the email check: a refused stranger learns nothing of who has an account
            admission = signup.admit(session, email=data.email, invite_token=invite)
        except signup.SignUpRefused as exc:
            record_refused_sign_up(email=data.email, ip=ip, surface=surface, reason=exc.reason)
            raise
    if get_user_by_email(session, email=data.email):
        raise ConflictError("An account with this email already exists.")
    first = session.exec(select(User.id).limit(1)).first() is None
    user = User(
        email=data.email,
        name=data.name,
        hashed_password=hash_password(data.password),
        time_zone=zone_name,
        is_admin=first,  # the instance's first account runs it
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent sign-up with the same email
        session.rollback()
        raise ConflictError("An account with this email already exists.") from exc
    used = admission.invite if admission is not None else None
    if (
        admission is not None
        and used is not None
        and not invites.redeem(session, invite_id=used.id, new_user_id=user.id)
    ):
        try:  # another sign-up used the link a moment ago
            admission = signup.after_redeem_failed(session, email=data.email, admission=admission)
        except signup.SignUpRefused as exc:
            session.rollback()  # not this account: the link let someone else in
            record_refused_sign_up(email=data.email, ip=ip, surface=surface, reason=exc.reason)
            raise
    projects.inbox(session, user_id=user.id)
    projects.accept_invitations(session, user=user)
    details = (
        admission.details() if admission is not None else {"via": "sso" if surface == "sso" else "admin"}
    )
    audit.record(
        session,
        actor=audit.Actor(user_id=user.id, email=user.email, ip=ip, surface=surface),
        action="auth.sign_up",
        target_type="user",
        target_id=user.id,
        details={**details, "admin": first} if first else details,
    )
    return user


def record_refused_sign_up(*, email: str, ip: str | None, surface: str, reason: str) -> None:
    """A refused sign-up as an audit event, in a transaction of its own (the attempt's rolls back)."""
    typed = (email or "").strip().lower()[:320]
    with session_scope() as own:
        actor = audit.Actor(user_id=None, email=typed or None, ip=ip, surface=surface)
        audit.record(own, actor=actor, action="auth.sign_up", outcome="refused", details={"reason": reason})


def get_user_by_email(session: Session, *, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def get_user(session: Session, *, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def authenticate(session: Session, *, email: str, password: str) -> User:
    """Return the user for these credentials or raise :class:`AuthError` (same message either way)."""
    require_text(email, "The email")
    require_text(password, "The password")
    user = get_user_by_email(session, email=email or "")
    ok, new_hash = verify_password(password or "", user.hashed_password if user else None)
    if not user or not ok or not user.is_active:
        raise AuthError(WRONG_CREDENTIALS)
    if new_hash:
        user.hashed_password = new_hash
    user.last_login_at = utcnow()
    session.add(user)
    return user


def issue_token(
    session: Session,
    *,
    user: User,
    source: str = "web",
    expires_minutes: int | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> str:
    """Sign a JWT for ``user`` and record it (with the device and address) so it can be revoked."""
    token, claims = create_token(user.id, expires_minutes=expires_minutes)
    session.add(
        AuthToken(
            id=claims.jti,
            user_id=user.id,
            fingerprint=token_fingerprint(token),
            source=source,
            created_at=claims.issued_at,
            expires_at=claims.expires_at,
            ip=(ip or None) and ip[:64],
            user_agent=(user_agent or None) and user_agent[:300],
            last_seen_at=claims.issued_at,
        )
    )
    session.flush()
    return token


def _surface(source: str) -> str:
    return "api" if source == "api" else "web"


def sign_in(
    session: Session,
    *,
    email: str,
    password: str,
    source: str = "web",
    ip: str | None = None,
    user_agent: str | None = None,
    otp: str | None = None,
) -> tuple[User, str]:
    """Authenticate and issue a token in one step; both outcomes are audit events.

    For an account with two-factor sign-in, a right password without ``otp`` raises
    :class:`~app.services.two_factor.SecondFactorRequired` (no token yet; its ``challenge`` lets the
    sign-in page ask for the code, see :func:`complete_sign_in`); with ``otp`` (an app code or a
    recovery code) the code is checked too, and a wrong one is an :class:`AuthError`.
    """
    sso_only = sso_policy.sso_only(session)
    try:
        user = authenticate(session, email=email, password=password)
        if sso_policy.password_sign_in_off(session, is_admin=user.is_admin):
            raise sso_policy.PasswordSignInOff(sso_policy.PASSWORD_OFF)
    except AuthError as exc:
        reason = "sso_only" if sso_only else "bad_credentials"
        record_failed_sign_in(email=email, ip=ip, surface=_surface(source), reason=reason)
        if sso_only:  # one answer, right password or wrong: it says nothing about the password
            raise sso_policy.PasswordSignInOff(sso_policy.PASSWORD_OFF) from exc
        raise
    method = None
    if two_factor.is_enabled(user):
        if otp is None or not str(otp).strip():
            message = two_factor.API_SECOND_STEP if source == "api" else "Enter the code from your app."
            raise two_factor.SecondFactorRequired(message, challenge=two_factor.challenge_for(user))
        method = _second_factor(session, user=user, code=otp, ip=ip, surface=_surface(source))
    return user, _signed_in(session, user, source=source, ip=ip, user_agent=user_agent, second_factor=method)


def complete_sign_in(
    session: Session,
    *,
    challenge: str,
    code: str,
    source: str = "web",
    ip: str | None = None,
    user_agent: str | None = None,
) -> tuple[User, str]:
    """The sign-in page's second step: the challenge from :func:`sign_in` and a code give a token.

    An expired or forged challenge is a :class:`ChallengeExpired` (the page goes back to step one).
    """
    try:
        user_id = decode_challenge(challenge, purpose=two_factor.CHALLENGE_PURPOSE)
    except TokenError as exc:
        raise ChallengeExpired(str(exc)) from exc
    user = session.get(User, user_id)
    if user is None or not user.is_active or not two_factor.is_enabled(user):
        raise ChallengeExpired("Please sign in again.")
    method = _second_factor(session, user=user, code=code, ip=ip, surface=_surface(source))
    return user, _signed_in(session, user, source=source, ip=ip, user_agent=user_agent, second_factor=method)


class ChallengeExpired(AuthError):
    """The five minutes between password and code ran out (or the challenge is not ours)."""

    code = "challenge_expired"


def _second_factor(session: Session, *, user: User, code: str, ip: str | None, surface: str) -> str:
    try:
        return two_factor.verify(session, user=user, code=code, ip=ip, surface=surface)
    except AuthError:
        # The attempt fails whole: let go of what it wrote (the password step's last-login time)
        # first, so SQLite's one writer is free for the refusal's own transaction.
        email = user.email
        session.rollback()
        record_failed_sign_in(email=email, ip=ip, surface=surface, reason="second_factor")
        raise


def _signed_in(
    session: Session,
    user: User,
    *,
    source: str,
    ip: str | None,
    user_agent: str | None,
    second_factor: str | None,
) -> str:
    actor = audit.Actor(user_id=user.id, email=user.email, ip=ip, surface=_surface(source))
    details = {"second_factor": second_factor} if second_factor else None
    audit.record(
        session, actor=actor, action="auth.sign_in", target_type="user", target_id=user.id, details=details
    )
    user.last_login_at = utcnow()
    session.add(user)
    return issue_token(session, user=user, source=source, ip=ip, user_agent=user_agent)


def record_failed_sign_in(*, email: str, ip: str | None, surface: str, reason: str) -> None:
    """A refused sign-in as an audit event, in a transaction of its own (the attempt's rolls back).

    The email is recorded as typed (lower-cased, cut to length) and the account it names, if any.
    """
    typed = (email or "").strip().lower()[:320]
    with session_scope() as own:
        user = get_user_by_email(own, email=typed) if typed else None
        actor = audit.Actor(user_id=user.id if user else None, email=typed or None, ip=ip, surface=surface)
        audit.record(own, actor=actor, action="auth.sign_in", outcome="failed", details={"reason": reason})


def user_for_token(session: Session, *, token: str) -> User:
    """The user a token belongs to; expired, revoked, tampered or malformed tokens are refused."""
    try:
        claims = decode_token(token)
    except TokenError as exc:
        raise AuthError(str(exc)) from exc
    # The token's record and its user in one query (a request's first and most frequent one).
    found = session.exec(_token_and_user(), params={"jti": claims.jti}).first()
    record, user = found if found is not None else (None, None)
    if record is None or record.fingerprint != token_fingerprint(token) or record.user_id != claims.user_id:
        raise AuthError("Invalid token.")
    if not record.is_valid():
        raise AuthError("Your session has ended. Please sign in again.")
    if user is None or not user.is_active:
        raise AuthError("Invalid token.")
    presence.seen(session, record, user, utcnow())
    return user


@cache
def _token_and_user() -> Select[AuthToken, User]:
    """A sign-in token's record and its user, by the token's id (built once: building the statement
    cost about as much as running it, issue 19)."""
    return (
        select(AuthToken, User)
        .outerjoin(User, col(User.id) == col(AuthToken.user_id))
        .where(col(AuthToken.id) == sa.bindparam("jti"))
    )


def revoke_token(session: Session, *, token: str, actor: audit.Actor | None = None) -> bool:
    """Revoke one token (sign-out: an ``auth.sign_out`` event). Returns whether a live token was revoked."""
    try:
        claims = decode_token(token)
    except TokenError:
        return False
    record = session.get(AuthToken, claims.jti)
    if record is None or record.revoked_at is not None:
        return False
    record.revoked_at = utcnow()
    session.add(record)
    audit.record(
        session,
        actor=audit.actor_for(session, user_id=record.user_id, actor=actor),
        action="auth.sign_out",
        target_type="session",
        target_id=record.id,
    )
    return True


def revoke_all_tokens(session: Session, *, user_id: uuid.UUID, keep_jti: uuid.UUID | None = None) -> int:
    """Revoke every live token of a user (password change, account deletion)."""
    stmt = update(AuthToken).where(col(AuthToken.user_id) == user_id, col(AuthToken.revoked_at).is_(None))
    if keep_jti is not None:
        stmt = stmt.where(col(AuthToken.id) != keep_jti)
    result: Any = session.execute(stmt.values(revoked_at=utcnow()))
    return int(result.rowcount or 0)
