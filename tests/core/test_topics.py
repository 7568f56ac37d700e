"""Change topics: core operations declare them, the GUI worker publishes them."""

from __future__ import annotations

import ast
import pathlib

import pytest

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
    from dreamtree_desktop import accounts
    from dreamtree_desktop.portability.revisions import restore_revision
    from dreamtree_desktop.settings import complete_onboarding

    assert topic.declared_by(complete_onboarding) == {topic.SETTINGS}
    assert topic.declared_by(restore_revision) == topic.ALL
    for op in (accounts.claim, accounts.change_password, accounts.reset_password, accounts.set_lock_with_password):
        assert topic.declared_by(op) == topic.ACCOUNT_WRITE, op.__name__
    from dreamtree_desktop.sync import cloud_account

    assert topic.declared_by(cloud_account.cloud_claim) == topic.ALL
    assert topic.declared_by(cloud_account.login) == topic.ALL


def test_what_an_operation_declares_is_recorded_however_it_was_called(ctx: object) -> None:
    """The worker records per job: an operation called inside a front end's own function still
    reports its topics; one that fails reports nothing; outside a recording nothing happens."""
    from dreamtree_desktop.errors import UserInputError
    from dreamtree_desktop.settings import update_settings

    def front_end_wrapper() -> None:
        update_settings(ctx, text_size=18)

    with topic.recording() as found:
        front_end_wrapper()
    assert found == {topic.SETTINGS}
    with topic.recording() as found, pytest.raises(UserInputError):
        update_settings(ctx, text_size="huge")
    assert found == set()
    update_settings(ctx, text_size=16)  # nobody records: nothing to do


def test_an_applied_import_records_every_topic_and_a_preview_none(app: object, tmp_path: pathlib.Path) -> None:
    from dreamtree_desktop.context import UserContext
    from dreamtree_desktop.portability.catalog import Catalog
    from dreamtree_desktop.portability.exporter import export_document, seal_for_backup
    from dreamtree_desktop.portability.files import write_export_file
    from dreamtree_desktop.portability.importer import Options
    from dreamtree_desktop.portability.operation import load_import_file, run_import
    from dreamtree_desktop.settings import update_settings

    ctx = UserContext.from_app(app)  # type: ignore[arg-type]
    doc = export_document(ctx, Catalog.load(ctx.db))
    seal_for_backup(doc, ctx, lambda: "a-backup-password-42")
    path = tmp_path / "backup.json"
    write_export_file(path, doc)
    # The folder moves on after the backup, so the import has something to apply (an import of a
    # file that matches the folder changes nothing and records nothing).
    update_settings(ctx, text_size=19)
    with topic.recording() as found:
        run_import(app, load_import_file(path), Options(dry_run=True), lambda: "a-backup-password-42")  # type: ignore[arg-type]
    assert found == set()
    with topic.recording() as found:
        run_import(app, load_import_file(path), Options(force=True), lambda: "a-backup-password-42")  # type: ignore[arg-type]
    assert found >= topic.ALL


def test_a_write_through_a_tool_reloads_the_tools_that_show_its_rows() -> None:
    assert topic.tool("networking-prep") in topic.tool_write("job-prospector")
    assert topic.tool("job-prospector") in topic.tool_write("networking-prep")
    assert {topic.tool("career-options"), topic.tool("list-builder")} <= topic.tool_write("ranking-grid")
    assert topic.tool("networking-prep") not in topic.tool_write("budget-calculator")


def test_every_tool_write_declares_its_tool_topics() -> None:
    """A tool operation that checks the tool is unlocked before writing must say what it changes,
    or no open panel would reload; `ensure` only runs inside other writes."""
    import importlib

    missing = []
    checked = 0
    for path in sorted((ROOT / "dreamtree_desktop" / "tools").glob("*.py")):
        if path.name.startswith("_") or path.name == "registry.py":
            continue
        module = importlib.import_module(f"dreamtree_desktop.tools.{path.stem}")
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_") or node.name == "ensure":
                continue
            calls = {n.func.attr for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
            if "require_unlocked" not in calls:
                continue
            checked += 1
            expected = topic.tool_write(module.TOOL_ID)
            if topic.declared_by(getattr(module, node.name)) != expected:
                missing.append(f"{path.stem}.{node.name}")
    assert checked > 50
    assert missing == []
