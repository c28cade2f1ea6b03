"""Single sign-on with OpenID Connect (issue 18): any provider, configured by ``OIDC_*``.

The flow (authorization code with PKCE, through Authlib; ID tokens checked with joserfc):

1. :func:`start` reads the provider's discovery document (cached), makes a ``state``, a ``nonce``
   and a PKCE verifier (S256), and returns the provider's authorization URL with the pending
   sign-in sealed (AES-GCM under the at-rest key, so neither read nor forged) into a short-lived
   cookie value; the route sets it as an HttpOnly cookie named after the state, so two tabs
   signing in at once do not trip over each other.
2. :func:`complete` takes the callback's query and that cookie: the state must match the sealed
   one and is used once (:class:`OnceStore`: Redis with several instances, else this process);
   the code is exchanged at the token endpoint with the client secret and the verifier; the ID
   token's signature is checked against the provider's JWKS, then its issuer, audience (and
   ``azp`` when there are several), expiry and nonce. Each refusal is an :class:`SsoError`
   with a reason (``bad_state``, ``bad_nonce``, ``bad_issuer``, ``bad_audience``, ``expired``...).
3. The identity becomes an account (:func:`account_for`): a known (issuer, subject) is its
   account; else an account with the same email, linked **only** when the provider says the email
   is verified; else a new account, subject to the sign-up policy (below), with an unusable random
   password. ``OIDC_ALLOWED_GROUPS`` refuses anyone outside them; ``OIDC_ADMIN_GROUP`` makes members
   admins at each sign-in and, once set, ends the admin rights of those who left it (the group is
   the source of truth), never those of the last active admin. Disabled accounts are refused.
   Every outcome is an ``auth.sign_in`` audit event with surface ``sso``.
4. The browser gets a one-time hand-off code (sealed, 2 minutes, single use), which the ``/sso``
   page redeems for a Ticked session (:func:`redeem_handoff`): the session token itself never
   appears in a URL.

Sign-up through SSO: ``open`` admits new accounts (allowed email domains apply, checked against a
*verified* email only); ``invite`` admits them only when the provider's admission is itself
scoped, by ``OIDC_ALLOWED_GROUPS`` or by allowed email domains (a public provider like Google
would otherwise let anyone in); ``closed`` admits none (existing accounts still sign in and link).

Two-factor: a sign-in through the provider relies on the provider's own second factor.
"""

from __future__ import annotations

import json
import logging
import secrets
import ssl
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import httpx
import redis
from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlmodel import Session, col, select

from app.core.config import get_settings
from app.core.crypto import DecryptionError, get_keyring, is_encrypted
from app.core.db import session_scope
from app.models import User, UserIdentity
from app.models.base import utcnow
from app.services import audit, instance
from app.services import auth as auth_service
from app.services.errors import ConflictError, InvalidInputError, ServiceError
from app.services.sso_policy import OidcConfig

log = logging.getLogger(__name__)

PENDING_SECONDS = 10 * 60
"""How long a person may take at the provider before the sign-in must start again."""
HANDOFF_SECONDS = 2 * 60
"""How long the one-time code from the callback to the ``/sso`` page lives."""
DISCOVERY_SECONDS = 60 * 60
"""How long a discovery document (and its JWKS) is trusted before it is read again."""
LEEWAY_SECONDS = 60
"""Clock skew allowed between the provider and this server on ``exp`` and ``iat``."""
HTTP_TIMEOUT = 10.0
COOKIE_PREFIX = "ticked_oidc_"
SIGNATURE_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
"""Asymmetric algorithms only: an ID token signed with the client secret (HS256) or unsigned is refused."""

MESSAGES: dict[str, str] = {
    "bad_state": "That sign-in link was already used or has expired. Please sign in again.",
    "bad_nonce": "The sign-in could not be verified (the provider's answer did not match). Please try again.",
    "bad_issuer": "The sign-in came from an identity provider this server does not trust.",
    "bad_audience": "The sign-in was meant for another application. Please try again.",
    "expired": "The sign-in expired before it reached Ticked. Please try again.",
    "bad_token": "The identity provider's answer could not be verified. Please try again.",
    "unverified_email": (
        "An account with this email already exists, and your identity provider has not verified "
        "the email, so it cannot be linked. Verify your email with the provider, or sign in with your "
        "password."
    ),
    "not_in_group": "Your account at the identity provider is not allowed to use this server.",
    "disabled": "This account is disabled. Ask an administrator.",
    "signup_closed": "New accounts are not open on this server. Ask an administrator for access.",
    "domain_not_allowed": "Accounts with this email domain are not allowed on this server.",
    "no_email": "Your identity provider did not share an email address, which Ticked needs for an account.",
    "denied": "The sign-in was cancelled at the identity provider.",
    "provider_error": "The identity provider refused the sign-in. Please try again.",
    "unavailable": "The identity provider could not be reached. Please try again in a moment.",
    "not_configured": "Single sign-on is not set up on this server.",
    "bad_code": "That sign-in link was already used or has expired. Please sign in again.",
}
"""What the sign-in page says for each reason (``/login?sso_error=<reason>``)."""


