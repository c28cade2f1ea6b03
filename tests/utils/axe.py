"""axe-core in a page, and both colour modes on one page, for the browser tests' accessibility
and screenshot checks.

axe-core comes from npm (``make setup`` puts it in ``.tools/node_modules``). The pages' CSP allows
only their own hashed inline scripts, so a file that runs axe gives its browser context
``bypass_csp`` (nothing else there depends on it).

Colour modes: a new account's pages follow the system's colour scheme (the toggle's ``system``),
and they follow it live. So a test sets up its page once and, at each point worth checking, looks
at it in light and then in dark (:func:`each_mode`) instead of doing everything twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

AXE = Path(__file__).resolve().parents[2] / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
MODES = ("light", "dark")
SETTLE_MS = 400
"""Time for transitions (colour mode, dialogs, cards) to finish before colours are measured."""


def axe_violations(page: Page) -> list[dict]:
    """The page's serious and critical axe violations (every rule axe runs by default)."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make setup`")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    page.wait_for_timeout(SETTLE_MS)
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({
                    target: n.target.join(" "), html: n.html.slice(0, 200), summary: n.failureSummary,
                })),
            }));
        }"""
    )
    return [v for v in found if v["impact"] in SERIOUS]


def serious_violations(page: Page) -> str:
    """:func:`axe_violations` as a report, one line per finding with its elements; "" when none."""
    return "\n".join(
        f"{v['impact']} {v['id']} ({v['help']}): "
        + " | ".join(f"{n['target']} {n['html']} -- {n['summary']}" for n in v["nodes"])
        for v in axe_violations(page)
    )


def each_mode(page: Page, settle_ms: int = 250) -> Iterator[str]:
    """Switch the page to light, then to dark: yields each mode once ``<html>`` has it and the
    colours have settled. The page stays dark after."""
    for mode in MODES:
        page.emulate_media(color_scheme=mode)
        expect(page.locator("html")).to_have_class(mode)
        page.wait_for_timeout(settle_ms)
        yield mode
