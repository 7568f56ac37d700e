"""The core knows nothing of the GUI: no module under dreamtree_desktop/ imports ui, PySide6 or
shiboken6, at the top or inside a function, directly or through importlib."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "dreamtree_desktop"
FORBIDDEN = ("ui", "PySide6", "shiboken6")


def _forbidden(name: str) -> bool:
    return any(name == top or name.startswith(f"{top}.") for top in FORBIDDEN)


def gui_imports(path: Path) -> list[str]:
    """'line name' of every import of the GUI in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            # importlib.import_module("ui.x") / __import__("PySide6")
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            names = [str(node.args[0].value)] if called in ("import_module", "__import__") else []
        else:
            continue
        found += [f"{node.lineno} {name}" for name in names if _forbidden(name)]
    return found


def test_no_core_module_imports_the_gui() -> None:
    modules = sorted(CORE.rglob("*.py"))
    assert len(modules) > 50
    assert [f"{path.relative_to(CORE.parent)}:{hit}" for path in modules for hit in gui_imports(path)] == []


def test_the_scan_sees_lazy_and_indirect_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import importlib\n"
        "def later():\n"
        "    from ui.app import run\n"
        "    import PySide6.QtCore\n"
        "    importlib.import_module('ui.launch')\n"
        "    from uikit import x\n"
        "    from .ui import y\n",
        encoding="utf-8",
    )
    assert gui_imports(probe) == ["3 ui.app", "4 PySide6.QtCore", "5 ui.launch"]
