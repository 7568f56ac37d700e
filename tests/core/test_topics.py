"""Change topics: core operations declare them, the GUI worker publishes them."""

from __future__ import annotations

import ast
import pathlib

from dreamtree_desktop import topics as topic

ROOT = pathlib.Path(__file__).resolve().parents[2]
NAMES = {topic.ANSWERS, topic.MODULES, topic.SETTINGS, topic.PROFILE, topic.DAILYDOS, topic.ACCOUNT}


def test_declared_topics_stack_and_are_read_back() -> None:
    @topic.causes(topic.ANSWERS)
    @topic.causes(topic.tool("flow-tracker"))
    def op() -> None:
        return None

    assert topic.declared_by(op) == {topic.ANSWERS, "tool:flow-tracker"}
    assert topic.declared_by(lambda: None) == frozenset()


def test_tool_write_reloads_the_tool_and_what_derives_from_it() -> None:
    assert topic.tool_write("budget-calculator") >= {"tool:budget-calculator", topic.ANSWERS}
    assert topic.any_tool({"settings", "tool:x"}) and not topic.any_tool({"settings"})


def test_ui_uses_the_constants_not_bare_strings() -> None:
    """A misspelt bare topic string never matches: the GUI must name topics through the module."""
    found = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword):
                targets = [node.arg]
            elif isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
                targets = [node.target.id]
            else:
                continue
            if not any(name and "topics" in name.lower() for name in targets):
                continue
            for inner in ast.walk(node.value):
                if isinstance(inner, ast.Constant) and isinstance(inner.value, str) and (
                        inner.value in NAMES or inner.value.startswith(topic.TOOL_PREFIX)):
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno}: {inner.value!r}")
    assert found == []


def test_core_operations_declare_what_they_change(ctx: object) -> None:
    from dreamtree_desktop.engine.workbook import Workbook
    from dreamtree_desktop.settings import update_settings

    assert topic.declared_by(update_settings) == {topic.SETTINGS}
    assert topic.declared_by(Workbook(ctx).answer) == topic.ANSWER_WRITE
    assert topic.declared_by(Workbook.skip) == topic.ANSWER_WRITE
