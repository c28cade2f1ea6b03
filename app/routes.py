"""Every page path in one place, so links and redirects never drift apart."""

CHAT = "/"
TASKS = "/tasks"
SETTINGS = "/settings"
LOGIN = "/login"
SIGNUP = "/signup"
PUBLIC = (LOGIN, SIGNUP)
