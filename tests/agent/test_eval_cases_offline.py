"""The shared acceptance cases (agent-eval/cases.json), replayed in-process on several fixed days.

They live outside the repository (``../shared/agent-eval``): without them these tests skip, except
under ``CI=true``, where the score test fails.

Three days cover the date edge cases: a plain Wednesday, a Friday that is also 5 December
("by friday" and "december 5" may mean today), and a Sunday near the year's end.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.agent.eval_replay import CASES_FILE, load_cases, run_case
from tests.conftest import IN_CI

CASES = load_cases()
DAYS = [dt.date(2025, 11, 19), dt.date(2025, 12, 5), dt.date(2025, 12, 28)]


@pytest.mark.skipif(not CASES, reason="the shared agent-eval cases are not available")
@pytest.mark.parametrize("today", DAYS, ids=[d.isoformat() for d in DAYS])
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_eval_case_offline_passes(case: dict, today: dt.date) -> None:
    problems = run_case(case, today)
    assert not problems, "\n".join(problems)


def test_eval_cases_offline_score_is_perfect() -> None:
    """Skips without the shared cases (a clone on its own), except under ``CI=true``, where it fails."""
    if not CASES:
        reason = f"the shared agent-eval cases are not available: {CASES_FILE} is missing"
        if IN_CI:
            pytest.fail(reason + " (CI=true: the cases must run)")
        pytest.skip(reason)
    today = DAYS[0]
    failed = [c["id"] for c in CASES if run_case(c, today)]
    print(f"offline replay score: {len(CASES) - len(failed)}/{len(CASES)}")
    assert not failed
