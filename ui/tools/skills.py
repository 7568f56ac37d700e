"""Skills browser: search the skills list as you type, rate your skills, rank a top 10, add your own.

Also holds `SkillPicker`, the searchable tag picker the story and experience editors use.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import edits
from dreamtree_desktop.tools import skills as api

from ..services import AppServices
from ._base import ToolPanel, field_error_label
from .read_only import browse_only
from .skill_picker import (
    ID_ROLE,
    INFO_ROLE,
    MASTERY_LABELS,
    SEARCH_DELAY_MS,
    ArrowKeys,
    heading,
    muted,
)


def _load_mine(ctx: UserContext) -> list[dict[str, Any]]:
    return api.list_user_skills(ctx)


class SkillsPanel(ToolPanel):
    """Search skills, rate the ones you have (mastery 1–5, evidence), rank a top 10, add your own."""

    tool_id = "skills-browser"
    locked_hint = ("Answer that exercise in the workbook to use this tool here; "
                   "you can still search the skills.")
    # Also reload after workbook answers and imports ("answers"), which write these rows too.
    watch_topics = frozenset({topic.tool("skills-browser"), topic.ANSWERS})

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self._seq = 0
        self._mine: list[dict[str, Any]] = []
        self._selected: dict[str, Any] | None = None  # {id, name, category, is_custom}
        self._select_top_after_load: str | None = None
        body = self.body_layout

        # Search
        body.addWidget(heading("Find skills", self.body))
        self.count_label = muted("Search by name, or narrow to one category.", self.body)
        body.addWidget(self.count_label)
        row = QHBoxLayout()
        self.search = QLineEdit(self.body)
        browse_only(self.search)
        self.search.setPlaceholderText("Search skills…")
        self.search.setAccessibleName("Search skills")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._schedule_search)
        self.search.installEventFilter(ArrowKeys(self._focus_results, self.search))
        row.addWidget(self.search, 1)
        self.category = QComboBox(self.body)
        browse_only(self.category)
        self.category.setAccessibleName("Skill category")
        self.category.addItem("All categories", None)
        for key, label in api.CATEGORY_LABELS.items():
            self.category.addItem(label, key)
        self.category.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.category.setMinimumContentsLength(10)
        self.category.currentIndexChanged.connect(self._run_search)
        row.addWidget(self.category)
        body.addLayout(row)
        self.results = QListWidget(self.body)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setWordWrap(True)
        self.results.setAccessibleName("Matching skills")
        self.results.setMinimumHeight(170)
        self.results.setMaximumHeight(220)
        self.results.currentItemChanged.connect(self._result_chosen)
        body.addWidget(self.results)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._run_search)

        # The selected skill
        self.detail = QFrame(self.body)
        self.detail.setObjectName("Card")
        card = QVBoxLayout(self.detail)
        card.setContentsMargins(14, 12, 14, 12)
        card.setSpacing(6)
        self.detail_name = QLabel("Choose a skill above or below", self.detail)
        self.detail_name.setProperty("role", "h3")
        self.detail_name.setWordWrap(True)
        card.addWidget(self.detail_name)
        self.detail_info = muted("", self.detail)
        card.addWidget(self.detail_info)
        card.addWidget(QLabel("How well you do it", self.detail))
        self.mastery = QComboBox(self.detail)
        self.mastery.setAccessibleName("Mastery")
        self.mastery.addItem("Not rated yet", None)
        for level, label in MASTERY_LABELS.items():
            self.mastery.addItem(label, level)
        card.addWidget(self.mastery)
        card.addWidget(QLabel("Evidence: when did you use it?", self.detail))
        self.evidence = QPlainTextEdit(self.detail)
        self.evidence.setAccessibleName("Evidence")
        self.evidence.setPlaceholderText("A moment that shows this skill…")
        self.evidence.setFixedHeight(72)
        self.evidence.setTabChangesFocus(True)
        card.addWidget(self.evidence)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Add to my skills", self.detail)
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save_selected)
        buttons.addWidget(self.save_button)
        self.top_button = QPushButton("Add to top 10", self.detail)
        self.top_button.clicked.connect(self.add_selected_to_top)
        buttons.addWidget(self.top_button)
        buttons.addStretch(1)
        card.addLayout(buttons)
        self.remove_button = QPushButton("Remove from my skills", self.detail)
        self.remove_button.setProperty("flat", True)
        self.remove_button.clicked.connect(self.remove_selected)
        card.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.detail_error = field_error_label(self.detail)
        card.addWidget(self.detail_error)
        body.addWidget(self.detail)

        # My skills
        body.addWidget(heading("My skills", self.body))
        self.mine_list = QListWidget(self.body)
        self.mine_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.mine_list.setWordWrap(True)
        self.mine_list.setAccessibleName("My skills")
        self.mine_list.setMinimumHeight(120)
        self.mine_list.setMaximumHeight(200)
        self.mine_list.currentItemChanged.connect(self._mine_chosen)
        body.addWidget(self.mine_list)
        self.mine_empty = muted("No skills yet: find one above and add it.", self.body)
        body.addWidget(self.mine_empty)

        # Top 10
        body.addWidget(heading("Top 10", self.body))
        body.addWidget(muted("Your strongest skills, best first. Drag to reorder, or use Up and Down.",
                              self.body))
        self.top_list = QListWidget(self.body)
        self.top_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.top_list.setWordWrap(True)
        self.top_list.setAccessibleName("Top 10 skills, in order")
        self.top_list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.top_list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.top_list.setMinimumHeight(120)
        self.top_list.setMaximumHeight(260)
        self.top_list.model().rowsMoved.connect(lambda *_: self._save_top_order())
        body.addWidget(self.top_list)
        order = QHBoxLayout()
        self.up_button = QPushButton("Up", self.body)
        self.up_button.setAccessibleName("Move the selected skill up")
        self.up_button.clicked.connect(lambda: self.move_top(-1))
        self.down_button = QPushButton("Down", self.body)
        self.down_button.setAccessibleName("Move the selected skill down")
        self.down_button.clicked.connect(lambda: self.move_top(1))
        self.untop_button = QPushButton("Take out of top 10", self.body)
        self.untop_button.clicked.connect(self.remove_from_top)
        for b in (self.up_button, self.down_button, self.untop_button):
            order.addWidget(b)
        order.addStretch(1)
        body.addLayout(order)
        self.top_error = field_error_label(self.body)
        body.addWidget(self.top_error)

        # Custom skill
        body.addWidget(heading("Add your own skill", self.body))
        body.addWidget(muted("Missing from the list? Add it here. It is yours to use straight away and "
                              "stays pending review before it joins the shared list.", self.body))
        custom = QHBoxLayout()
        self.custom_name = QLineEdit(self.body)
        self.custom_name.setPlaceholderText("Skill name")
        self.custom_name.setAccessibleName("New skill name")
        self.custom_name.setMaxLength(api.MAX_NAME)
        self.custom_name.returnPressed.connect(self.add_custom)
        custom.addWidget(self.custom_name, 1)
        self.custom_category = QComboBox(self.body)
        self.custom_category.setAccessibleName("New skill category")
        for key, label in api.CATEGORY_LABELS.items():
            self.custom_category.addItem(label, key)
        custom.addWidget(self.custom_category)
        body.addLayout(custom)
        self.custom_error = field_error_label(self.body)
        body.addWidget(self.custom_error)
        self.custom_button = QPushButton("Add skill", self.body)
        self.custom_button.clicked.connect(self.add_custom)
        body.addWidget(self.custom_button, 0, Qt.AlignmentFlag.AlignLeft)

        if self.origin is not None:
            self.done_button = QPushButton("Done", self.body)
            self.done_button.setProperty("primary", True)
            self.done_button.clicked.connect(self.done)
            body.addWidget(self.done_button, 0, Qt.AlignmentFlag.AlignRight)
        body.addStretch(1)
        self._write_widgets = [self.save_button, self.remove_button, self.top_button,
                                              self.up_button, self.down_button, self.untop_button,
                                              self.custom_button]
        self._show_detail(None)
        self.check_unlocked()
        self.refresh()
        self._run_search()

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(_load_mine, on_done=self._loaded)

    def _loaded(self, mine: list[dict[str, Any]]) -> None:
        self._mine = mine
        current = self._selected["id"] if self._selected else None
        self.mine_list.blockSignals(True)
        self.mine_list.clear()
        for s in mine:
            rating = f"mastery {s['mastery']}/5" if s["mastery"] else "not rated"
            item = QListWidgetItem(f"{s['name']}  ·  {rating}")
            item.setData(ID_ROLE, s["skill_id"])
            self.mine_list.addItem(item)
            if s["skill_id"] == current:
                self.mine_list.setCurrentItem(item)
        self.mine_list.blockSignals(False)
        self.mine_empty.setVisible(not mine)
        self.mine_list.setVisible(bool(mine))
        self.top_list.blockSignals(True)
        self.top_list.clear()
        for s in sorted((s for s in mine if s["rank"] is not None), key=lambda s: s["rank"]):
            item = QListWidgetItem(f"{s['rank']}. {s['name']}")
            item.setData(ID_ROLE, s["skill_id"])
            item.setData(INFO_ROLE, s["name"])
            self.top_list.addItem(item)
        self.top_list.blockSignals(False)
        self._restore_top_selection()
        self._mark_results()
        if self._selected is not None:
            self._show_detail(self._selected, keep_edits=True)

    # -- search ----------------------------------------------------------------------------------
    def _schedule_search(self) -> None:
        self._timer.start()

    def _run_search(self) -> None:
        self._seq += 1
        seq = self._seq
        text = self.search.text().strip()[: api.MAX_NAME]
        self.run(api.search, text, self.category.currentData(), 60,
                 on_done=lambda rows: self._show_results(seq, rows))

    def _show_results(self, seq: int, rows: list[dict[str, Any]]) -> None:
        if seq != self._seq:
            return
        self.results.blockSignals(True)
        self.results.clear()
        for row in rows:
            item = QListWidgetItem()
            item.setData(ID_ROLE, row["id"])
            item.setData(INFO_ROLE, row)
            self.results.addItem(item)
        if not rows:
            empty = QListWidgetItem("No skill matches. Try fewer letters, or add your own below.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results.addItem(empty)
        self.results.blockSignals(False)
        self._mark_results()
        text = self.search.text().strip()
        shown = len(rows)
        self.count_label.setText(
            f"{shown} shown{' (the first 60)' if shown == 60 else ''}. ✓ marks skills you have."
            if text else "Type to search by name, or narrow to one category. ✓ marks skills you have.")

    def _mark_results(self) -> None:
        have = {s["skill_id"] for s in self._mine}
        for i in range(self.results.count()):
            item = self.results.item(i)
            row = item.data(INFO_ROLE)
            if not isinstance(row, dict):
                continue
            category = api.CATEGORY_LABELS.get(row["category"], "")
            custom = " (yours, pending review)" if row.get("is_custom") else ""
            tick = "✓ " if row["id"] in have else ""
            item.setText(f"{tick}{row['name']}{custom}  ·  {category}")

    def _focus_results(self) -> None:
        if self.results.count():
            self.results.setFocus()
            if self.results.currentRow() < 0:
                self.results.setCurrentRow(0)

    # -- the selected skill ----------------------------------------------------------------------
    def _result_chosen(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is not None and isinstance(item.data(INFO_ROLE), dict):
            self._show_detail(dict(item.data(INFO_ROLE)))

    def _mine_chosen(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        mine = self._my(item.data(ID_ROLE))
        if mine is not None:
            self._show_detail({"id": mine["skill_id"], "name": mine["name"], "category": mine["category"],
                               "is_custom": mine["is_custom"]})

    def _my(self, skill_id: str | None) -> dict[str, Any] | None:
        return next((s for s in self._mine if s["skill_id"] == skill_id), None)

    def _show_detail(self, skill: dict[str, Any] | None, *, keep_edits: bool = False) -> None:
        self._selected = skill
        self.detail_error.hide()
        has = skill is not None
        self.mastery.setEnabled(has)
        self.evidence.setEnabled(has)
        if skill is None:
            self.detail_name.setText("Choose a skill above")
            self.detail_info.setText("Pick a skill to rate it, note your evidence and rank it.")
            self.save_button.setEnabled(False)
            self.remove_button.hide()
            self.top_button.setEnabled(False)
            return
        mine = self._my(skill["id"])
        self.detail_name.setText(skill["name"])
        info = api.CATEGORY_LABELS.get(skill["category"], "")
        if skill.get("is_custom"):
            info += " · your own skill, pending review"
        if mine is not None and mine["rank"] is not None:
            info += f" · number {mine['rank']} in your top 10"
        self.detail_info.setText(info + (" · one of your skills" if mine else ""))
        if not keep_edits:
            self.mastery.setCurrentIndex(max(0, self.mastery.findData(mine["mastery"] if mine else None)))
            self.evidence.setPlainText((mine or {}).get("evidence") or "")
        self.save_button.setText("Save" if mine else "Add to my skills")
        self.save_button.setEnabled(not self.locked)
        self.remove_button.setVisible(mine is not None)
        self.remove_button.setEnabled(not self.locked)
        in_top = mine is not None and mine["rank"] is not None
        self.top_button.setEnabled(not self.locked and not in_top)

    def save_selected(self) -> None:
        if self._selected is None or self.locked:
            return
        mastery = self.mastery.currentData()
        evidence = self.evidence.toPlainText()
        if len(evidence) > 100_000:
            self.detail_error.setText("Evidence is too long (at most 100,000 characters).")
            self.detail_error.show()
            return
        self.detail_error.hide()
        skill_id = self._selected["id"]
        name = self._selected["name"]
        self.run(edits.rate_skill, skill_id, mastery, evidence, self.origin,
                 on_done=lambda _r: self.show_notice(f"Saved “{name}”."), write=True)

    def remove_selected(self) -> None:
        if self._selected is None or self.locked:
            return
        mine = self._my(self._selected["id"])
        if mine is None:
            return
        name = mine["name"]
        kept = {"skill_id": mine["skill_id"], "mastery": mine["mastery"], "evidence": mine["evidence"],
                "rank": mine["rank"]}
        self.run(api.remove_user_skill, mine["skill_id"], self.origin,
                 on_done=lambda _r: self._offer_undo(f"Removed “{name}” from your skills.", kept), write=True)

    def _offer_undo(self, text: str, kept: dict[str, Any]) -> None:
        def undo() -> None:
            self.run(edits.restore_user_skill, kept, self.origin,
                     on_done=lambda _r: self.show_notice("Skill restored."), write=True)

        self.offer_undo(text, undo)


    # -- top 10 ----------------------------------------------------------------------------------
    def top_ids(self) -> list[str]:
        return [self.top_list.item(i).data(ID_ROLE) for i in range(self.top_list.count())]

    def add_selected_to_top(self) -> None:
        if self._selected is None or self.locked:
            return
        ids = self.top_ids()
        if self._selected["id"] in ids:
            return
        if len(ids) >= api.TOP:
            self.top_error.setText("Your top 10 is full: take one out first.")
            self.top_error.show()
            return
        self._save_top([*ids, self._selected["id"]])

    def move_top(self, step: int) -> None:
        row = self.top_list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.top_list.count() or self.locked:
            return
        ids = self.top_ids()
        ids[row], ids[target] = ids[target], ids[row]
        moved = ids[target]
        self._save_top(ids, select=moved)

    def remove_from_top(self) -> None:
        item = self.top_list.currentItem()
        if item is None or self.locked:
            return
        self._save_top([i for i in self.top_ids() if i != item.data(ID_ROLE)])

    def _save_top_order(self) -> None:
        if not self.locked:
            self._save_top(self.top_ids())

    def _save_top(self, ids: list[str], select: str | None = None) -> None:
        self.top_error.hide()
        self._select_top_after_load = select
        self.run(api.set_top10, ids, self.origin, write=True)

    def _restore_top_selection(self) -> None:
        wanted = self._select_top_after_load
        if wanted is None:
            return
        for i in range(self.top_list.count()):
            if self.top_list.item(i).data(ID_ROLE) == wanted:
                self.top_list.setCurrentRow(i)
                self.top_list.setFocus()
        self._select_top_after_load = None

    # -- custom skills ---------------------------------------------------------------------------
    def add_custom(self) -> None:
        if self.locked:
            return
        name = self.custom_name.text().strip()
        if not name:
            self.custom_error.setText("Name is required: type the skill you want to add.")
            self.custom_error.show()
            self.custom_name.setFocus()
            return
        self.custom_error.hide()
        category = self.custom_category.currentData()
        self.run(edits.add_custom_skill_as_mine, name, category, self.origin, on_done=self._custom_added, write=True)

    def _custom_added(self, found: dict[str, Any]) -> None:
        self.custom_name.clear()
        self.banner.show_message(
            f"Added “{found['name']}” to your skills.",
            "It is pending review: you can rate and rank it now; it joins the shared skills list only "
            "after review.", kind="success")
        self._selected = {**found, "is_custom": True}
        self._run_search()
