"""Single sign-on's configuration and the "SSO only" rule for password sign-in (issue 18).

Kept apart from :mod:`app.services.oidc` (the sign-in flow itself), which builds on
:mod:`app.services.auth`: the password sign-in needs to ask :func:`password_sign_in_off` without
importing the flow that imports it.

SSO only (``OIDC_SSO_ONLY``, or the admin console's ``sso_only``, which wins once changed) turns
password sign-in off, but only while single sign-on is configured: with no provider nobody could
sign in at all. Admins keep their password as a way back in (the provider down or misconfigured
must not lock the team out of its own server); every other password sign-in, right or wrong, gets
the same :class:`PasswordSignInOff` answer, so that answer says nothing about the password.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from app.core.config import Settings, get_settings
from app.services import instance
from app.services.errors import AuthError, ForbiddenError

CALLBACK_PATH = "/api/auth/oidc/callback"
"""Where the provider sends the browser back; register ``{PUBLIC_URL}/api/auth/oidc/callback``."""
LOGIN_PATH = "/api/auth/oidc/login"
"""Where the sign-in page's "Sign in with ..." button goes (it redirects to the provider)."""
PASSWORD_OFF = "Password sign-in is turned off on this server: use single sign-on."


class PasswordSignInOff(ForbiddenError, AuthError):
    """A password sign-in while SSO only is on (403; counted by the sign-in throttle like a failure)."""


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class OidcConfig:
    """The provider and client as configured by ``OIDC_*`` (see the README's "Single sign-on")."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    provider_name: str
    groups_claim: str
    admin_group: str
    allowed_groups: tuple[str, ...]
    redirect_uri: str

    @property
    def button_label(self) -> str:
        return f"Sign in with {self.provider_name or 'SSO'}"

    def __repr__(self) -> str:  # the client secret never reaches a log line
        return f"OidcConfig(issuer={self.issuer!r}, client_id={self.client_id!r})"


def oidc_config(settings: Settings | None = None) -> OidcConfig | None:
    """The configured provider, or None when ``OIDC_ISSUER`` or ``OIDC_CLIENT_ID`` is unset."""
    settings = settings or get_settings()
    issuer, client_id = settings.oidc_issuer.strip(), settings.oidc_client_id.strip()
    if not issuer or not client_id:
        return None
    scopes = " ".join(settings.oidc_scopes.replace(",", " ").split())
    if "openid" not in scopes.split():
        scopes = f"openid {scopes}".strip()
    return OidcConfig(
        issuer=issuer,
        client_id=client_id,
        client_secret=settings.oidc_client_secret,
        scopes=scopes,
        provider_name=settings.oidc_provider_name.strip(),
        groups_claim=settings.oidc_groups_claim.strip() or "groups",
        admin_group=settings.oidc_admin_group.strip(),
        allowed_groups=_split(settings.oidc_allowed_groups),
        redirect_uri=settings.link_base_url + CALLBACK_PATH,
    )


def sso_only(session: Session) -> bool:
    """Whether password sign-in is off now: SSO only is on and a provider is configured."""
    return oidc_config() is not None and instance.get(session).sso_only


def password_sign_in_off(session: Session, *, is_admin: bool) -> bool:
    """Whether a password sign-in of an account (an admin or not) must be refused now."""
    return not is_admin and sso_only(session)
