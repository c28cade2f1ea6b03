"""Temporary: screenshots for the report (not committed)."""
from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.test_axe import axe_violations, in_mode
from tests.e2e.test_signup_policy import _promote, _reset_policy, _set_policy
from tests.e2e.conftest import sign_up, unique_email

OUT = "/tmp/h/shots/signup"


def test_shots(browser: Browser, app_url: str, app_harness) -> None:
    problems = {}
    admin_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = admin_ctx.new_page()
    email = sign_up(page, app_url, unique_email("admin"))
    admin_id = _promote(email)
    link = ""
    try:
        for mode in ("light", "dark"):
            for width in (1280, 390):
                ctx = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 900}, storage_state=admin_ctx.storage_state())
                p = ctx.new_page()
                in_mode(p, mode)
                p.goto(f"{app_url}/admin/settings")
                expect(p.get_by_role("heading", name="Admin", level=1)).to_be_visible()
                p.get_by_label("Email (optional)").fill("new.colleague@example.com")
                p.get_by_role("button", name="Create invitation link").click()
                box = p.get_by_role("textbox", name="Invitation link")
                expect(box).to_be_visible()
                link = box.input_value()
                p.wait_for_timeout(400)
                p.screenshot(path=f"{OUT}/admin-settings-{width}-{mode}.png", full_page=True)
                print(width, p.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8).map(e => e.tagName + '.' + (e.className || '').toString().slice(0, 40) + ' ' + Math.round(e.getBoundingClientRect().right) + ' ' + (e.textContent || '').slice(0, 30))"""))
                problems[f"admin {width} {mode}"] = axe_violations(p)
                ctx.close()
        for policy in ("open", "invite", "invite-link", "closed"):
            _set_policy(admin_id, policy.split("-")[0])
            for mode in ("light", "dark"):
                for width in (1280, 390):
                    ctx = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 800})
                    p = ctx.new_page()
                    in_mode(p, mode)
                    p.goto(link if policy == "invite-link" else f"{app_url}/signup")
                    expect(p.get_by_role("heading", level=1)).to_be_visible()
                    p.wait_for_timeout(600)
                    p.screenshot(path=f"{OUT}/signup-{policy}-{width}-{mode}.png", full_page=True)
                    problems[f"signup {policy} {width} {mode}"] = axe_violations(p)
                    if policy == "closed" and width == 1280:
                        p.goto(f"{app_url}/login")
                        expect(p.get_by_role("heading", level=1)).to_be_visible()
                        p.wait_for_timeout(600)
                        p.screenshot(path=f"{OUT}/login-closed-{width}-{mode}.png", full_page=True)
                    ctx.close()
    finally:
        _reset_policy()
    print({k: v for k, v in problems.items() if v})
    assert not any(problems.values()), problems
