"""Ranking grid: compare two things at a time until every pair has been seen, then keep the order.

It ranks places (user_locations), career options, the top 10 skills, the work factors and any of
the user's lists. Opened from the workbook, the exercise's tool prompt decides what is ranked:
its target table (user_locations or user_lists), its target list and its config (options).
The pairs and the order come from the pure helpers in `dreamtree_desktop.tools.ranking`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.tools import career_options, locations, ranking, skills
from dreamtree_desktop.tools import lists as lists_api

from ..services import AppServices
from ._base import ToolPanel, field_error_label
from .read_only import browse_only

ID_ROLE = Qt.ItemDataRole.UserRole
WORK_FACTORS_PROMPT = "1.3.1.work-factors"


def pretty_list_name(name: str) -> str:
    """'soft-skills-ranked' -> 'Soft skills ranked' (list names are slugs from the workbook)."""
    text = name.replace("-", " ").replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else name


def pii_list_names(wb: Workbook) -> set[str]:
    """Lists whose workbook prompt is marked private: their items are written sealed."""
    return {p.target_list.casefold() for p in wb.content.prompts.values() if p.is_pii and p.target_list}


def _places(ctx: UserContext) -> dict[str, Any]:
    rows = locations.list_(ctx)
    return {"key": "places", "kind": "places", "label": "Places you could live",
            "items": [{"id": r["id"], "text": r["name"], "row": r} for r in rows], "saved": bool(rows)}


def _options(ctx: UserContext) -> dict[str, Any]:
    rows = career_options.list_(ctx)
    return {"key": "options", "kind": "options", "label": "Career options",
            "items": [{"id": r["id"], "text": r["title"]} for r in rows],
            "saved": any(r["rank"] is not None for r in rows)}


def _skills(ctx: UserContext) -> dict[str, Any]:
    rows = skills.top10(ctx)
    return {"key": "skills", "kind": "skills", "label": "Your top 10 skills",
            "items": [{"id": r["skill_id"], "text": r["name"]} for r in rows], "saved": bool(rows)}


def _list(ctx: UserContext, name: str, options: Sequence[str] | None, pii: bool,
          label: str | None = None) -> dict[str, Any]:
    current = lists_api.texts(ctx, name)
    wanted = [str(o) for o in options] if options else None
    texts = current if not wanted or sorted(current) == sorted(wanted) else wanted
    return {"key": f"list:{name.casefold()}", "kind": "list", "label": label or pretty_list_name(name),
            "list_name": name, "pii": pii, "items": [{"id": t, "text": t} for t in texts],
            "saved": bool(current) and texts == current}


def _load(ctx: UserContext, origin: str | None) -> dict[str, Any]:
    wb = Workbook(ctx)
    private = pii_list_names(wb)
    if origin is not None:
        view = wb.exercise(origin)
        prompt = next((p for p in view.prompts if p.config.get("tool") == "ranking-grid"), None)
        if prompt is not None:
            if prompt.target_table == "user_locations":
                return {"fixed": _places(ctx), "sources": []}
            name = prompt.target_list or str(prompt.config.get("list") or "")
            if name:
                options = prompt.config.get("options")
                pii = prompt.is_pii or name.casefold() in private
                return {"fixed": _list(ctx, name, options if isinstance(options, list) else None, pii),
                        "sources": []}
    sources = [_places(ctx), _options(ctx), _skills(ctx)]
    factors = wb.content.prompts.get(WORK_FACTORS_PROMPT)
    taken = set()
    if factors is not None and factors.target_list:
        options = factors.config.get("options")
        sources.append(_list(ctx, factors.target_list, options if isinstance(options, list) else None,
                             factors.is_pii, "Work factors"))
        taken.add(factors.target_list.casefold())
    for row in lists_api.list_(ctx):
        if row["item_count"] >= 2 and row["name"].casefold() not in taken:
            sources.append(_list(ctx, row["name"], None, row["name"].casefold() in private,
                                 f"List: {pretty_list_name(row['name'])}"))
    return {"fixed": None, "sources": sources}


def save_order(ctx: UserContext, source: dict[str, Any], ordered_ids: list[str], origin: str | None) -> Any:
    """Keep the order where the thing ranked lives."""
    kind = source["kind"]
    if kind == "places":
        return locations.rank(ctx, ordered_ids, origin)
    if kind == "options":
        return career_options.rank(ctx, ordered_ids, origin)
    if kind == "skills":
        return skills.set_top10(ctx, ordered_ids, origin)
    return ranking.save_ranking(ctx, source["list_name"], ordered_ids, origin, pii=bool(source.get("pii")))


def fit_to_rows(widget: QListWidget, most: int = 8) -> None:
    """Make a short list only as tall as its rows (up to `most` rows, then it scrolls)."""
    rows = min(widget.count(), most)
    height = sum(widget.sizeHintForRow(n) for n in range(rows)) if rows else 40
    widget.setFixedHeight(height + 2 * widget.frameWidth() + 6)


def _recreate_place(ctx: UserContext, row: dict[str, Any], origin: str | None) -> str:
    data = {k: row[k] for k in ("name", "traits_liked", "traits_disliked", "notes")}
    return locations.create(ctx, data, origin)


class BigChoice(QPushButton):
    """A tall button whose text wraps; Left/Right emit `arrow` (0 = left, 1 = right)."""

    arrow = Signal(int)

    def __init__(self, side: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.side = side
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.set_text_size(17)
        layout.addWidget(self.label)
        hint = QLabel(f"{'←' if side == 'left' else '→'} key", self)
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setProperty("role", "muted")
        hint.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        hint.setStyleSheet("background: transparent;")
        layout.addWidget(hint)

    def set_text_size(self, pixels: int) -> None:
        self.label.setStyleSheet(f"font-size: {pixels}px; font-weight: 600; background: transparent;")

    def set_choice(self, text: str) -> None:
        self.label.setText(text)
        self.setAccessibleName(f"Choose {text}")
        self.setAccessibleDescription(f"Or press the {self.side} arrow key.")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.arrow.emit(0 if event.key() == Qt.Key.Key_Left else 1)
            event.accept()
            return
        super().keyPressEvent(event)


class RankingPanel(ToolPanel):
    tool_id = "ranking-grid"
    locked_hint = "Answer that exercise in the workbook to rank things here."

    place_error: QLabel  # an error label, made after the fields that hide it

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.sources: list[dict[str, Any]] = []
        self.source: dict[str, Any] | None = None
        self.fixed = False
        self.current_mode = "items"
        self.pairs: list[tuple[str, str]] = []
        self.choices: list[tuple[str, str, str]] = []
        self.result: list[str] = []
        self._texts: dict[str, str] = {}
        body = self.body_layout

        self.intro = QLabel("Compare two at a time: pick the one that matters more to you. "
                            "After every pair, you get the full order.", self.body)
        self.intro.setWordWrap(True)
        self.intro.setProperty("role", "muted")
        body.addWidget(self.intro)
        self.source_row = QWidget(self.body)
        row = QHBoxLayout(self.source_row)
        row.setContentsMargins(0, 0, 0, 0)
        what = QLabel("Rank", self.source_row)
        row.addWidget(what)
        self.source_box = QComboBox(self.source_row)
        browse_only(self.source_box)
        self.source_box.setAccessibleName("What to rank")
        self.source_box.setMinimumContentsLength(14)
        self.source_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.source_box.currentIndexChanged.connect(self._source_picked)
        what.setBuddy(self.source_box)
        row.addWidget(self.source_box, 1)
        body.addWidget(self.source_row)

        # -- the items and their current order -------------------------------------------------
        self.items_box = QWidget(self.body)
        items_layout = QVBoxLayout(self.items_box)
        items_layout.setContentsMargins(0, 0, 0, 0)
        items_layout.setSpacing(6)
        self.order_title = QLabel(self.items_box)
        self.order_title.setProperty("role", "h3")
        items_layout.addWidget(self.order_title)
        self.order = QListWidget(self.items_box)
        self.order.setAccessibleName("Current order")
        self.order.setWordWrap(True)
        self.order.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.order.currentItemChanged.connect(lambda *_: self._sync_buttons())
        items_layout.addWidget(self.order)
        self.empty = QLabel(self.items_box)
        self.empty.setWordWrap(True)
        self.empty.setProperty("role", "muted")
        items_layout.addWidget(self.empty)
        self.add_row = QWidget(self.items_box)
        add = QHBoxLayout(self.add_row)
        add.setContentsMargins(0, 0, 0, 0)
        self.new_place = QLineEdit(self.add_row)
        self.new_place.setAccessibleName("New place")
        self.new_place.setPlaceholderText("A town, city or region")
        self.new_place.setMaxLength(500)
        self.new_place.returnPressed.connect(self.add_place)
        self.new_place.textChanged.connect(lambda: self.place_error.hide())
        add.addWidget(self.new_place, 1)
        self.add_button = QPushButton("Add place", self.add_row)
        self.add_button.clicked.connect(self.add_place)
        add.addWidget(self.add_button)
        self.remove_button = QPushButton("Remove", self.add_row)
        self.remove_button.setAccessibleName("Remove the selected place")
        self.remove_button.clicked.connect(self.remove_place)
        add.addWidget(self.remove_button)
        items_layout.addWidget(self.add_row)
        self.place_error = field_error_label(self.items_box)
        items_layout.addWidget(self.place_error)
        self.start_button = QPushButton("Start comparing", self.items_box)
        self.start_button.setProperty("primary", True)
        self.start_button.clicked.connect(self.start)
        items_layout.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignLeft)
        body.addWidget(self.items_box)

        # -- one pair at a time ----------------------------------------------------------------
        self.compare_box = QFrame(self.body)
        self.compare_box.setObjectName("Card")
        compare = QVBoxLayout(self.compare_box)
        compare.setContentsMargins(16, 14, 16, 14)
        compare.setSpacing(10)
        self.question = QLabel("Which matters more to you?", self.compare_box)
        self.question.setProperty("role", "h3")
        self.question.setWordWrap(True)
        compare.addWidget(self.question)
        self.progress_label = QLabel(self.compare_box)
        self.progress_label.setProperty("role", "muted")
        compare.addWidget(self.progress_label)
        self.progress = QProgressBar(self.compare_box)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.progress.setAccessibleName("Comparisons made")
        compare.addWidget(self.progress)
        pair = QHBoxLayout()
        pair.setSpacing(10)
        self.left_button = BigChoice("left", self.compare_box)
        self.left_button.clicked.connect(lambda: self.pick(0))
        self.left_button.arrow.connect(self._arrow)
        self.right_button = BigChoice("right", self.compare_box)
        self.right_button.clicked.connect(lambda: self.pick(1))
        self.right_button.arrow.connect(self._arrow)
        pair.addWidget(self.left_button, 1)
        or_label = QLabel("or", self.compare_box)
        or_label.setProperty("role", "muted")
        pair.addWidget(or_label)
        pair.addWidget(self.right_button, 1)
        for button in (self.left_button, self.right_button):
            button.set_text_size(round(services.theme.text_size * 1.2))
        compare.addLayout(pair)
        nav = QHBoxLayout()
        self.back_button = QPushButton("Undo last choice", self.compare_box)
        self.back_button.clicked.connect(self.back)
        nav.addWidget(self.back_button)
        nav.addStretch(1)
        self.cancel_button = QPushButton("Stop", self.compare_box)
        self.cancel_button.setAccessibleName("Stop comparing and keep the old order")
        self.cancel_button.clicked.connect(self.stop)
        nav.addWidget(self.cancel_button)
        compare.addLayout(nav)
        body.addWidget(self.compare_box)

        # -- the result ------------------------------------------------------------------------
        self.result_box = QWidget(self.body)
        result = QVBoxLayout(self.result_box)
        result.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Your order", self.result_box)
        title.setProperty("role", "h3")
        result.addWidget(title)
        self.result_list = QListWidget(self.result_box)
        self.result_list.setAccessibleName("Your order")
        self.result_list.setWordWrap(True)
        self.result_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        result.addWidget(self.result_list)
        self.result_state = QLabel(self.result_box)
        self.result_state.setProperty("role", "muted")
        self.result_state.setWordWrap(True)
        result.addWidget(self.result_state)
        again = QHBoxLayout()
        self.save_button = QPushButton("Save this order", self.result_box)
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save)
        again.addWidget(self.save_button)
        self.again_button = QPushButton("Compare again", self.result_box)
        self.again_button.clicked.connect(self.start)
        again.addWidget(self.again_button)
        again.addStretch(1)
        result.addLayout(again)
        body.addWidget(self.result_box)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.add_done_button(buttons)
        body.addLayout(buttons)
        body.addStretch(1)
        self._write_widgets = [self.add_button, self.remove_button, self.start_button,
                                              self.save_button, self.new_place]
        self._mode("items")
        self.check_unlocked()
        self.refresh()

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(_load, self.origin, on_done=self._loaded)

    def _loaded(self, data: dict[str, Any]) -> None:
        fixed = data["fixed"]
        self.fixed = fixed is not None
        self.sources = [fixed] if fixed is not None else data["sources"]
        self.source_row.setVisible(not self.fixed)
        keep = self.source["key"] if self.source else None
        self.source_box.blockSignals(True)
        self.source_box.clear()
        for source in self.sources:
            self.source_box.addItem(f"{source['label']} ({len(source['items'])})", source["key"])
        index = max(0, self.source_box.findData(keep)) if keep else 0
        self.source_box.setCurrentIndex(index)
        self.source_box.blockSignals(False)
        self._source_picked(index, keep_mode=True)

    def _source_picked(self, index: int, keep_mode: bool = False) -> None:
        previous = self.source["key"] if self.source else None
        self.source = self.sources[index] if 0 <= index < len(self.sources) else None
        self._texts = {i["id"]: i["text"] for i in self.source["items"]} if self.source else {}
        key = self.source["key"] if self.source else None
        compared = {x for pair in self.pairs for x in pair}
        changed = self.current_mode == "compare" and set(self._ids()) != compared
        if not keep_mode or previous != key or changed:
            # A different thing to rank, or its items changed under a comparison: start again.
            self._mode("items")
        self._show_items()

    def _ids(self) -> list[str]:
        return [i["id"] for i in self.source["items"]] if self.source else []

    def _show_items(self) -> None:
        source = self.source
        places = source is not None and source["kind"] == "places"
        self.add_row.setVisible(places)
        self.order.clear()
        if source is None:
            self.order_title.setText("Nothing to rank yet")
            self.empty.setText("Add places, career options or a list first.")
            self.empty.show()
            self.order.hide()
            self._sync_buttons()
            return
        ranked = source["saved"]
        self.order_title.setText(("Current order: " if ranked else "To rank: ") + source["label"].lower()
                                 if not self.fixed else ("Current order" if ranked else "To rank"))
        for n, item in enumerate(source["items"], start=1):
            entry = QListWidgetItem(f"{n}. {item['text']}" if ranked else item["text"])
            entry.setData(ID_ROLE, item["id"])
            self.order.addItem(entry)
        count = len(source["items"])
        fit_to_rows(self.order)
        self.order.setVisible(count > 0)
        if count < 2:
            self.empty.setText("Add at least two places to compare them." if places
                               else "There need to be at least two things to compare.")
        self.empty.setVisible(count < 2)
        total = count * (count - 1) // 2
        self.start_button.setText(f"Start comparing ({total} pair{'s' if total != 1 else ''})"
                                  if count >= 2 else "Start comparing")
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        count = len(self._ids())
        self.start_button.setEnabled(count >= 2 and not self.locked)
        places = self.source is not None and self.source["kind"] == "places"
        self.remove_button.setEnabled(places and self.order.currentItem() is not None and not self.locked)

    # -- modes -----------------------------------------------------------------------------------
    def _mode(self, mode: str) -> None:
        self.current_mode = mode
        self.items_box.setVisible(mode == "items")
        self.compare_box.setVisible(mode == "compare")
        self.result_box.setVisible(mode == "result")
        self.source_box.setEnabled(mode != "compare")

    def start(self) -> None:
        ids = self._ids()
        if len(ids) < 2 or self.locked:
            return
        self.pairs = ranking.pairs(ids)
        self.choices = []
        self._mode("compare")
        self._show_pair()
        self.left_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def stop(self) -> None:
        self.choices = []
        self._mode("items")

    def _show_pair(self) -> None:
        done = len(self.choices)
        total = len(self.pairs)
        if done >= total:
            self._finish()
            return
        a, b = self.pairs[done]
        self.left_button.set_choice(self._texts.get(a, a))
        self.right_button.set_choice(self._texts.get(b, b))
        self.progress_label.setText(f"{done + 1} of {total}")
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.back_button.setEnabled(done > 0)

    def pick(self, side: int) -> None:
        if self.current_mode != "compare" or len(self.choices) >= len(self.pairs):
            return
        a, b = self.pairs[len(self.choices)]
        self.choices.append((a, b, a if side == 0 else b))
        self._show_pair()

    def _arrow(self, side: int) -> None:
        self.pick(side)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.current_mode == "compare" and event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.pick(0 if event.key() == Qt.Key.Key_Left else 1)
            event.accept()
            return
        super().keyPressEvent(event)

    def back(self) -> None:
        if self.choices:
            self.choices.pop()
            self._show_pair()

    def _finish(self) -> None:
        ids = self._ids()
        self.result = ranking.rank_from_choices(ids, [list(c) for c in self.choices])
        wins = {i: 0 for i in ids}
        for _a, _b, winner in self.choices:
            wins[winner] += 1
        self.result_list.clear()
        for n, item_id in enumerate(self.result, start=1):
            count = wins[item_id]
            entry = QListWidgetItem(f"{n}. {self._texts.get(item_id, item_id)}  ·  "
                                    f"chosen {count} time{'s' if count != 1 else ''}")
            entry.setData(ID_ROLE, item_id)
            self.result_list.addItem(entry)
        fit_to_rows(self.result_list, 12)
        self._mode("result")
        self.save()

    def save(self) -> None:
        if self.source is None or not self.result or self.locked:
            return
        source = dict(self.source)
        self.result_state.setText("Saving…")
        self.save_button.hide()
        self.run(save_order, source, list(self.result), self.origin, on_done=self._saved, write=True)

    def _saved(self, _result: Any) -> None:
        self.result_state.setText("Saved. This is now your order.")
        self.show_notice("Order saved.")
        self.again_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_error(self, exc: BaseException) -> None:
        super().show_error(exc)
        if self.current_mode == "result":
            self.result_state.setText("Not saved yet.")
            self.save_button.show()

    # -- places ----------------------------------------------------------------------------------
    def add_place(self) -> None:
        name = self.new_place.text().strip()
        if not name:
            self.place_error.setText("Write the place's name first.")
            self.place_error.show()
            self.new_place.setFocus()
            return
        if any(name.casefold() == t.casefold() for t in self._texts.values()):
            self.place_error.setText("That place is already on your list.")
            self.place_error.show()
            return
        self.run(locations.create, {"name": name}, self.origin, on_done=lambda _r: self.new_place.clear(),
                 write=True)

    def remove_place(self) -> None:
        item = self.order.currentItem()
        if item is None or self.source is None or self.source["kind"] != "places":
            return
        place_id = item.data(ID_ROLE)
        entry = next((i for i in self.source["items"] if i["id"] == place_id), None)
        if entry is None:
            return
        row = entry["row"]
        restore_origin = row["origin"] if row["origin"] is not None else self.origin

        def offer(_r: Any) -> None:
            def undo() -> None:
                self.run(_recreate_place, row, restore_origin, write=True)

            self.offer_undo(f"Removed “{row['name']}”.", undo)

        self.run(locations.delete, place_id, self.origin, on_done=offer, write=True)
