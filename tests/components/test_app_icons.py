"""The favicon, home-screen icons and web app manifest in ``assets/`` (served from the root, linked
from every page's head by ``app/app.py``): present, the sizes they claim, and what a phone needs
to install the app."""

from __future__ import annotations

import json
import struct

from app.core.config import PROJECT_ROOT

ASSETS = PROJECT_ROOT / "assets"


def png_size(name: str) -> tuple[int, int]:
    data = (ASSETS / name).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", name
    assert data[12:16] == b"IHDR", name
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_manifest_names_the_app_and_its_icons() -> None:
    manifest = json.loads((ASSETS / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["name"] == "Ticked"
    assert manifest["short_name"] == "Ticked"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#")
    assert manifest["background_color"].startswith("#")
    pngs = {icon["sizes"]: icon["src"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert set(pngs) == {"192x192", "512x512"}
    for sizes, src in pngs.items():
        assert src.startswith("/")
        width, height = png_size(src.removeprefix("/"))
        assert f"{width}x{height}" == sizes


def test_favicons_are_real_images() -> None:
    assert png_size("apple-touch-icon.png") == (180, 180)
    svg = (ASSETS / "favicon.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg")
    assert "viewBox" in svg
    ico = (ASSETS / "favicon.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1)
    sizes = set()
    for i in range(count):
        width, _, _, _, _, _, length, offset = struct.unpack("<BBBBHHII", ico[6 + 16 * i : 22 + 16 * i])
        assert ico[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"
        assert offset + length <= len(ico)
        sizes.add(width)
    assert {16, 32} <= sizes