class SsoError(ServiceError):
    """A refused single sign-on; ``reason`` is the audit log's and the sign-in page's key."""

    code = "sso_failed"

    def __init__(self, reason: str, email: str | None = None) -> None:
        super().__init__(MESSAGES.get(reason, MESSAGES["provider_error"]))
        self.reason = reason
        self.email = email


def message_for(reason: str) -> str:
    """The sentence for a reason code from a URL (unknown codes get a general sentence)."""
    return MESSAGES.get(reason, "Single sign-on failed. Please try again.")


# ----- single use, across instances -------------------------------------------------------------


class OnceStore:
    """Marks a key used, once: Redis ``SET NX`` when ``REDIS_URL`` is set (every instance agrees),
    else this process's memory. A Redis failure falls back to memory (logged), like the throttle."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self._redis: tuple[str, redis.Redis] | None = None

    def _client(self) -> redis.Redis | None:
        url = get_settings().redis_url
        if not url:
            return None
        if self._redis is None or self._redis[0] != url:
            self._redis = (url, redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2))
        return self._redis[1]

    def claim(self, key: str, ttl: int) -> bool:
        """True the first time ``key`` is claimed within ``ttl`` seconds, False after."""
        client = self._client()
        if client is not None:
            try:
                return bool(client.set(f"ticked:once:{key}", b"1", nx=True, ex=ttl))
            except redis.RedisError as exc:
                log.warning(
                    "Redis unavailable for single-use codes, using memory: %s", exc.__class__.__name__
                )
        now = time.monotonic()
        with self._lock:
            for old in [k for k, until in self._seen.items() if until < now]:
                del self._seen[old]
            if key in self._seen:
                return False
            self._seen[key] = now + ttl
            return True


once = OnceStore()


def _seal(payload: dict[str, Any], context: str) -> str:
    return get_keyring().encrypt(json.dumps(payload, separators=(",", ":")), context)


def _unseal(value: str | None, context: str) -> dict[str, Any] | None:
    """The payload of a sealed value, or None for anything missing, forged, altered or not ours."""
    if not value or len(value) > 4096 or not is_encrypted(value):  # plaintext would "decrypt" as itself
        return None
    try:
        data = json.loads(get_keyring().decrypt(value, context))
    except (DecryptionError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# ----- discovery and keys ---------------------------------------------------------------------


@dataclass
class Provider:
    """What discovery says about the provider, and its signing keys (fetched when first needed)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]
    auth_method: str
    fetched_at: float
    keys: KeySet | None = None


