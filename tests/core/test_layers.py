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


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(CORE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Line numbers inside `if TYPE_CHECKING:` blocks (imports there never run)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def core_imports(path: Path, known: set[str]) -> set[str]:
    """Core modules `path` imports when it runs, at the top or inside functions."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_only(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", 0) in skip:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called in ("import_module", "__import__"):
                targets = [str(node.args[0].value)]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            # Importing a.b.c runs a/__init__ and a/b/__init__ first; a module's own packages are
            # loaded before it runs, so they are not its dependencies.
            while target:
                if target in known and target != name and not name.startswith(f"{target}."):
                    found.add(target)
                target = target.rpartition(".")[0]
    return found


def test_core_modules_import_each_other_without_circles() -> None:
    """Module A importing B (even inside a function) while B imports A hides an ordering bug; the
    core's imports form a tree of layers instead."""
    paths = {_module_name(p): p for p in CORE.rglob("*.py")}
    graph = {name: core_imports(path, set(paths)) for name, path in paths.items()}
    circles = []
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for nxt in sorted(graph[name]):
            if state.get(nxt) == 1:
                circles.append(" -> ".join([*trail[trail.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert circles == []


def test_the_circle_scan_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    """The scan counts an import made inside a function as an edge of the graph."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "low.py").write_text("def later():\n    from .high import x\n", encoding="utf-8")
    (package / "high.py").write_text("from .low import later\n", encoding="utf-8")
    known = {"pkg", "pkg.low", "pkg.high"}
    global CORE
    saved, CORE = CORE, tmp_path / "dreamtree_desktop"
    try:
        assert core_imports(package / "low.py", known) == {"pkg.high"}
        assert core_imports(package / "high.py", known) == {"pkg.low"}
    finally:
        CORE = saved
