"""Who may create an account (issue 18): the instance's sign-up policy, its allowed email domains
and invitation links, asked by every sign-up (:func:`app.services.auth.register`).

- ``open``: anyone whose email domain is allowed.
- ``invite``: only with a valid invitation. That is an admin's sign-up link
  (:mod:`app.services.invites`), or a pending invitation to a shared project for that exact
  email: someone on the team already chose to work with this person, who joins the project as
  they sign up (``projects.accept_invitations``). Refusing them would leave the project's
  invitation dangling with no way to accept it.
- ``closed``: nobody; an admin adds people with ``python -m app.cli user create`` (which does not
  ask this module).

The allowed domains apply to every sign-up, with an invitation too, unless an admin's invitation
names that exact email (the admin chose the person). A project invitation does not lift the
domain rule: any member can send one. The very first account of an empty instance may always
sign up, whatever the settings: it becomes the admin, who can then change them.

The policy is read fresh from the database at each sign-up (not from the few-seconds cache), so
a change made on one instance holds on every other at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.models import Invitation, SignupInvite, User
from app.services import instance, invites
from app.services.errors import ForbiddenError
from app.services.instance import InstanceSettings

INVITE_ONLY = "Sign-up is by invitation only: ask your admin for an invite link."
CLOSED = "Sign-up is closed on this server: ask your admin to add you."
BAD_INVITE = (
    "This invitation link has expired, was already used or was withdrawn: ask your admin for a new one."
)
OTHER_EMAIL = "This invitation is for a different email address: sign up with the address it was sent to."


def domains_message(domains: list[str]) -> str:
    return f"Sign-ups are limited to: {', '.join(domains)}."


class SignUpRefused(ForbiddenError):
    """The instance's settings do not let this person sign up; ``reason`` goes in the audit log."""

    code = "signup_refused"

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Admission:
    """Why a sign-up may go ahead: the first account, the open policy, an invitation link (to
    redeem once the account exists) or a pending project invitation."""

    policy: str
    via: str
    """``first``, ``open``, ``invite`` or ``project_invitation``."""
    invite: SignupInvite | None = None

    def details(self) -> dict[str, str]:
        found = {"policy": self.policy, "via": self.via}
        if self.invite is not None:
            found["invite"] = str(self.invite.id)
        return found


def is_first_account(session: Session) -> bool:
    return session.exec(select(User.id).limit(1)).first() is None


def has_project_invitation(session: Session, *, email: str) -> bool:
    stmt = select(Invitation.id).where(col(Invitation.email) == email.strip().lower()).limit(1)
    return session.exec(stmt).first() is not None


def page_policy(session: Session) -> str:
    """What the sign-up page shows: the policy, but ``open`` while the instance has no account yet."""
    if is_first_account(session):
        return "open"
    return instance.get(session, fresh=True).signup_policy


def admit(session: Session, *, email: str, invite_token: str | None = None) -> Admission:
    """May ``email`` (already validated and lower-cased) sign up now? An :class:`Admission`, or
    :class:`SignUpRefused` with the sentence to show and the reason to record."""
    settings = instance.get(session, fresh=True)
    policy = settings.signup_policy
    if is_first_account(session):
        return Admission(policy=policy, via="first")
    if policy == "closed":
        raise SignUpRefused(CLOSED, "closed")
    invite = invites.find_usable(session, token=invite_token)
    if invite is not None and invite.email and invite.email != email:
        if policy == "invite":
            raise SignUpRefused(OTHER_EMAIL, "invite_other_email")
        invite = None  # open: the link is not needed, and it is not this person's to use up
    _check_domain(settings, email, invite)
    if invite is not None:
        return Admission(policy=policy, via="invite", invite=invite)
    if policy == "invite":
        if has_project_invitation(session, email=email):
            return Admission(policy=policy, via="project_invitation")
        if invite_token:
            raise SignUpRefused(BAD_INVITE, "bad_invite")
        raise SignUpRefused(INVITE_ONLY, "no_invite")
    return Admission(policy=policy, via="open")


def _check_domain(settings: InstanceSettings, email: str, invite: SignupInvite | None) -> None:
    named = invite is not None and invite.email == email
    if not named and not instance.email_domain_allowed(settings, email):
        raise SignUpRefused(domains_message(settings.signup_allowed_domains), "domain")


def after_redeem_failed(session: Session, *, email: str, admission: Admission) -> Admission:
    """The link was used by someone else a moment ago: go on without it if the policy lets this
    person in anyway (open, and an allowed domain), else refuse as for a used link."""
    settings = instance.get(session, fresh=True)
    if admission.policy == "open" and instance.email_domain_allowed(settings, email):
        return Admission(policy=admission.policy, via="open")
    raise SignUpRefused(BAD_INVITE, "invite_used")
