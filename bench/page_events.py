"""Benchmark: the database work of the chat page's two busiest events, in-process, without Reflex.

A turn ("show my tasks" in a new conversation, answered by the local agent) and a click on the
Complete button of the card it shows, each exactly as ``ChatState`` runs them in a database thread:
the token check and ``chat_session.begin_turn`` / ``chat_session.perform_action`` (``_as_user``).
Each of ``BENCH_PEOPLE`` people (default 60, after 5 uncounted) has one open task and does one turn
then one click. Prints the CPU time (``time.process_time``) p50 / p95 of each and the statements each
runs: what a page event costs the server before Reflex's own share (``bench/ws_load.py`` measures
the whole).

    .venv/bin/python bench/page_events.py
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<scratch> .venv/bin/python bench/page_events.py
    BENCH_PROFILE=/tmp/page_events.prof .venv/bin/python bench/page_events.py   # cProfile of the counted ones
"""

from __future__ import annotations

import cProfile
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='ticked-bench-')}/bench.db"
os.environ["AGENT_BACKEND"] = "local"
os.environ.setdefault("JWT_SECRET", "bench-jwt-secret-not-for-production")

import sqlalchemy as sa

import app.app  # noqa: F401 - the server imports everything at start-up; a served event never pays for it
from app import migrations
from app.core.db import get_engine, session_scope
from app.orchestration import chat_session
from app.services import auth
from app.services import tasks as task_service
from app.states.chat import _as_user
from tests.utils.widget_paths import complete_path

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "60"))
WARM_UP = 5


def main() -> None:
    migrations.upgrade()
    tokens = []
    for i in range(PEOPLE + WARM_UP):
        with session_scope() as session:
            user = auth.register(
                session, email=f"p{i}-{time.time_ns()}@example.com", password="bench-password-1"
            )
            task_service.create_task(session, user_id=user.id, data={"title": f"water the plants {i}"})
            tokens.append(auth.issue_token(session, user=user))
    ran = [0]
    sa.event.listen(get_engine(), "before_cursor_execute", lambda *_: ran.__setitem__(0, ran[0] + 1))
    path = complete_path()

    def one(token: str) -> tuple[float, float, int, int]:
        cpu, count = time.process_time(), ran[0]
        begun = _as_user(
            token, chat_session.begin_turn, text="show my tasks", thread_id=None, retry_id="", answer=True
        )
        assert begun is not None
        turn_cpu, turn_count = time.process_time() - cpu, ran[0] - count
        [card] = [w for view in begun[1].views for w in view.widgets]
        cpu, count = time.process_time(), ran[0]
        done = _as_user(
            token, chat_session.perform_action, widget_id=card.widget_id, path=path, version=card.version
        )
        if done is None or done[1].widget is None or done[1].error:
            raise SystemExit(f"the click did not land: {done}")
        return turn_cpu * 1000, (time.process_time() - cpu) * 1000, turn_count, ran[0] - count

    for token in tokens[:WARM_UP]:
        one(token)
    profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
    if profile:
        profile.enable()
    runs = [one(token) for token in tokens[WARM_UP:]]
    if profile:
        profile.disable()
        profile.dump_stats(os.environ["BENCH_PROFILE"])
    backend = get_engine().dialect.name
    for name, i in (("turn", 0), ("click", 1)):
        cpu = sorted(r[i] for r in runs)
        p95 = cpu[min(len(cpu) - 1, int(len(cpu) * 0.95))]
        print(
            f"{backend:<10} {name:<6} CPU p50 {statistics.median(cpu):5.1f} ms  p95 {p95:5.1f} ms  "
            f"statements {runs[0][i + 2]}  ({len(runs)} people)"
        )


if __name__ == "__main__":
    main()
