"""Every icon name a widget may carry renders as a Lucide icon: the models' names -> ``ICON_MAP`` ->
the renderer's compiled ``switch`` in ``app/components/widget.py`` -> a lucide-react module.

The renderer is compiled in a child process: building Reflex components in the test process
leaves Reflex's compiler state behind, and a later in-process production build (the e2e harness)
then skipped writing ``.web/app_components/app/components/widget.jsx``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from app.core.config import PROJECT_ROOT
from app.views.widget import ICON_MAP, to_view
from app.widgets.models import ICON_NAMES
from app.widgets.validate import dump, validate_widget
from tests.utils.server import build_lock

_PROBE = r"""
import json, re
import reflex as rx
from reflex_components_lucide.icon import LUCIDE_ICON_FILENAME_OVERRIDE, LUCIDE_ICON_LIST
from app.components.widget import _icon

component = _icon(rx.Var.create("check").to(str))
aliases = {
    imp.alias: imp.package_path
    for lib, imps in component._get_all_imports().items()
    if lib.startswith("lucide-react")
    for imp in imps
}
cases = re.findall(r'case JSON\.stringify\("([^"]+)"\):\s*return jsx\((\w+),', str(component.children[0]))
print(json.dumps({
    "rendered": {name: aliases.get(alias, f"<{alias}>") for name, alias in cases},
    "lucide": sorted(LUCIDE_ICON_LIST),
    "file_names": dict(LUCIDE_ICON_FILENAME_OVERRIDE),
}))
"""


@pytest.fixture(scope="module")
def compiled() -> dict[str, Any]:
    """What the icon renderer compiles to (icon name -> the lucide-react module its case imports),
    Reflex's Lucide list and its file-name overrides."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _card(*children: dict[str, Any]) -> dict[str, Any]:
    return dump(validate_widget({"type": "Card", "children": list(children)}))


def test_every_accepted_icon_name_is_mapped_to_a_lucide_icon(compiled: dict[str, Any]) -> None:
    assert sorted(ICON_MAP) == sorted(ICON_NAMES)
    lucide = set(compiled["lucide"])
    unknown = {name: icon for name, icon in ICON_MAP.items() if icon.replace("-", "_") not in lucide}
    assert unknown == {}, "not in Reflex's Lucide icon list"


@pytest.mark.parametrize("name", ICON_NAMES)
def test_every_accepted_icon_renders(name: str, compiled: dict[str, Any]) -> None:
    payload = _card(
        {"type": "Icon", "name": name},
        {"type": "Button", "label": "b", "iconStart": name, "iconEnd": name},
    )
    icon, button = to_view(payload, widget_id="w", version=0).children
    lucide = ICON_MAP[name]
    assert (icon.icon, button.icon, button.icon_end) == (lucide, lucide, lucide)
    file_name = compiled["file_names"].get(lucide.replace("-", "_"), lucide)
    rendered = compiled["rendered"].get(lucide)
    assert rendered == f"/dist/esm/icons/{file_name}.mjs", f"{name} ({lucide}) renders nothing"


def test_icon_modules_exist_in_the_installed_lucide_react(compiled: dict[str, Any]) -> None:
    package = PROJECT_ROOT / ".web" / "node_modules" / "lucide-react"
    with build_lock():  # a browser-test run started beside this one may be making the build now
        if not (package / "dist" / "esm" / "icons").is_dir():
            pytest.skip("the frontend is not built (.web/node_modules)")
        missing = sorted(p for p in compiled["rendered"].values() if not (package / p.lstrip("/")).is_file())
    assert missing == []
