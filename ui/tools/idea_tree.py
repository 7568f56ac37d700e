"""Idea tree: a mind map of word associations (one root word, then 3, 9 and 27 branches).

The map is a QGraphicsView: the root in the middle, first branches split to the right and left,
each branch's words further out. Keyboard: Tab adds a branch under the selected word, Enter a
sibling, F2 renames, Delete removes the word and everything under it (Undo in the banner), arrow
keys move the selection. Ctrl+wheel (or Ctrl+= / Ctrl+-) zooms, dragging the background pans.

Words are shared between trees (the core keeps one node per word); a word that also grows in
another tree carries a small marker.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetrics,
    QKeyEvent,
    QPainterPath,
    QPen,
)
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsPathItem,
    QGraphicsScene,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import edits
from dreamtree_desktop.tools import idea_trees as api

from ..services import AppServices
from ..theme import mix
from ._base import ToolPanel, field_error_label
from .mindmap import MindMapView, NodeItem, Placed, layout_tree
from .read_only import browse_only


# -- data on the worker ------------------------------------------------------------------------------
def _load(ctx: UserContext, tree_id: str | None) -> dict[str, Any]:
    trees = api.list_trees(ctx)
    chosen = next((t for t in trees if t["id"] == tree_id), trees[-1] if trees else None)
    out: dict[str, Any] = {"trees": trees, "tree": None, "root": None, "levels": [], "shared": {}}
    if chosen is not None:
        out["tree"] = chosen
        out["root"] = api.tree(ctx, chosen["id"])
        out["levels"] = api.levels(ctx, chosen["id"])
        out["shared"] = {s["id"]: s["trees"] for s in api.shared_nodes(ctx)}
    return out



class IdeaTreePanel(ToolPanel):
    tool_id = "idea-tree"
    locked_hint = "Answer that exercise in the workbook to grow trees here."

    root_error: QLabel  # an error label, made after the fields that hide it
    word_error: QLabel  # an error label, made after the fields that hide it

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.trees: list[dict[str, Any]] = []
        self.tree: dict[str, Any] | None = None
        self.root: dict[str, Any] | None = None
        self.shared: dict[str, int] = {}
        self.placed: dict[str, Placed] = {}
        self.levels: list[dict[str, Any]] = []
        self._drawn_tree: str | None = None
        self.current_id: str | None = None
        self.select_after: str | None = None  # node id, or "text:<word>" after a rename
        self._edit: tuple[str, str] | None = None  # (mode, node id) while the word editor is open
        self._tree_mode = ""
        body = self.body_layout

        top = QHBoxLayout()
        label = QLabel("Tree", self.body)
        top.addWidget(label)
        self.picker = QComboBox(self.body)
        browse_only(self.picker)
        self.picker.setAccessibleName("Your idea trees")
        self.picker.setMinimumContentsLength(12)
        self.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.picker.currentIndexChanged.connect(self._picked)
        label.setBuddy(self.picker)
        top.addWidget(self.picker, 1)
        body.addLayout(top)
        actions = QHBoxLayout()
        self.new_button = QPushButton("New tree", self.body)
        self.new_button.clicked.connect(lambda: self.open_tree_form("new"))
        actions.addWidget(self.new_button)
        self.rename_tree_button = QPushButton("Name", self.body)
        self.rename_tree_button.setAccessibleName("Name this tree")
        self.rename_tree_button.clicked.connect(lambda: self.open_tree_form("name"))
        actions.addWidget(self.rename_tree_button)
        self.delete_tree_button = QPushButton("Delete tree", self.body)
        self.delete_tree_button.setAccessibleName("Delete this tree")
        self.delete_tree_button.clicked.connect(self.delete_tree)
        actions.addWidget(self.delete_tree_button)
        actions.addStretch(1)
        body.addLayout(actions)

        self.tree_form = QWidget(self.body)
        form = QVBoxLayout(self.tree_form)
        form.setContentsMargins(0, 0, 0, 0)
        form.setSpacing(4)
        self.root_caption = QLabel("Root word", self.tree_form)
        form.addWidget(self.root_caption)
        self.root_edit = QLineEdit(self.tree_form)
        self.root_edit.setAccessibleName("Root word")
        self.root_edit.setPlaceholderText("One word or short phrase, e.g. “gardens”")
        self.root_edit.setMaxLength(api.MAX_NODE_TEXT)
        self.root_edit.textChanged.connect(lambda: self.root_error.hide())
        self.root_edit.returnPressed.connect(self.save_tree_form)
        self.root_caption.setBuddy(self.root_edit)
        form.addWidget(self.root_edit)
        self.root_error = field_error_label(self.tree_form)
        form.addWidget(self.root_error)
        name_caption = QLabel("Tree name (optional)", self.tree_form)
        form.addWidget(name_caption)
        self.name_edit = QLineEdit(self.tree_form)
        self.name_edit.setAccessibleName("Tree name")
        self.name_edit.setMaxLength(500)
        self.name_edit.returnPressed.connect(self.save_tree_form)
        name_caption.setBuddy(self.name_edit)
        form.addWidget(self.name_edit)
        form_buttons = QHBoxLayout()
        self.tree_save = QPushButton("Plant tree", self.tree_form)
        self.tree_save.setProperty("primary", True)
        self.tree_save.clicked.connect(self.save_tree_form)
        form_buttons.addWidget(self.tree_save)
        cancel = QPushButton("Cancel", self.tree_form)
        cancel.clicked.connect(self.close_tree_form)
        form_buttons.addWidget(cancel)
        form_buttons.addStretch(1)
        form.addLayout(form_buttons)
        self.tree_form.hide()
        body.addWidget(self.tree_form)

        self.levels_label = QLabel(self.body)
        self.levels_label.setWordWrap(True)
        self.levels_label.setTextFormat(Qt.TextFormat.RichText)
        body.addWidget(self.levels_label)

        self.scene = QGraphicsScene(self)
        self.view = MindMapView(self.body)
        self.view.setScene(self.scene)
        self.view.setMinimumHeight(360)
        self.view.command.connect(self._command)
        self.scene.selectionChanged.connect(self._selection_changed)
        body.addWidget(self.view, 1)
        self.empty = QLabel("Plant a tree: choose “New tree” and write a root word.", self.body)
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        body.addWidget(self.empty)

        self.editor = QWidget(self.body)
        editor = QVBoxLayout(self.editor)
        editor.setContentsMargins(0, 0, 0, 0)
        editor.setSpacing(4)
        self.editor_caption = QLabel(self.editor)
        self.editor_caption.setWordWrap(True)
        editor.addWidget(self.editor_caption)
        row = QHBoxLayout()
        self.word_edit = QLineEdit(self.editor)
        self.word_edit.setAccessibleName("Word")
        self.word_edit.setMaxLength(api.MAX_NODE_TEXT)
        self.word_edit.returnPressed.connect(self.commit_word)
        self.word_edit.textChanged.connect(lambda: self.word_error.hide())
        self.word_edit.installEventFilter(self)
        self.editor_caption.setBuddy(self.word_edit)
        row.addWidget(self.word_edit, 1)
        self.word_ok = QPushButton("Add", self.editor)
        self.word_ok.setProperty("primary", True)
        self.word_ok.clicked.connect(self.commit_word)
        row.addWidget(self.word_ok)
        word_cancel = QPushButton("Cancel", self.editor)
        word_cancel.clicked.connect(self.close_editor)
        row.addWidget(word_cancel)
        editor.addLayout(row)
        self.word_error = field_error_label(self.editor)
        editor.addWidget(self.word_error)
        self.editor.hide()
        body.addWidget(self.editor)

        tools = QHBoxLayout()
        tools.setSpacing(6)
        self.child_button = QPushButton("Branch", self.body)
        self.child_button.setToolTip("Tab")
        self.child_button.setAccessibleName("Add a branch under the selected word")
        self.child_button.clicked.connect(lambda: self._command("child"))
        tools.addWidget(self.child_button)
        self.sibling_button = QPushButton("Sibling", self.body)
        self.sibling_button.setToolTip("Enter")
        self.sibling_button.setAccessibleName("Add a word beside the selected word")
        self.sibling_button.clicked.connect(lambda: self._command("sibling"))
        tools.addWidget(self.sibling_button)
        self.rename_button = QPushButton("Rename", self.body)
        self.rename_button.setToolTip("F2")
        self.rename_button.setAccessibleName("Rename the selected word")
        self.rename_button.clicked.connect(lambda: self._command("rename"))
        tools.addWidget(self.rename_button)
        self.delete_button = QPushButton("Delete", self.body)
        self.delete_button.setToolTip("Delete")
        self.delete_button.setAccessibleName("Delete the selected word and its branches")
        self.delete_button.clicked.connect(lambda: self._command("delete"))
        tools.addWidget(self.delete_button)
        for button in (self.child_button, self.sibling_button, self.rename_button, self.delete_button):
            button.setStyleSheet("padding-left: 10px; padding-right: 10px;")
        tools.addStretch(1)
        body.addLayout(tools)
        zoom = QHBoxLayout()
        self.hint = QLabel("Tab: branch · Enter: sibling · F2: rename · Delete: remove · arrows: move · "
                           "Ctrl+wheel: zoom · drag: pan", self.body)
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        zoom.addWidget(self.hint, 1)
        self.fit_button = QPushButton("Fit", self.body)
        self.fit_button.setAccessibleName("Zoom to fit the whole tree")
        self.fit_button.clicked.connect(self.view.fit)
        zoom.addWidget(self.fit_button)
        body.addLayout(zoom)
        self.legend = QLabel(self.body)
        self.legend.setProperty("role", "muted")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        body.addWidget(self.legend)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        if self.origin is not None:
            self.done_button = QPushButton("Done", self.body)
            self.done_button.clicked.connect(self.done)
            buttons.addWidget(self.done_button)
            body.addLayout(buttons)
        self._write_widgets = [
            self.new_button, self.rename_tree_button, self.delete_tree_button, self.child_button,
            self.sibling_button, self.rename_button, self.delete_button]
        services.theme.changed.connect(self._restyle)
        self._restyle()
        self._show()
        self.check_unlocked()
        self.refresh()

    def _restyle(self) -> None:
        p = self.services.theme.palette
        self.view.setStyleSheet(f"QGraphicsView {{ border: 1px solid {p.border}; border-radius: 8px; }}"
                                f"QGraphicsView:focus {{ border: 2px solid {p.focus}; }}")
        self._draw(fit=False)

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(_load, self.current_id, on_done=self._loaded)

    def _loaded(self, data: dict[str, Any]) -> None:
        self.trees = data["trees"]
        self.tree = data["tree"]
        self.root = data["root"]
        self.shared = data["shared"]
        self.levels = data["levels"]
        previous = self._drawn_tree
        self.current_id = self.tree["id"] if self.tree else None
        self._drawn_tree = self.current_id
        self.picker.blockSignals(True)
        self.picker.clear()
        for t in self.trees:
            label = t["name"] or t["root_text"] or "Untitled tree"
            words = f"{t['node_count']} word{'s' if t['node_count'] != 1 else ''}"
            self.picker.addItem(f"{label} ({words})", t["id"])
        self.picker.setCurrentIndex(max(0, self.picker.findData(self.current_id)))
        self.picker.blockSignals(False)
        keep = self.view.selected_id() if previous == self.current_id else None
        self._show()
        # A new tree, or a grown one the person has not zoomed by hand: show all of it.
        self._draw(fit=previous != self.current_id or self.view.auto_fit)
        target = self.select_after or keep
        self.select_after = None
        if target and target.startswith("text:"):
            word = target[5:].casefold()
            target = next((p.id for p in self.placed.values() if p.text.casefold() == word), None)
        if target not in self.placed and self.root is not None:
            target = self.root["id"]
        self.view.select(target)

    def set_editable(self, editable: bool) -> None:
        super().set_editable(editable)
        if not editable:
            self.close_editor()

    def _picked(self, index: int) -> None:
        tree_id = self.picker.itemData(index)
        if tree_id and tree_id != self.current_id:
            self.current_id = tree_id
            self.close_editor()
            self.refresh()

    def _show(self) -> None:
        has = self.tree is not None
        self.view.setVisible(has)
        self.empty.setVisible(not has)
        self.levels_label.setVisible(has)
        self.hint.setVisible(has)
        self.fit_button.setVisible(has)
        for widget in (self.rename_tree_button, self.delete_tree_button, self.child_button,
                       self.sibling_button, self.rename_button, self.delete_button):
            widget.setEnabled(has and not self.locked)
        if has:
            parts = []
            for level in self.levels:
                if level["depth"] == 0:
                    continue
                if level["target"] is None:
                    parts.append(f"ring {level['depth']}: {level['count']}")
                    continue
                tick = " ✓" if level["met"] else ""
                parts.append(f"ring {level['depth']}: {level['count']} of {level['target']}{tick}")
            self.levels_label.setText("<b>Branches</b> — " + " · ".join(parts))
            self.levels_label.setAccessibleName("Branches: " + ", ".join(parts))
        shared_here = sum(1 for node_id in self.placed if self.shared.get(node_id, 0) > 1)
        colour = self.services.theme.palette.warning
        self.legend.setText(f"<span style='color:{colour}'>●</span> a word that also grows in another tree"
                            + (f" ({shared_here} here)." if shared_here else "."))

    def _draw(self, fit: bool = True) -> None:
        self.scene.blockSignals(True)
        self.scene.clear()
        self.scene.blockSignals(False)
        self.view.items_by_id = {}
        self.placed = {}
        if self.root is None:
            self._show()
            return
        palette = self.services.theme.palette
        self.scene.setBackgroundBrush(QBrush(QColor(palette.background)))
        font = self.services.theme.ui_font(0.9)
        self.placed = layout_tree(self.root, QFontMetrics(font))
        edge_pen = QPen(QColor(mix(palette.border, palette.text, 0.25)), 1.5)
        for p in self.placed.values():
            if p.parent is None:
                continue
            parent = self.placed[p.parent]
            start = QPointF(parent.x + (parent.width / 2 if p.side > 0 else -parent.width / 2), parent.y)
            end = QPointF(p.x - p.side * p.width / 2, p.y)
            path = QPainterPath(start)
            mid = (start.x() + end.x()) / 2
            path.cubicTo(QPointF(mid, start.y()), QPointF(mid, end.y()), end)
            edge = QGraphicsPathItem(path)
            edge.setPen(edge_pen)
            edge.setZValue(-1)
            self.scene.addItem(edge)
        for p in self.placed.values():
            item = NodeItem(p, palette, font, self.shared.get(p.id, 0))
            self.scene.addItem(item)
            self.view.items_by_id[p.id] = item
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-200, -200, 200, 200))
        if fit:
            self.view.fit()
        self._show()

    def _selection_changed(self) -> None:
        node_id = self.view.selected_id()
        if self._edit is not None and self._edit[0] == "rename" and node_id != self._edit[1]:
            self.close_editor()

    # -- word editing ----------------------------------------------------------------------------
    def _command(self, command: str) -> None:
        if self.locked or self.tree is None:
            return
        node_id = self.view.selected_id()
        if node_id is None or node_id not in self.placed:
            node_id = self.root["id"] if self.root else None
            self.view.select(node_id)
        if node_id is None:
            return
        node = self.placed[node_id]
        if command == "child":
            self.open_editor("child", node_id, f"New branch under “{node.text}”")
        elif command == "sibling":
            parent = node.parent or node_id
            under = self.placed[parent].text
            self.open_editor("child", parent, f"New word beside “{node.text}” (under “{under}”)")
        elif command == "rename":
            self.open_editor("rename", node_id, f"Rename “{node.text}”", node.text)
        elif command == "delete":
            self.delete_node(node_id)

    def open_editor(self, mode: str, node_id: str, caption: str, text: str = "") -> None:
        self._edit = (mode, node_id)
        self.editor_caption.setText(caption)
        self.word_ok.setText("Rename" if mode == "rename" else "Add")
        self.word_edit.setText(text)
        self.word_edit.setPlaceholderText("A word or short phrase")
        self.word_error.hide()
        self.editor.show()
        self.word_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.word_edit.selectAll()

    def close_editor(self) -> None:
        self._edit = None
        self.editor.hide()
        self.word_error.hide()

    def eventFilter(self, watched: Any, event: QEvent) -> bool:
        if (watched is self.word_edit and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape):
            self.close_editor()
            self.view.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        return super().eventFilter(watched, event)

    def _word_problem(self, text: str, mode: str, node_id: str) -> str | None:
        if not text:
            return "Write a word or short phrase."
        if len(text) > api.MAX_NODE_TEXT:
            return f"A word can be at most {api.MAX_NODE_TEXT} characters."
        key = text.casefold()
        for p in self.placed.values():
            if p.text.strip().casefold() == key and not (mode == "rename" and p.id == node_id):
                return f"“{p.text}” is already in this tree; each word appears once in a tree."
        return None

    def commit_word(self) -> None:
        if self._edit is None or self.tree is None or self.locked:
            return
        mode, node_id = self._edit
        text = self.word_edit.text().strip()
        problem = self._word_problem(text, mode, node_id)
        if problem:
            self.word_error.setText(problem)
            self.word_error.show()
            self.word_edit.setFocus()
            return
        tree_id = self.tree["id"]
        if mode == "rename":
            if text == self.placed[node_id].text:
                self.close_editor()
                return
            self.select_after = f"text:{text}"
            self.run(edits.rename_tree_node, tree_id, node_id, text, self.origin, on_done=self._word_saved, write=True)
        else:
            self.run(api.add_child, tree_id, node_id, text, self.origin, on_done=self._word_saved, write=True)

    def _word_saved(self, result: Any) -> None:
        if isinstance(result, str):
            self.select_after = result
        self.close_editor()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def delete_node(self, node_id: str) -> None:
        if self.tree is None or self.root is None:
            return
        node = self.placed.get(node_id)
        if node is None:
            return
        if node.depth == 0:
            self.banner.show_message("The root word holds the tree together.",
                                     "Rename it with F2, or delete the whole tree.", kind="info")
            return
        tree_id, before = self.tree["id"], edits.nested_children(self.root)
        below = self._count_below(node_id)
        parent = node.parent

        def offer(_r: Any) -> None:
            def undo() -> None:
                self.select_after = node_id
                self.run(edits.restore_tree_children, tree_id, before, self.origin, write=True)

            extra = f" and the {below} word{'s' if below != 1 else ''} under it" if below else ""
            self.offer_undo(f"Removed “{node.text}”{extra}.", undo)

        self.select_after = parent
        self.run(api.remove_subtree, tree_id, node_id, self.origin, on_done=offer, write=True)

    def _count_below(self, node_id: str) -> int:
        kids = self.placed[node_id].children
        return len(kids) + sum(self._count_below(k) for k in kids if k in self.placed)

    # -- trees -----------------------------------------------------------------------------------
    def open_tree_form(self, mode: str) -> None:
        if self.locked or (mode == "name" and self.tree is None):
            return
        self._tree_mode = mode
        new = mode == "new"
        self.root_caption.setVisible(new)
        self.root_edit.setVisible(new)
        self.root_edit.clear()
        self.root_error.hide()
        self.name_edit.setText("" if new else (self.tree or {}).get("name") or "")
        self.tree_save.setText("Plant tree" if new else "Save name")
        self.tree_form.show()
        (self.root_edit if new else self.name_edit).setFocus()

    def close_tree_form(self) -> None:
        self._tree_mode = ""
        self.tree_form.hide()

    def save_tree_form(self) -> None:
        name = self.name_edit.text().strip() or None
        if self._tree_mode == "new":
            root = self.root_edit.text().strip()
            if not root:
                self.root_error.setText("Write the root word the tree grows from.")
                self.root_error.show()
                self.root_edit.setFocus()
                return
            self.run(api.create_tree, root, name, self.origin, on_done=self._tree_created, write=True)
        elif self._tree_mode == "name" and self.tree is not None:
            self.run(api.rename_tree, self.tree["id"], name, self.origin,
                     on_done=lambda _r: self.close_tree_form(), write=True)

    def _tree_created(self, info: dict[str, Any]) -> None:
        self.current_id = info["id"]
        self.close_tree_form()
        self.show_notice("Tree planted. Press Tab to add the first branch.")
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def delete_tree(self) -> None:
        if self.tree is None or self.root is None or self.locked:
            return
        tree = self.tree
        data = {"root": self.root["text"], "name": tree["name"], "children": edits.nested_children(self.root)}
        restore_origin = tree["origin"] if tree["origin"] is not None else self.origin
        label = tree["name"] or tree["root_text"]

        def offer(_r: Any) -> None:
            def undo() -> None:
                self.run(edits.restore_tree, data, restore_origin, on_done=self._tree_restored, write=True)

            self.offer_undo(f"Deleted the tree “{label}”.", undo)

        self.current_id = None
        self.close_editor()
        self.run(api.delete_tree, tree["id"], self.origin, on_done=offer, write=True)

    def _tree_restored(self, tree_id: str) -> None:
        self.current_id = tree_id
        self.refresh()