_providers: dict[str, Provider] = {}
_providers_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every discovery document and key set (tests; a provider that changed)."""
    with _providers_lock:
        _providers.clear()


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """httpx's default TLS set-up (the CA certificates, ``SSL_CERT_FILE`` honoured), made once for
    every request to the provider: made per request, loading the certificates cost ~20 ms of CPU."""
    return httpx.create_ssl_context()


def _get_json(url: str) -> dict[str, Any]:
    response = httpx.get(
        url,
        timeout=HTTP_TIMEOUT,
        follow_redirects=True,
        headers={"Accept": "application/json"},
        verify=_tls(),
    )
    response.raise_for_status()
    data = response.json()
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def _same_issuer(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def discover(config: OidcConfig, *, fresh: bool = False) -> Provider:
    """The provider's discovery document (``/.well-known/openid-configuration``), cached an hour.

    Raises :class:`SsoError` (``unavailable``) when it cannot be read, and (``bad_issuer``) when the
    document names another issuer than the one configured (OpenID Connect Discovery, section 4.3).
    """
    with _providers_lock:
        cached = _providers.get(config.issuer)
    if cached is not None and not fresh and time.monotonic() - cached.fetched_at < DISCOVERY_SECONDS:
        return cached
    url = config.issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        doc = _get_json(url)
        issuer = str(doc["issuer"])
        supported = doc.get("id_token_signing_alg_values_supported") or ["RS256"]
        methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        provider = Provider(
            issuer=issuer,
            authorization_endpoint=str(doc["authorization_endpoint"]),
            token_endpoint=str(doc["token_endpoint"]),
            jwks_uri=str(doc["jwks_uri"]),
            algorithms=tuple(a for a in SIGNATURE_ALGORITHMS if a in supported) or ("RS256",),
            auth_method="client_secret_basic" if "client_secret_basic" in methods else "client_secret_post",
            fetched_at=time.monotonic(),
        )
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        log.warning("OIDC discovery failed at %s: %s", url, exc.__class__.__name__)
        raise SsoError("unavailable") from exc
    if not _same_issuer(issuer, config.issuer):
        log.warning("OIDC discovery at %s names issuer %s, not the configured one", url, issuer)
        raise SsoError("bad_issuer")
    with _providers_lock:
        _providers[config.issuer] = provider
    return provider


def _keys(provider: Provider, *, fresh: bool = False) -> KeySet:
    if provider.keys is None or fresh:
        try:
            provider.keys = KeySet.import_key_set(_get_json(provider.jwks_uri))  # type: ignore[arg-type]
        except (httpx.HTTPError, ValueError, KeyError, TypeError, JoseError) as exc:
            log.warning("OIDC JWKS could not be read at %s: %s", provider.jwks_uri, exc.__class__.__name__)
            raise SsoError("unavailable") from exc
    return provider.keys


# ----- step 1: to the provider ---------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """Where to send the browser, and the cookie (name and sealed value) that remembers the attempt."""

    url: str
    cookie_name: str
    cookie_value: str


def _client(config: OidcConfig, provider: Provider) -> OAuth2Client:
    return OAuth2Client(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scope=config.scopes,
        redirect_uri=config.redirect_uri,
        token_endpoint_auth_method=provider.auth_method,
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT,
        verify=_tls(),
    )


def safe_next(path: str | None) -> str:
    """A local path to land on after sign-in (anything else: the chat)."""
    path = (path or "").strip()
    if not path.startswith("/") or path.startswith("//") or "\\" in path or len(path) > 500:
        return "/"
    return path


def cookie_name(state: str) -> str:
    return COOKIE_PREFIX + state[:16]


def start(config: OidcConfig, *, next_path: str | None = None) -> Start:
    """Begin a sign-in: the authorization URL (code flow, PKCE S256, state, nonce) and its cookie."""
    provider = discover(config)
    state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    with _client(config, provider) as client:
        url, _ = client.create_authorization_url(
            provider.authorization_endpoint, state=state, code_verifier=verifier, nonce=nonce
        )
    pending = {
        "s": state,
        "n": nonce,
        "v": verifier,
        "x": time.time() + PENDING_SECONDS,
        "next": safe_next(next_path),
    }
    return Start(url=url, cookie_name=cookie_name(state), cookie_value=_seal(pending, "oidc.pending"))


# ----- step 2: back from the provider ----------------------------------------------------------


@dataclass(frozen=True)
class Callback:
    """What the provider sent back (the callback's query) and the cookie of the attempt."""

    state: str | None
    code: str | None
    error: str | None
    cookie: str | None


def _pending(callback: Callback) -> dict[str, Any]:
    pending = _unseal(callback.cookie, "oidc.pending")
    if (
        pending is None
        or not callback.state
        or not secrets.compare_digest(str(pending.get("s", "")), callback.state)
        or float(pending.get("x", 0)) < time.time()
    ):
        raise SsoError("bad_state")
    if not once.claim(f"state:{callback.state}", PENDING_SECONDS):
        raise SsoError("bad_state")
    return pending


def _exchange(config: OidcConfig, provider: Provider, code: str, verifier: str) -> str:
    try:
        with _client(config, provider) as client:
            token = client.fetch_token(
                provider.token_endpoint, grant_type="authorization_code", code=code, code_verifier=verifier
            )
    except Exception as exc:
        log.warning("OIDC token exchange failed: %s", exc.__class__.__name__)
        raise SsoError("provider_error") from exc
    id_token = token.get("id_token") if isinstance(token, Mapping) else None
    if not isinstance(id_token, str) or not id_token:
        raise SsoError("bad_token")
    return id_token


def verify_id_token(config: OidcConfig, provider: Provider, id_token: str, *, nonce: str) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, expiry and nonce are right."""

    def decode(keys: KeySet) -> dict[str, Any]:
        return dict(jwt.decode(id_token, keys, algorithms=list(provider.algorithms)).claims)

    try:
        try:
            claims = decode(_keys(provider))
        except JoseError:  # the provider may have rotated its keys since we read them: read once more
            claims = decode(_keys(provider, fresh=True))
    except (JoseError, ValueError) as exc:
        raise SsoError("bad_token") from exc
    if not isinstance(claims.get("iss"), str) or claims["iss"] != provider.issuer:
        raise SsoError("bad_issuer")
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    if config.client_id not in audiences:
        raise SsoError("bad_audience")
    if len(audiences) > 1 and claims.get("azp") not in (None, config.client_id):
        raise SsoError("bad_audience")
    now = time.time()
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires + LEEWAY_SECONDS < now:
        raise SsoError("expired")
    issued = claims.get("iat")
    if isinstance(issued, int | float) and issued - LEEWAY_SECONDS > now:
        raise SsoError("bad_token")
    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not secrets.compare_digest(token_nonce, nonce):
        raise SsoError("bad_nonce")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise SsoError("bad_token")
    return claims


@dataclass(frozen=True)
class Outcome:
    """A successful single sign-on: the account, the page to land on and the hand-off code."""

    user_id: uuid.UUID
    email: str
    next_path: str
    handoff: str
    created: bool
    linked: bool


def complete(session: Session, *, config: OidcConfig, callback: Callback, ip: str | None = None) -> Outcome:
    """Finish a sign-in from the provider's callback; raises :class:`SsoError` with the reason.

    The caller records a refusal with :func:`record_failure` (in a transaction of its own: this
    one rolls back); a success is audited here, in the caller's transaction.
    """
    if callback.error:
        # The provider said no (the person cancelled, or the client is misconfigured). The state
        # is still checked: an answer to someone else's attempt is not this person's business.
        _pending(callback)
        raise SsoError("denied" if callback.error == "access_denied" else "provider_error")
    pending = _pending(callback)
    if not callback.code:
        raise SsoError("provider_error")
    provider = discover(config)
    id_token = _exchange(config, provider, callback.code, str(pending["v"]))
    claims = verify_id_token(config, provider, id_token, nonce=str(pending["n"]))
    user, created, linked = account_for(session, config=config, claims=claims, ip=ip)
    handoff = _seal(
        {"u": str(user.id), "i": secrets.token_urlsafe(16), "x": time.time() + HANDOFF_SECONDS},
        "oidc.handoff",
    )
    return Outcome(
        user_id=user.id,
        email=user.email,
        next_path=safe_next(str(pending.get("next", "/"))),
        handoff=handoff,
        created=created,
        linked=linked,
    )


# ----- step 3: the account -----------------------------------------------------------------


def groups_of(claims: Mapping[str, Any], claim: str) -> set[str]:
    """The groups an ID token lists under ``claim`` (a dotted path like ``realm_access.roles`` works
    too); Keycloak's full paths (``/ticked-admins``) also count under their name without the slash."""
    value: Any = claims.get(claim)
    if value is None and "." in claim:
        value = claims
        for part in claim.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
    items = (
        value.replace(",", " ").split()
        if isinstance(value, str)
        else value
        if isinstance(value, list)
        else []
    )
    names = {str(item) for item in items if isinstance(item, str | int)}
    return names | {name.lstrip("/") for name in names}


def _verified(claims: Mapping[str, Any]) -> bool:
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _email(claims: Mapping[str, Any]) -> str | None:
    value = claims.get("email")
    return value.strip().lower()[:320] if isinstance(value, str) and "@" in value else None


def _may_sign_up(session: Session, config: OidcConfig, email: str | None, verified: bool) -> None:
    settings = instance.get(session)
    if settings.signup_policy == "closed":
        raise SsoError("signup_closed", email)
    if settings.signup_policy == "invite" and not (config.allowed_groups or settings.signup_allowed_domains):
        raise SsoError("signup_closed", email)
    if email is None:
        raise SsoError("no_email")
    if settings.signup_allowed_domains:
        if not verified:
            raise SsoError("unverified_email", email)
        if not instance.email_domain_allowed(settings, email):
            raise SsoError("domain_not_allowed", email)


def _new_account(session: Session, email: str, claims: Mapping[str, Any]) -> User:
    name = claims.get("name") or claims.get("preferred_username")
    name = name.strip()[:100] or None if isinstance(name, str) else None
    try:
        # A random password nobody knows: the account signs in through the provider (or after a
        # password reset by an admin). register() also makes the instance's first account admin.
        # by_admin: _may_sign_up has applied the sign-up policy as it stands for single sign-on
        return auth_service.register(
            session, email=email, password=secrets.token_urlsafe(32), name=name, surface="sso", by_admin=True
        )
    except InvalidInputError as exc:
        raise SsoError("no_email", email) from exc
    except ConflictError as exc:  # someone signed up with this email a moment ago
        raise SsoError("unverified_email", email) from exc


def _sync_admin(
    session: Session, config: OidcConfig, user: User, groups: set[str], actor: audit.Actor
) -> None:
    if not config.admin_group:
        return
    member = config.admin_group in groups or config.admin_group.lstrip("/") in groups
    if member == user.is_admin:
        return
    if not member:
        others = session.exec(
            select(User.id).where(col(User.is_admin), col(User.is_active), User.id != user.id).limit(1)
        ).first()
        if others is None:
            return  # never the last admin
    user.is_admin = member
    session.add(user)
    audit.record(
        session,
        actor=actor,
        action="admin.user.promote" if member else "admin.user.demote",
        target_type="user",
        target_id=user.id,
        target_label=user.email,
        details={"via": "oidc_admin_group"},
    )


def account_for(
    session: Session, *, config: OidcConfig, claims: Mapping[str, Any], ip: str | None = None
) -> tuple[User, bool, bool]:
    """The account for verified ID token claims: (user, created, linked). See the module doc."""
    issuer, subject = str(claims["iss"])[:255], str(claims["sub"])[:255]
    email, verified = _email(claims), _verified(claims)
    groups = groups_of(claims, config.groups_claim)
    if config.allowed_groups and not groups & set(config.allowed_groups):
        raise SsoError("not_in_group", email)
    identity = session.exec(
        select(UserIdentity).where(UserIdentity.issuer == issuer, UserIdentity.subject == subject)
    ).first()
    user = session.get(User, identity.user_id) if identity is not None else None
    created = linked = False
    if user is None:
        existing = auth_service.get_user_by_email(session, email=email) if email else None
        if existing is not None:
            if not verified:
                raise SsoError("unverified_email", email)
            user, linked = existing, True
        else:
            _may_sign_up(session, config, email, verified)
            assert email is not None
            user, created = _new_account(session, email, claims), True
        identity = identity or UserIdentity(user_id=user.id, issuer=issuer, subject=subject)
        identity.user_id = user.id
    assert identity is not None
    if not user.is_active:
        raise SsoError("disabled", user.email)
    now = utcnow()
    identity.email, identity.last_login_at = email, now
    user.last_login_at = now
    session.add(identity)
    session.add(user)
    session.flush()
    actor = audit.Actor(user_id=user.id, email=user.email, ip=ip, surface="sso")
    _sync_admin(session, config, user, groups, actor)
    details = {"issuer": issuer, "created": created, "linked": linked}
    audit.record(
        session, actor=actor, action="auth.sign_in", target_type="user", target_id=user.id, details=details
    )
    return user, created, linked


def record_failure(*, reason: str, email: str | None, ip: str | None) -> None:
    """A refused single sign-on as an audit event, in a transaction of its own."""
    with session_scope() as own:
        user = auth_service.get_user_by_email(own, email=email) if email else None
        actor = audit.Actor(user_id=user.id if user else None, email=email, ip=ip, surface="sso")
        audit.record(own, actor=actor, action="auth.sign_in", outcome="failed", details={"reason": reason})


# ----- step 4: the hand-off to the page --------------------------------------------------------


def redeem_handoff(
    session: Session, *, code: str, ip: str | None = None, user_agent: str | None = None
) -> tuple[User, str]:
    """A Ticked session for a hand-off code from the callback (once, within two minutes)."""
    data = _unseal(code, "oidc.handoff")
    if (
        data is None
        or float(data.get("x", 0)) < time.time()
        or not once.claim(f"handoff:{data.get('i')}", HANDOFF_SECONDS)
    ):
        raise SsoError("bad_code")
    try:
        user = session.get(User, uuid.UUID(str(data.get("u"))))
    except ValueError as exc:
        raise SsoError("bad_code") from exc
    if user is None or not user.is_active:
        raise SsoError("disabled")
    return user, auth_service.issue_token(session, user=user, source="sso", ip=ip, user_agent=user_agent)


def host_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL (where the callback, hence the state cookie, lives)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
