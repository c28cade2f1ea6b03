"""Single sign-on (issue 18) against real providers on localhost: oidc-provider-mock for the
people's side, a crafting provider of our own for the ID tokens no honest provider sends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import Session, select

from app.core.config import get_settings
from app.core.db import session_scope
from app.core.security import verify_password
from app.models import AuditEvent, User, UserIdentity
from app.services import auth, instance, oidc, sso_policy
from app.services.errors import AuthError
from app.services.oidc import SsoError
from tests.utils.oidc import (
    CraftingProvider,
    MockProvider,
    approve,
    callback_from,
    config_for,
    crafting_provider,
    follow,
    mock_provider,
)
from tests.utils.tls import count_tls_contexts

PASSWORD = "correct-horse-42"


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    oidc.clear_cache()
    instance.clear_cache()
    yield
    oidc.clear_cache()
    instance.clear_cache()


@pytest.fixture(scope="module")
def provider() -> Iterator[MockProvider]:
    with mock_provider() as running:
        yield running


@pytest.fixture
def crafted() -> Iterator[CraftingProvider]:
    with crafting_provider() as running:
        yield running


def sign_in(session: Session, provider: MockProvider, sub: str, **config_changes) -> oidc.Outcome:
    config = config_for(provider.url, **config_changes)
    begun = oidc.start(config, next_path="/tasks")
    callback = callback_from(approve(begun.url, sub), begun)
    return oidc.complete(session, config=config, callback=callback, ip="203.0.113.9")


def refused(session: Session, config, callback) -> str:
    with pytest.raises(SsoError) as caught:
        oidc.complete(session, config=config, callback=callback)
    return caught.value.reason


def unique(prefix: str) -> str:
    return f"{prefix}-{time.time_ns()}"


def test_start_asks_for_code_with_pkce_state_and_nonce(provider: MockProvider):
    begun = oidc.start(config_for(provider.url), next_path="/settings")
    query = {k: v[0] for k, v in parse_qs(urlsplit(begun.url).query).items()}
    assert begun.url.startswith(f"{provider.url}/oauth2/authorize?")
    assert query["response_type"] == "code"
    assert query["client_id"] == "ticked-test"
    assert query["redirect_uri"] == "http://testserver/api/auth/oidc/callback"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 32
    assert len(query["nonce"]) >= 32
    assert set(query["scope"].split()) == {"openid", "email", "profile"}
    assert begun.cookie_name == oidc.cookie_name(query["state"])
    # The cookie is sealed: neither the verifier nor the nonce can be read from it.
    assert begun.cookie_value.startswith("enc1:")
    assert query["nonce"] not in begun.cookie_value


def test_a_new_person_gets_an_account_and_an_identity(session: Session, provider: MockProvider):
    sub = unique("new")
    provider.set_user(sub, email=f"{sub}@example.com", email_verified=True, name="Nia New")
    outcome = sign_in(session, provider, sub)
    assert outcome.created
    assert not outcome.linked
    assert outcome.next_path == "/tasks"
    user = session.get(User, outcome.user_id)
    assert user is not None
    assert user.email == f"{sub}@example.com"
    assert user.name == "Nia New"
    assert user.is_admin  # the instance's first account, like a password sign-up
    identity = session.exec(select(UserIdentity).where(UserIdentity.subject == sub)).one()
    assert identity.user_id == user.id
    assert identity.issuer == provider.url
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "auth.sign_in")).one()
    assert (event.surface, event.outcome, event.ip, event.actor_id) == ("sso", "ok", "203.0.113.9", user.id)
    assert event.details["created"] is True
    # The password nobody was told does not sign in.
    assert not verify_password(PASSWORD, user.hashed_password)[0]


def test_sign_ins_share_one_tls_set_up(session: Session, provider: MockProvider, monkeypatch):
    """Every request to the provider uses one TLS context made once per process: a sign-in after
    the first loads no CA certificates (each load cost ~20 ms of CPU)."""
    sub = unique("tls")
    provider.set_user(sub, email=f"{sub}@example.com", email_verified=True)
    sign_in(session, provider, sub)
    made = count_tls_contexts(monkeypatch)
    oidc.clear_cache()  # discovery and keys fetched again too
    assert sign_in(session, provider, sub).user_id
    assert made == []


def test_a_verified_email_links_the_existing_account_then_the_identity_is_enough(
    session: Session, provider: MockProvider
):
    sub = unique("link")
    existing = auth.register(session, email=f"{sub}@example.com", password=PASSWORD)
    provider.set_user(sub, email=f"{sub}@example.com", email_verified=True)
    first = sign_in(session, provider, sub)
    assert first.user_id == existing.id
    assert first.linked
    assert not first.created
    # The provider now says another email: the (issuer, subject) identity still finds the account.
    provider.set_user(sub, email=f"{sub}-renamed@example.com", email_verified=False)
    second = sign_in(session, provider, sub)
    assert second.user_id == existing.id
    assert not second.linked
    assert not second.created
    assert len(session.exec(select(UserIdentity).where(UserIdentity.user_id == existing.id)).all()) == 1
    assert len(session.exec(select(User)).all()) == 1


def test_an_unverified_email_never_links_an_existing_account(session: Session, provider: MockProvider):
    sub = unique("unverified")
    existing = auth.register(session, email=f"{sub}@example.com", password=PASSWORD)
    provider.set_user(sub, email=f"{sub}@example.com", email_verified=False)
    config = config_for(provider.url)
    begun = oidc.start(config)
    assert refused(session, config, callback_from(approve(begun.url, sub), begun)) == "unverified_email"
    assert session.exec(select(UserIdentity)).first() is None
    assert session.exec(select(User)).all() == [existing]


def test_a_bad_state_is_refused(session: Session, provider: MockProvider):
    sub = unique("state")
    provider.set_user(sub, email=f"{sub}@example.com", email_verified=True)
    config = config_for(provider.url)
    begun = oidc.start(config)
    callback = callback_from(approve(begun.url, sub), begun)
    other = oidc.start(config)
    # Another attempt's cookie, no cookie, a forged (unsealed) cookie, a state changed in the URL.
    for wrong in (
        callback.__class__(state=callback.state, code=callback.code, error=None, cookie=other.cookie_value),
        callback.__class__(state=callback.state, code=callback.code, error=None, cookie=None),
        callback.__class__(
            state=callback.state, code=callback.code, error=None, cookie=f'{{"s": "{callback.state}"}}'
        ),
        callback.__class__(
            state="x" + (callback.state or ""), code=callback.code, error=None, cookie=callback.cookie
        ),
    ):
        assert refused(session, config, wrong) == "bad_state"
    # The right one works once; the same state again is refused (single use).
    oidc.complete(session, config=config, callback=callback)
    assert refused(session, config, callback) == "bad_state"


def test_the_provider_saying_no_is_refused_after_the_state_check(session: Session, provider: MockProvider):
    config = config_for(provider.url)
    begun = oidc.start(config)
    state = parse_qs(urlsplit(begun.url).query)["state"][0]
    cancelled = oidc.Callback(state=state, code=None, error="access_denied", cookie=begun.cookie_value)
    assert refused(session, config, cancelled) == "denied"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"iss": "https://evil.example"}, "bad_issuer"),
        ({"aud": "someone-else"}, "bad_audience"),
        ({"aud": ["ticked-test", "someone-else"], "azp": "someone-else"}, "bad_audience"),
        ({"nonce": "not-the-one-we-sent"}, "bad_nonce"),
        ({"nonce": None}, "bad_nonce"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 3700}, "expired"),
    ],
    ids=["issuer", "audience", "azp", "nonce", "no-nonce", "expired"],
)
def test_a_wrong_id_token_is_refused(session: Session, crafted: CraftingProvider, overrides, reason):
    config = config_for(crafted.url)
    crafted.overrides = overrides
    begun = oidc.start(config)
    assert refused(session, config, callback_from(follow(begun.url), begun)) == reason
    assert session.exec(select(User)).first() is None


def test_another_keys_signature_is_refused(session: Session, crafted: CraftingProvider):
    config = config_for(crafted.url)
    crafted.other_key = True
    begun = oidc.start(config)
    assert refused(session, config, callback_from(follow(begun.url), begun)) == "bad_token"


def test_the_crafting_provider_accepts_our_pkce_and_secret(session: Session, crafted: CraftingProvider):
    """The control for the refusals above: the same provider, an honest token, a signed-in person."""
    config = config_for(crafted.url)
    begun = oidc.start(config)
    outcome = oidc.complete(session, config=config, callback=callback_from(follow(begun.url), begun))
    assert outcome.email == "crafted@example.com"
    assert outcome.created
    assert crafted.token_requests[-1]["code_verifier"]  # checked against the S256 challenge there
    # A code that was already exchanged (a replayed callback with a fresh state) gets nothing.
    assert not crafted.codes


def test_a_person_outside_the_allowed_groups_is_refused(session: Session, provider: MockProvider):
    sub = unique("outsider")
    provider.set_user(sub, email=f"{sub}@example.com", email_verified=True, groups=["sales"])
    config = config_for(provider.url, allowed_groups=("ticked",))
    begun = oidc.start(config)
    assert refused(session, config, callback_from(approve(begun.url, sub), begun)) == "not_in_group"
    assert session.exec(select(User)).first() is None
    insider = unique("insider")
    provider.set_user(insider, email=f"{insider}@example.com", email_verified=True, groups=["/ticked"])
    assert sign_in(session, provider, insider, allowed_groups=("ticked",)).created


def test_the_admin_group_grants_and_ends_admin_but_never_the_last(session: Session, provider: MockProvider):
    first = auth.register(session, email=f"{unique('owner')}@example.com", password=PASSWORD)
    assert first.is_admin
    sub = unique("ops")
    provider.set_user(sub, email=f"{sub}@example.com", email_verified=True, groups=["ticked-admins"])
    outcome = sign_in(session, provider, sub, admin_group="ticked-admins")
    user = session.get(User, outcome.user_id)
    assert user is not None
    assert user.is_admin
    provider.set_user(sub, email=f"{sub}@example.com", email_verified=True, groups=[])
    sign_in(session, provider, sub, admin_group="ticked-admins")
    session.refresh(user)
    assert not user.is_admin
    actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
    assert "admin.user.promote" in actions
    assert "admin.user.demote" in actions
    # The only admin leaving the group keeps the rights: someone must run the server.
    first.is_admin = False
    session.add(first)
    user.is_admin = True
    session.add(user)
    session.flush()
    sign_in(session, provider, sub, admin_group="ticked-admins")
    session.refresh(user)
    assert user.is_admin


def test_a_disabled_account_is_refused(session: Session, provider: MockProvider):
    sub = unique("disabled")
    user = auth.register(session, email=f"{sub}@example.com", password=PASSWORD)
    user.is_active = False
    session.add(user)
    session.flush()
    provider.set_user(sub, email=f"{sub}@example.com", email_verified=True)
    config = config_for(provider.url)
    begun = oidc.start(config)
    assert refused(session, config, callback_from(approve(begun.url, sub), begun)) == "disabled"


def test_the_sign_up_policy_applies_to_new_accounts(session: Session, provider: MockProvider):
    owner = auth.register(session, email=f"{unique('owner')}@example.com", password=PASSWORD)
    config = config_for(provider.url)
    instance.update(session, admin_id=owner.id, changes={"signup_policy": "closed"})
    sub = unique("closed")
    provider.set_user(sub, email=f"{sub}@example.com", email_verified=True)
    begun = oidc.start(config)
    assert refused(session, config, callback_from(approve(begun.url, sub), begun)) == "signup_closed"
    # Invite only: the provider alone is no invitation, unless its admission is scoped by groups.
    instance.update(session, admin_id=owner.id, changes={"signup_policy": "invite"})
    begun = oidc.start(config)
    assert refused(session, config, callback_from(approve(begun.url, sub), begun)) == "signup_closed"
    provider.set_user(sub, email=f"{sub}@example.com", email_verified=True, groups=["ticked"])
    assert sign_in(session, provider, sub, allowed_groups=("ticked",)).created
    # Allowed domains: checked on a verified email only.
    instance.update(
        session, admin_id=owner.id, changes={"signup_policy": "open", "signup_allowed_domains": "corp.test"}
    )
    other = unique("domain")
    provider.set_user(other, email=f"{other}@example.com", email_verified=True)
    begun = oidc.start(config)
    assert refused(session, config, callback_from(approve(begun.url, other), begun)) == "domain_not_allowed"
    provider.set_user(other, email=f"{other}@corp.test", email_verified=False)
    begun = oidc.start(config)
    assert refused(session, config, callback_from(approve(begun.url, other), begun)) == "unverified_email"
    provider.set_user(other, email=f"{other}@corp.test", email_verified=True)
    assert sign_in(session, provider, other).created


def test_the_hand_off_code_signs_in_once(session: Session, provider: MockProvider):
    sub = unique("handoff")
    provider.set_user(sub, email=f"{sub}@example.com", email_verified=True)
    outcome = sign_in(session, provider, sub)
    user, token = oidc.redeem_handoff(session, code=outcome.handoff, ip="198.51.100.7", user_agent="Firefox")
    assert user.id == outcome.user_id
    assert auth.user_for_token(session, token=token).id == user.id
    with pytest.raises(SsoError) as again:
        oidc.redeem_handoff(session, code=outcome.handoff)
    assert again.value.reason == "bad_code"
    for forged in ("", "enc1:nope:nope", f'{{"u": "{user.id}", "x": 9999999999, "i": "a"}}'):
        with pytest.raises(SsoError):
            oidc.redeem_handoff(session, code=forged)


def sign_in_with_password(email: str, password: str) -> None:
    with session_scope() as session:
        auth.sign_in(session, email=email, password=password)


def test_sso_only_turns_password_sign_in_off_except_for_admins(
    app_db, provider: MockProvider, monkeypatch: pytest.MonkeyPatch
):
    with session_scope() as session:
        admin = auth.register(session, email=f"{unique('admin')}@example.com", password=PASSWORD)
        member = auth.register(session, email=f"{unique('member')}@example.com", password=PASSWORD)
        instance.update(session, admin_id=admin.id, changes={"sso_only": True})
    with session_scope() as session:
        # No provider configured: SSO only cannot lock everyone out, passwords still work.
        assert not sso_policy.sso_only(session)
        auth.sign_in(session, email=member.email, password=PASSWORD)
    monkeypatch.setenv("OIDC_ISSUER", provider.url)
    monkeypatch.setenv("OIDC_CLIENT_ID", "ticked-test")
    get_settings.cache_clear()
    for password in (PASSWORD, "wrong-password-1"):  # one answer: nothing learnt about the password
        with session_scope() as session:
            assert sso_policy.sso_only(session)
        with pytest.raises(sso_policy.PasswordSignInOff) as off:
            sign_in_with_password(member.email, password)
        assert off.value.message == sso_policy.PASSWORD_OFF
        assert isinstance(off.value, AuthError)  # the sign-in throttle counts it
    with session_scope() as session:
        user, _token = auth.sign_in(session, email=admin.email, password=PASSWORD)  # the way back in
        assert user.id == admin.id
        reasons = [
            e.details.get("reason")
            for e in session.exec(select(AuditEvent).where(AuditEvent.outcome == "failed")).all()
        ]
    assert reasons == ["sso_only", "sso_only"]


def test_groups_come_from_a_list_a_string_or_a_nested_claim():
    assert oidc.groups_of({"groups": ["a", "/b"]}, "groups") == {"a", "/b", "b"}
    assert oidc.groups_of({"groups": "a b,c"}, "groups") == {"a", "b", "c"}
    assert oidc.groups_of({"realm_access": {"roles": ["ticked"]}}, "realm_access.roles") == {"ticked"}
    assert oidc.groups_of({}, "groups") == set()


def test_a_discovery_document_naming_another_issuer_is_refused(crafted: CraftingProvider):
    with pytest.raises(SsoError) as caught:
        oidc.start(config_for(crafted.url.replace("127.0.0.1", "localhost")))
    assert caught.value.reason == "bad_issuer"


def test_an_unreachable_provider_says_so():
    with pytest.raises(SsoError) as caught:
        oidc.start(config_for("http://127.0.0.1:9"))
    assert caught.value.reason == "unavailable"
