"""Limits on the pages of the production app: the task page's quick add, the chat box and renaming a
conversation refuse what is too long with the limit in the message, and store nothing.

Driven over the real websocket (as the pages' forms send them); run under
``flock /tmp/ticked-web.lock``.
"""

from __future__ import annotations

from app.models.message import MESSAGE_MAX
from app.models.task import TAG_MAX, TAGS_MAX, TITLE_MAX
from app.models.thread import THREAD_TITLE_MAX
from tests.security.conftest import using_server_db
from tests.security.test_isolation_pages import run
from tests.security.web import CHAT_STATE, TASKS_STATE, THREADS_STATE, Server, Tab
from tests.security.world import COUNTS, PASSWORD, assert_untouched, hold_data, snapshot


def test_limits_on_the_pages(prod_app: Server) -> None:
    with using_server_db(prod_app) as engine:
        user = hold_data("limits")

        async def scenario() -> None:
            tab = Tab(prod_app.url)
            try:
                await tab.connect("/login")
                token = await tab.sign_in(user.email, PASSWORD)
                assert token
                await tab.open_page("/tasks", token)
                for what, form, needle in (
                    ("title", {"title": "x" * (TITLE_MAX + 1)}, "at most 200"),
                    (
                        "tag count",
                        {"title": "t", "tags": ",".join(f"t{i}" for i in range(TAGS_MAX + 1))},
                        "at most 20 tags",
                    ),
                    ("tag length", {"title": "t", "tags": "y" * (TAG_MAX + 1)}, "at most 32 characters"),
                ):
                    before = snapshot(engine)
                    got = await tab.call(
                        f"{TASKS_STATE}.add_task",
                        {"form": form},
                        "/tasks",
                        fence=(TASKS_STATE, "set_edit_text", "edit_text"),
                    )
                    error = got.last(TASKS_STATE, "error", "")
                    assert needle in error, (what, error)
                    assert_untouched(engine, before, user.user_id, f"task page add {what}")
                    await tab.call(f"{TASKS_STATE}.dismiss_error", None, "/tasks")
                    COUNTS.add(f"limits ({engine.dialect.name})", f"task page add {what}", 1)
                await tab.open_page("/", token)
                before = snapshot(engine)
                fence = (THREADS_STATE, "set_rename_text", "rename_text")
                got = await tab.call(
                    f"{CHAT_STATE}.send", {"form": {"message": "m" * (MESSAGE_MAX + 1)}}, "/", fence=fence
                )
                assert (
                    got.last(CHAT_STATE, "error", "")
                    == "That message is too long (10,001 characters; at most 10,000)."
                )
                assert_untouched(engine, before, user.user_id, "chat box")
                await tab.call(
                    f"{THREADS_STATE}.start_rename", {"thread_id": user.thread_ids[0]}, "/", fence=fence
                )
                await tab.emit(
                    f"{THREADS_STATE}.set_rename_text", {"value": "q" * (THREAD_TITLE_MAX + 1)}, "/"
                )
                await tab.emit(f"{THREADS_STATE}.save_rename", {}, "/")
                # What the page sends after a sidebar change: it shows the change's error.
                got = await tab.call(f"{CHAT_STATE}.follow_sidebar", {}, "/")
                assert "at most 200" in got.last(CHAT_STATE, "error", ""), got.text()[:500]
                assert_untouched(engine, before, user.user_id, "rename")
                COUNTS.add(f"limits ({engine.dialect.name})", "chat box message", 1)
                COUNTS.add(f"limits ({engine.dialect.name})", "chat rename", 1)
            finally:
                await tab.close()

        run(scenario)
