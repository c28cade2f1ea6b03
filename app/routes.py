"""Every page path in one place, and the one way to build a link to one, so links and redirects
never drift apart."""

from urllib.parse import urlencode

CHAT = "/"
TASKS = "/tasks"
SETTINGS = "/settings"
LOGIN = "/login"
SIGNUP = "/signup"
RESET = "/reset"
"""Set a new password from an admin's reset link (issue 18): public, the link is the credential."""
SSO = "/sso"
"""Where single sign-on lands: redeems the one-time code from /api/auth/oidc/callback (issue 18)."""
PUBLIC = (LOGIN, SIGNUP, SSO, RESET)
TWO_FACTOR_SETUP = SETTINGS + "#two-factor"
"""Where an account the instance requires to set up two-factor sign-in is sent (issue 18)."""
ADMIN = "/admin"
ADMIN_SETTINGS = "/admin/settings"
ADMIN_AUDIT = "/admin/audit"
ADMIN_PAGES = (ADMIN, ADMIN_SETTINGS, ADMIN_AUDIT)
"""The admin console (issue 18): to anyone but an admin, each looks exactly like a missing page."""


def page_url(path: str, **query: str) -> str:
    """``path`` with ``query`` as its query string, every value encoded; empty values are left out."""
    kept = {name: value for name, value in query.items() if value}
    return path + ("?" + urlencode(kept) if kept else "")


def sign_in_url(back_to: str = CHAT) -> str:
    """The sign-in page, which sends the person back to ``back_to`` (a path and its query) after.

    The chat is where sign-in goes anyway, so it needs no ``next``; any other page gets one, encoded
    whole (``/login?next=%2Fsettings``), which ``AuthState`` reads back and checks is a local path.
    """
    return page_url(LOGIN, next="" if back_to == CHAT else back_to)
