"""The PyInstaller spec, read as source (PyInstaller itself runs in packaging/build, not here)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from dreamtree_desktop import assets

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "dreamtree.spec"


def spec_constant(name: str) -> object:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    for node in tree.body:
        targets = [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
        if isinstance(node, ast.Assign) and name in targets:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned in {SPEC.name}")


def dropped(path: str) -> bool:
    patterns = spec_constant("DROP_PATTERNS")
    assert isinstance(patterns, list)
    return re.search("|".join(patterns), "/" + path) is not None


def test_spec_bundles_seed_data_and_resources() -> None:
    text = SPEC.read_text(encoding="utf-8")
    assert '(str(ROOT / "seed_data"), "seed_data")' in text
    assert '(str(ROOT / "resources"), "resources")' in text
    # Subcommands and pages are imported by name, so both packages are collected whole.
    assert 'collect_submodules("dreamtree_desktop")' in text
    assert 'collect_submodules("ui")' in text
    assert (ROOT / "packaging" / "launch.py").is_file()


def test_spec_keeps_the_qt_parts_the_app_needs() -> None:
    for path in (
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
        "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
        "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
        "PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so",
        "PySide6/Qt/lib/libQt6Core.so.6",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "PySide6/Qt/lib/libQt6Svg.so.6",
        "PySide6/Qt/lib/libQt6DBus.so.6",
        "PySide6/Qt/lib/libQt6XcbQpa.so.6",
        "PySide6/Qt/lib/libQt6WaylandClient.so.6",
        "seed_data/workbook/1.1.toml",
        "resources/fonts/inter/inter-latin-400-normal.woff2",
    ):
        assert not dropped(path), path


def test_spec_leaves_out_what_the_app_does_not_use() -> None:
    for path in (
        "PySide6/Qt/lib/libQt6WebEngineCore.so.6",
        "PySide6/Qt/lib/libQt6Qml.so.6",
        "PySide6/Qt/lib/libQt6Quick.so.6",
        "PySide6/Qt/lib/libQt63DCore.so.6",
        "PySide6/Qt/lib/libQt6Multimedia.so.6",
        "PySide6/Qt/plugins/qmltooling/libqmldbg_debugger.so",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/translations/qtbase_de.qm",
    ):
        assert dropped(path), path


def test_no_code_imports_a_qt_module_the_spec_leaves_out() -> None:
    unused = spec_constant("UNUSED_QT_MODULES")
    assert isinstance(unused, tuple) and "QtWebEngineCore" in unused and "QtQuick" in unused
    offenders = []
    for folder in ("ui", "dreamtree_desktop"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                for name in names:
                    parts = name.split(".")
                    if parts[0] == "PySide6" and len(parts) > 1 and parts[1] in unused:
                        offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == [], "the frozen bundle would lack these; update packaging/dreamtree.spec"


def test_assets_find_the_checkout_and_the_frozen_bundle(tmp_path: Path, monkeypatch) -> None:
    assert (assets.seed_data_dir() / "workbook").is_dir()
    assert assets.resource("qss", "app.qss").is_file()
    # PyInstaller sets sys._MEIPASS to the bundle's data folder (_internal).
    monkeypatch.setattr(assets.sys, "_MEIPASS", str(tmp_path), raising=False)
    assert assets.base_dir() == tmp_path
    assert assets.seed_data_dir() == tmp_path / "seed_data"
    assert assets.resource("icons", "app.svg") == tmp_path / "resources" / "icons" / "app.svg"
