"""Earlier versions: every module version that an import, a sync or a restore replaced.

Pick one to see what would come back beside what is there now; Restore makes it current (the
current one is kept in turn, so Undo brings it straight back). Reading and restoring run on
the database worker (dreamtree_desktop.portability.revisions).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..services import AppServices
from ..widgets.banner import Banner
from ..widgets.scaffold import label

REASONS = {
    "sync": "replaced by a sync from another computer",
    "import": "replaced by an import",
    "restore": "replaced when an earlier version was restored",
    "claim": "replaced when this computer joined your account",
}
LABEL_KEYS = ("title", "name", "activity", "label", "text", "content", "company", "role", "statement",
              "skill_id", "competency_id")
SHORT_REASONS = {"sync": "from another computer", "import": "by an import", "restore": "by a restore",
                 "claim": "on joining your account"}


@dataclass(frozen=True)
class VersionRow:
    id: str
    module_id: str  # for a record: "table/id"
    title: str
    created_at: str
    reason: str
    exercises: int
    records: int
    kind: str = "module"  # or "record"


def _table_words(table: str) -> str:
    return table.removeprefix("user_").replace("_", " ").rstrip("s").capitalize()


def list_versions(ctx: Any) -> list[VersionRow]:
    """Every kept version, newest first: modules, and single records once the sync keeps them."""
    from dreamtree_desktop.engine.workbook import Workbook
    from dreamtree_desktop.portability.revisions import list_revisions

    titles = {m.id: m.title for m in Workbook(ctx).content.modules.values()}
    rows: list[VersionRow] = []
    for r in list_revisions(ctx):
        if getattr(r, "kind", "module") == "record":
            table = str(getattr(r, "table", ""))
            key = f"{table}/{getattr(r, 'row_id', '')}"
            rows.append(VersionRow(r.id, key, f"{_table_words(table)} (one entry)", r.created_at,
                                   r.reason, 0, 1, "record"))
        else:
            rows.append(VersionRow(r.id, str(r.module_id), titles.get(str(r.module_id), ""), r.created_at,
                                   r.reason, r.exercises, r.records))
    return rows


def _open_unit(ctx: Any, unit: dict[str, Any], catalog: Any, module_id: str) -> dict[str, Any]:
    """A copy of the unit with its personal fields readable (they stay sealed when locked)."""
    from dreamtree_desktop.portability import DocumentError
    from dreamtree_desktop.portability.personal import opener, transform, unit_fields

    unit = json.loads(json.dumps(unit))
    if ctx.has_data_key:
        # A field sealed under a key this folder no longer holds stays sealed: shown as "(sealed)".
        with contextlib.suppress(DocumentError):
            transform(unit_fields(unit, catalog, f"/modules/{module_id}"), ctx.user_id,
                      opener(ctx.data_key, ctx.user_id))
    return unit


def _value_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        if value.startswith('{"v":1,"iv"'):
            return "(sealed)"
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        value = parsed
    if isinstance(value, list):
        return ", ".join(_value_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value_text(v)}" for k, v in value.items() if v not in (None, ""))
    return str(value)


def describe_unit(unit: dict[str, Any] | None, prompts: dict[str, str]) -> str:
    """A module version as plain text: answers by question, then records and settings."""
    if not unit:
        return "(nothing: this section was empty)"
    lines: list[str] = []
    stamp = unit.get("last_modified_at")
    if stamp:
        from ..sync.indicator import when_text

        lines.append(f"Last changed {when_text(stamp)}")
        lines.append("")
    rows = unit.get("rows", {})
    for record in sorted(rows.get("user_responses", []), key=lambda r: str(r.get("prompt_id"))):
        question = prompts.get(str(record.get("prompt_id")), str(record.get("prompt_id")))
        lines.append(question)
        lines.append("    " + _value_text(record.get("response_text")))
    for table, records in sorted(rows.items()):
        if table == "user_responses" or not records:
            continue
        name = table.removeprefix("user_").replace("_", " ")
        lines.append(f"{name.capitalize()} ({len(records)})")
        for record in records[:30]:
            text = next((record[k] for k in LABEL_KEYS if record.get(k) not in (None, "")), None)
            lines.append("    • " + (_value_text(text) if text is not None else "(an entry)"))
    for _table, columns in sorted(unit.get("columns", {}).items()):
        for column, value in columns.items():
            if value is not None:
                lines.append(f"{column.replace('_', ' ').capitalize()}: {_value_text(value)}")
    return "\n".join(lines) if lines else "(no answers)"


def _open_record(ctx: Any, table: str, record: dict[str, Any], catalog: Any) -> dict[str, Any]:
    from dreamtree_desktop.portability import DocumentError
    from dreamtree_desktop.portability.personal import opener, rows_fields, transform

    rows = {table: [json.loads(json.dumps(record))]}
    if ctx.has_data_key:
        with contextlib.suppress(DocumentError):
            transform(rows_fields(rows, catalog, "/record"), ctx.user_id, opener(ctx.data_key, ctx.user_id))
    return rows[table][0]


def describe_record(record: dict[str, Any] | None) -> str:
    if not record:
        return "(nothing: this entry is not there now)"
    from ..sync.indicator import when_text

    skip = {"id", "user_id", "content_hash", "origin", "created_at", "updated_at"}
    lines = [f"Last changed {when_text(record['updated_at'])}", ""] if record.get("updated_at") else []
    lines += [f"{key.replace('_', ' ').capitalize()}: {_value_text(value)}"
              for key, value in sorted(record.items()) if key not in skip and value not in (None, "", [], {})]
    return "\n".join(lines) or "(empty)"


def _find_record(doc: dict[str, Any], table: str, row_id: str) -> dict[str, Any] | None:
    places = [doc["standalone"].get(table, [])] + [u["rows"].get(table, []) for u in doc["modules"].values()]
    return next((r for records in places for r in records if r.get("id") == row_id), None)


def preview(ctx: Any, revision_id: str) -> tuple[str, str]:
    """(the earlier version, what is there now) as text."""
    from dreamtree_desktop.engine.workbook import Workbook
    from dreamtree_desktop.portability import Catalog, export_document
    from dreamtree_desktop.portability.revisions import get_revision

    info, unit = get_revision(ctx, revision_id)
    catalog = Catalog.load(ctx.db)
    doc = export_document(ctx, catalog, allow_pending=True)
    module_id = info.module_id
    if info.kind == "record" or module_id is None:  # only a record's version names no module
        table, record = str(unit["table"]), unit["record"]
        now_record = _find_record(doc, table, str(record.get("id")))
        return (describe_record(_open_record(ctx, table, record, catalog)),
                describe_record(_open_record(ctx, table, now_record, catalog) if now_record else None))
    current = doc["modules"].get(module_id)
    prompts = {pid: p.text for pid, p in Workbook(ctx).content.prompts.items()}
    earlier = describe_unit(_open_unit(ctx, unit, catalog, module_id), prompts)
    now = describe_unit(_open_unit(ctx, current, catalog, module_id) if current else None, prompts)
    return earlier, now


def restore(ctx: Any, app: Any, revision_id: str) -> tuple[str, str | None]:
    """Restore; returns what came back (a module id, or "table/id") and the id of the version it
    replaced, kept just now (for Undo)."""
    from dreamtree_desktop.portability.revisions import restore_revision

    restored = restore_revision(ctx, revision_id, app.backup_dir, app.keys.db_key)
    replaced = [r for r in list_versions(ctx) if r.module_id == restored and r.reason == "restore"]
    return restored, replaced[0].id if replaced else None


class VersionsDialog(QDialog):
    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.rows: list[VersionRow] = []
        self.undo_id: str | None = None
        self.loaded = False
        self.setWindowTitle("Earlier versions")
        self.resize(980, 620)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        layout.addWidget(label("Earlier versions", "h2"))
        layout.addWidget(label("When an import or a sync from another computer replaces a section of your "
                               "workbook, the version it replaced is kept here. Pick one to compare it with "
                               "what is there now, and bring it back if you want it.", "body"))
        self.banner = Banner(self)
        self.banner.action_clicked.connect(self.undo)
        layout.addWidget(self.banner)
        self.empty = label("There are no earlier versions: nothing has been replaced.", "muted")
        self.empty.hide()
        layout.addWidget(self.empty)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.list = QListWidget()
        self.list.setAccessibleName("Earlier versions")
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.currentRowChanged.connect(self._selected)
        splitter.addWidget(self.list)
        panes = QWidget()
        pane_row = QHBoxLayout(panes)
        pane_row.setContentsMargins(0, 0, 0, 0)
        self.earlier = self._pane(pane_row, "This earlier version")
        self.current = self._pane(pane_row, "What is there now")
        splitter.addWidget(panes)
        splitter.setSizes([320, 640])
        layout.addWidget(splitter, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.accept)
        self.restore_button = QPushButton("Restore this version")
        self.restore_button.setProperty("primary", True)
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self.restore_selected)
        row.addWidget(self.close_button)
        row.addWidget(self.restore_button)
        layout.addLayout(row)

    @staticmethod
    def _pane(row: QHBoxLayout, title: str) -> QPlainTextEdit:
        column = QVBoxLayout()
        column.addWidget(label(title, "h3"))
        text = QPlainTextEdit()
        text.setReadOnly(True)
        text.setAccessibleName(title)
        column.addWidget(text, 1)
        row.addLayout(column, 1)
        return text

    def reload(self, select: str | None = None) -> None:
        self.services.worker.submit(list_versions, on_done=lambda rows: self._show(rows, select),
                                    on_error=self.banner.show_error)

    def _show(self, rows: list[VersionRow], select: str | None) -> None:
        from ..sync.indicator import when_text

        self.rows = rows
        self.loaded = True
        self.list.clear()
        for r in rows:
            name = r.title if r.kind == "record" else f"{r.module_id} {r.title}"
            item = QListWidgetItem(f"{name}\n{when_text(r.created_at)} · replaced "
                                   f"{SHORT_REASONS.get(r.reason, r.reason)}")
            item.setToolTip(f"{REASONS.get(r.reason, r.reason).capitalize()}; {r.exercises} exercises, "
                            f"{r.records} records")
            self.list.addItem(item)
        self.empty.setVisible(not rows)
        index = next((i for i, r in enumerate(rows) if r.module_id == select), 0) if rows else -1
        self.list.setCurrentRow(index)
        if not rows:
            self.earlier.clear()
            self.current.clear()
            self.restore_button.setEnabled(False)

    def _selected(self, index: int) -> None:
        self.restore_button.setEnabled(0 <= index < len(self.rows))
        if not 0 <= index < len(self.rows):
            return
        revision_id = self.rows[index].id

        def show(texts: tuple[str, str]) -> None:
            if self.selected_id() == revision_id:
                self.earlier.setPlainText(texts[0])
                self.current.setPlainText(texts[1])

        self.services.worker.submit(preview, revision_id, on_done=show, on_error=self.banner.show_error)

    def selected_id(self) -> str | None:
        index = self.list.currentRow()
        return self.rows[index].id if 0 <= index < len(self.rows) else None

    def restore_selected(self) -> None:
        revision_id = self.selected_id()
        if revision_id is None:
            return
        self.restore_button.setEnabled(False)
        self.services.worker.submit(restore, self.services.app_data, revision_id, on_done=self._restored,
                                    on_error=self.banner.show_error)

    def _restored(self, result: tuple[str, str | None]) -> None:
        module_id, self.undo_id = result
        row = next((r for r in self.rows if r.module_id == module_id), None)
        name = module_id if row is None else row.title if row.kind == "record" else f"{module_id} {row.title}"
        self.banner.show_message(f"Restored {name}.",
                                 "The version it replaced is kept here too.", kind="success",
                                 action="Undo" if self.undo_id else None)
        self.reload(select=module_id)

    def undo(self) -> None:
        if self.undo_id is None:
            return
        undo_id, self.undo_id = self.undo_id, None

        def undone(result: tuple[str, str | None]) -> None:
            self.banner.show_message(f"Undone: {result[0]} is back as it was.", kind="success")
            self.reload(select=result[0])

        self.services.worker.submit(restore, self.services.app_data, undo_id, on_done=undone,
                                    on_error=self.banner.show_error)
