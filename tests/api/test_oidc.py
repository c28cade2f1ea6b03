"""Single sign-on's browser addresses (issue 18): /api/auth/oidc/login and /callback against real
providers on localhost, and the "SSO only" answer of POST /api/auth/token."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from app.core.config import get_settings
from app.core.db import session_scope
from app.models import AuditEvent
from app.services import auth, instance, oidc
from app.services.sso_policy import PASSWORD_OFF
from tests.api.conftest import PASSWORD, assert_error, register
from tests.utils.oidc import (
    MockProvider,
    approve,
    crafting_provider,
    follow,
    mock_provider,
    oidc_env,
)
from tests.utils.test_client import TestClient


@pytest.fixture(scope="module")
def provider() -> Iterator[MockProvider]:
    with mock_provider() as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    oidc.clear_cache()
    instance.clear_cache()
    yield
    oidc.clear_cache()
    instance.clear_cache()


def configure(monkeypatch: pytest.MonkeyPatch, issuer: str, **extra: str) -> None:
    for name, value in {**oidc_env(issuer, **extra), "PUBLIC_URL": "http://testserver"}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def to_provider(api: TestClient, next_path: str = "") -> str:
    resp = api.get(
        "/api/auth/oidc/login", params={"next": next_path} if next_path else None, follow_redirects=False
    )
    assert resp.status_code == 303, resp.text
    return resp.headers["location"]


def back_from(api: TestClient, location: str):
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://testserver/api/auth/oidc/callback"
    return api.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def failures() -> list[str]:
    with session_scope() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.outcome == "failed")).all()
        return [f"{e.surface}:{e.details.get('reason')}" for e in events]


def test_sso_signs_in_end_to_end_and_lands_on_the_page_asked_for(
    api: TestClient, provider: MockProvider, monkeypatch: pytest.MonkeyPatch
):
    configure(monkeypatch, provider.url)
    sub = f"api-{time.time_ns()}"
    provider.set_user(sub, email=f"{sub}@example.com", email_verified=True)
    first = api.get("/api/auth/oidc/login", params={"next": "/tasks"}, follow_redirects=False)
    assert first.status_code == 303
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(oidc.COOKIE_PREFIX)
    for attribute in ("HttpOnly", "Path=/api/auth/oidc", "SameSite=lax", "Max-Age=600"):
        assert attribute.lower() in cookie.lower(), cookie
    back = back_from(api, approve(first.headers["location"], sub))
    assert back.status_code == 303, back.text
    landing = urlsplit(back.headers["location"])
    assert landing.path == "/sso"
    assert query_of(back.headers["location"])["next"] == "/tasks"
    assert "max-age=0" in back.headers["set-cookie"].lower()  # the attempt's cookie is gone
    with session_scope() as session:
        user, token = oidc.redeem_handoff(session, code=query_of(back.headers["location"])["code"])
    assert user.email == f"{sub}@example.com"
    settings = api.get("/api/me/settings", headers={"Authorization": f"Bearer {token}"})
    assert settings.status_code == 200, settings.text
    # The callback again (a replay of the same answer) is refused.
    again = back_from(api, f"http://testserver{back.request.url.path}?{back.request.url.query.decode()}")
    assert again.headers["location"] == "/login?sso_error=bad_state"


def test_a_callback_with_a_state_of_its_own_goes_back_to_sign_in(
    api: TestClient, provider: MockProvider, monkeypatch: pytest.MonkeyPatch
):
    configure(monkeypatch, provider.url)
    sub = f"forged-{time.time_ns()}"
    provider.set_user(sub, email=f"{sub}@example.com", email_verified=True)
    location = approve(to_provider(api), sub)
    forged = location.replace("state=", "state=forged")
    resp = back_from(api, forged)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/login?sso_error=bad_state"
    assert failures() == ["sso:bad_state"]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"iss": "https://evil.example"}, "bad_issuer"),
        ({"aud": "another-app"}, "bad_audience"),
        ({"nonce": "replayed"}, "bad_nonce"),
        ({"exp": int(time.time()) - 3600}, "expired"),
    ],
    ids=["issuer", "audience", "nonce", "expired"],
)
def test_a_wrong_id_token_goes_back_to_sign_in_with_the_reason(
    api: TestClient, monkeypatch: pytest.MonkeyPatch, overrides: dict, reason: str
):
    with crafting_provider() as crafted:
        crafted.overrides = overrides
        configure(monkeypatch, crafted.url)
        resp = back_from(api, follow(to_provider(api)))
    assert resp.headers["location"] == f"/login?sso_error={reason}"
    assert failures() == [f"sso:{reason}"]


def test_an_unverified_email_and_an_outsider_go_back_to_sign_in(
    api: TestClient, provider: MockProvider, monkeypatch: pytest.MonkeyPatch
):
    configure(monkeypatch, provider.url, OIDC_ALLOWED_GROUPS="ticked")
    _user_id, email = register()
    sub = f"claims-{time.time_ns()}"
    provider.set_user(sub, email=email, email_verified=False, groups=["ticked"])
    resp = back_from(api, approve(to_provider(api), sub))
    assert resp.headers["location"] == "/login?sso_error=unverified_email"
    outsider = f"outsider-{time.time_ns()}"
    provider.set_user(outsider, email=f"{outsider}@example.com", email_verified=True, groups=["sales"])
    resp = back_from(api, approve(to_provider(api), outsider))
    assert resp.headers["location"] == "/login?sso_error=not_in_group"
    assert failures() == ["sso:unverified_email", "sso:not_in_group"]


def test_without_a_provider_the_button_address_says_so(api: TestClient):
    resp = api.get("/api/auth/oidc/login", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/login?sso_error=not_configured"


def test_sign_in_starts_on_the_public_address_where_the_callback_comes_back(
    api: TestClient, provider: MockProvider, monkeypatch: pytest.MonkeyPatch
):
    configure(monkeypatch, provider.url)
    monkeypatch.setenv("PUBLIC_URL", "https://tasks.example.com")
    get_settings.cache_clear()
    resp = api.get("/api/auth/oidc/login", params={"next": "/settings"}, follow_redirects=False)
    assert resp.headers["location"] == "https://tasks.example.com/api/auth/oidc/login?next=%2Fsettings&hop=1"
    assert "set-cookie" not in resp.headers
    # Arrived there (a proxy may still show this server another Host): no second hop, a loop never.
    resp = api.get("/api/auth/oidc/login", params={"next": "/settings", "hop": "1"}, follow_redirects=False)
    assert resp.headers["location"].startswith(f"{provider.url}/oauth2/authorize?")
    assert resp.headers["set-cookie"].startswith(oidc.COOKIE_PREFIX)
    # The same host behind a proxy that ends TLS (http here, https in PUBLIC_URL) is no other host.
    monkeypatch.setenv("PUBLIC_URL", "https://testserver")
    get_settings.cache_clear()
    resp = api.get("/api/auth/oidc/login", follow_redirects=False)
    assert resp.headers["location"].startswith(f"{provider.url}/oauth2/authorize?")


def test_the_token_endpoint_refuses_passwords_with_sso_only_except_for_admins(
    api: TestClient, provider: MockProvider, monkeypatch: pytest.MonkeyPatch
):
    configure(monkeypatch, provider.url, OIDC_SSO_ONLY="true")
    _admin_id, admin_email = register()  # the first account: admin
    _member_id, member_email = register()
    for password in (PASSWORD, "not-the-password"):
        resp = api.post("/api/auth/token", json={"email": member_email, "password": password})
        assert assert_error(resp, 403, "forbidden") == PASSWORD_OFF
    ok = api.post("/api/auth/token", json={"email": admin_email, "password": PASSWORD})
    assert ok.status_code == 200, ok.text
    # The admin console's choice wins over the environment's.
    with session_scope() as session:
        admin = auth.get_user_by_email(session, email=admin_email)
        assert admin is not None
        instance.update(session, admin_id=admin.id, changes={"sso_only": False})
    ok = api.post("/api/auth/token", json={"email": member_email, "password": PASSWORD})
    assert ok.status_code == 200, ok.text
