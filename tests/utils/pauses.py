"""Count the pauses of a polling loop instead of timing it.

"Answered at once" means the loop read its row once and never slept. Counting the ``time.sleep``
calls of the module that polls tells that apart from a wait on any machine, where a stopwatch is
only as sure as the machine is idle.
"""

from __future__ import annotations

import time
from types import ModuleType, SimpleNamespace

import pytest


def record_pauses(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> list[float]:
    """Replace ``module``'s view of :mod:`time` with one whose ``sleep`` records and returns at once."""
    pauses: list[float] = []
    clock = SimpleNamespace(monotonic=time.monotonic, time=time.time, sleep=pauses.append)
    monkeypatch.setattr(module, "time", clock)
    return pauses
