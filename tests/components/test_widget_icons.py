"""Every icon name a widget may carry renders as a Lucide icon: the models' names -> ``ICON_MAP`` ->
the renderer's compiled ``switch`` in ``app/components/widget.py`` -> a lucide-react module."""

from __future__ import annotations

import re
from typing import Any

import pytest
import reflex as rx
from reflex_components_lucide.icon import LUCIDE_ICON_FILENAME_OVERRIDE, LUCIDE_ICON_LIST

from app.components.widget import _icon
from app.core.config import PROJECT_ROOT
from app.widgets.models import ICON_NAMES
from app.widgets.validate import dump, validate_widget
from app.widgets.view import ICON_MAP, to_view

_CASE = re.compile(r'case JSON\.stringify\("([^"]+)"\):\s*return jsx\((\w+),')


def _rendered() -> dict[str, str]:
    """What the icon renderer compiles to: icon name -> the lucide-react module its case imports."""
    component = _icon(rx.Var.create("check").to(str))
    aliases = {
        imp.alias: imp.package_path
        for lib, imps in component._get_all_imports().items()
        if lib.startswith("lucide-react")
        for imp in imps
    }
    cases = _CASE.findall(str(component.children[0]))
    return {name: aliases.get(alias, f"<{alias}>") for name, alias in cases}


def _card(*children: dict[str, Any]) -> dict[str, Any]:
    return dump(validate_widget({"type": "Card", "children": list(children)}))


def test_every_accepted_icon_name_is_mapped_to_a_lucide_icon() -> None:
    assert sorted(ICON_MAP) == sorted(ICON_NAMES)
    lucide = set(LUCIDE_ICON_LIST)
    unknown = {name: icon for name, icon in ICON_MAP.items() if icon.replace("-", "_") not in lucide}
    assert unknown == {}, "not in Reflex's Lucide icon list"


@pytest.mark.parametrize("name", ICON_NAMES)
def test_every_accepted_icon_renders(name: str) -> None:
    payload = _card(
        {"type": "Icon", "name": name},
        {"type": "Button", "label": "b", "iconStart": name, "iconEnd": name},
    )
    icon, button = to_view(payload, widget_id="w", version=0).children
    lucide = ICON_MAP[name]
    assert (icon.icon, button.icon, button.icon_end) == (lucide, lucide, lucide)
    file_name = LUCIDE_ICON_FILENAME_OVERRIDE.get(lucide.replace("-", "_"), lucide)
    assert _rendered().get(lucide) == f"/dist/esm/icons/{file_name}.mjs", f"{name} ({lucide}) renders nothing"


def test_icon_modules_exist_in_the_installed_lucide_react() -> None:
    package = PROJECT_ROOT / ".web" / "node_modules" / "lucide-react"
    if not (package / "dist" / "esm" / "icons").is_dir():
        pytest.skip("the frontend is not built (.web/node_modules)")
    missing = sorted(path for path in _rendered().values() if not (package / path.lstrip("/")).is_file())
    assert missing == []
