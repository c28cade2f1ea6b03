"""Every page path in one place, so links and redirects never drift apart."""

CHAT = "/"
TASKS = "/tasks"
LOGIN = "/login"
SIGNUP = "/signup"
PUBLIC = (LOGIN, SIGNUP)
