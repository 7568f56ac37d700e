"""Find (Ctrl+F): search everything the person wrote and open the place a result came from.

The search runs on the database worker (dreamtree_desktop.search); typing waits a moment before
asking, so a fast typist sends one search, not one per key. Enter or a double-click opens the
selected result; Esc closes. The window stays usable while it is open.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop import search

from ..services import AppServices

TYPING_PAUSE_MS = 220
HitRole = int(Qt.ItemDataRole.UserRole) + 1


def _html(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")
    return escaped.replace("«", "<b>").replace("»", "</b>")


class _HitDelegate(QStyledItemDelegate):
    """Two lines per result: what it is, then the words around the match with the match in bold."""

    def _document(self, option: QStyleOptionViewItem, hit: search.Hit) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(6)
        heading = _html(f"{hit.noun}: {hit.title}" if hit.title != hit.noun else hit.noun)
        doc.setHtml(f"<div style='font-weight:600'>{heading}</div><div>{_html(hit.snippet)}</div>")
        doc.setTextWidth(max(100, option.rect.width()))
        return doc

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        hit = index.data(HitRole)
        if not isinstance(hit, search.Hit):
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget is not None else None
        text = option.text
        option.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        option.text = text
        doc = self._document(option, hit)
        painter.save()
        painter.translate(option.rect.topLeft())
        doc.drawContents(painter, QRectF(0, 0, option.rect.width(), option.rect.height()))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        hit = index.data(HitRole)
        if not isinstance(hit, search.Hit):
            return super().sizeHint(option, index)
        doc = self._document(option, hit)
        return QSize(int(doc.idealWidth()), int(doc.size().height()) + 2)


class _Results(QListWidget):
    activated_hit = Signal(object)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self.activated_hit.emit(self.currentItem().data(HitRole))
            return
        super().keyPressEvent(event)


class FindDialog(QDialog):
    """Search box, status line and results; `opened(place)` after a result was opened."""

    opened = Signal(dict)

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Find")
        self.setObjectName("findDialog")
        self.setModal(False)
        self._asked = ""  # the text of the search in flight
        self._shown: search.Results | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 16)
        layout.setSpacing(10)
        self.box = QLineEdit(self)
        self.box.setPlaceholderText("Search everything you wrote")
        self.box.setAccessibleName("Search everything you wrote")
        self.box.setClearButtonEnabled(True)
        self.box.setMaxLength(search.MAX_QUERY_CHARS)
        layout.addWidget(self.box)
        self.status = QLabel("Type a word or two: answers, stories, tools and notes are searched.", self)
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Search status")
        layout.addWidget(self.status)
        self.results = _Results(self)
        self.results.setAccessibleName("Results")
        self.results.setItemDelegate(_HitDelegate(self.results))
        self.results.setUniformItemSizes(False)
        self.results.setWordWrap(True)
        self.results.itemDoubleClicked.connect(lambda item: self._open(item.data(HitRole)))
        self.results.activated_hit.connect(self._open)
        layout.addWidget(self.results, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TYPING_PAUSE_MS)
        self._timer.timeout.connect(self._ask)
        self.box.textChanged.connect(lambda _t: self._timer.start())
        self.box.returnPressed.connect(self._enter_in_box)
        self.resize(560, 520)

    # -- searching ---------------------------------------------------------------------------
    def set_text(self, text: str) -> None:
        self.box.setText(text)
        self._timer.stop()
        self._ask()

    def _ask(self) -> None:
        text = self.box.text().strip()
        self._asked = text
        if not text:
            self.results.clear()
            self._shown = None
            self.status.setText("Type a word or two: answers, stories, tools and notes are searched.")
            return
        self.status.setText("Searching…")
        def answered(results: search.Results) -> None:
            self._answered(text, results)

        self.services.worker.submit(search.search, text, on_done=answered, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(getattr(exc, "message", None) or "The search could not run. Try other words.")

    def _answered(self, asked: str, results: search.Results) -> None:
        if asked != self._asked:
            return  # an older search answered after a newer one was sent
        self._shown = results
        self.results.clear()
        for hit in results.hits:
            item = QListWidgetItem(f"{hit.noun}: {hit.title}\n{hit.snippet.replace('«', '').replace('»', '')}")
            item.setData(HitRole, hit)
            self.results.addItem(item)
        count = len(results.hits)
        if count == 0:
            text = f"Nothing you wrote matches “{results.query}”."
        elif count >= search.MAX_RESULTS:
            text = f"The first {count} results for “{results.query}”. Add a word to narrow them."
        else:
            text = f"{count} result{'s' if count != 1 else ''} for “{results.query}”. Enter opens the selected one."
        if not results.sealed_searched:
            text += " Personal fields were not searched: they open only while DreamTree is unlocked."
        self.status.setText(text)
        if count:
            self.results.setCurrentRow(0)

    def _enter_in_box(self) -> None:
        if self._timer.isActive() or self._shown is None or self._shown.query != self.box.text().strip():
            self._timer.stop()
            self._ask()
            return
        item = self.results.currentItem()
        if item is not None:
            self._open(item.data(HitRole))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down and self.box.hasFocus() and self.results.count():
            self.results.setFocus(Qt.FocusReason.TabFocusReason)
            if self.results.currentRow() < 0:
                self.results.setCurrentRow(0)
            return
        super().keyPressEvent(event)

    # -- opening -----------------------------------------------------------------------------
    def _open(self, hit: Any) -> None:
        if isinstance(hit, search.Hit):
            self.opened.emit(search.describe_place(hit))


def open_find(window: Any) -> None:
    """Show the window's one Find dialog (made on first use) with the search box ready."""
    dialog = getattr(window, "_find", None)
    if dialog is None:
        dialog = window._find = FindDialog(window.services, window)
        dialog.opened.connect(window.open_place)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    dialog.box.setFocus(Qt.FocusReason.ShortcutFocusReason)
    dialog.box.selectAll()


def open_place(window: Any, place: dict[str, Any]) -> None:
    """Open where a search result came from: an exercise, a tool record (selected) or a page."""
    if "exercise" in place:
        window.show_page("workbook", place["exercise"])
    elif "tool" in place:
        window.open_tool(place["tool"])
        panel = window.tool_host.panel
        if panel is not None and place.get("row"):
            from ..tools._records import RecordEditor

            for editor in panel.findChildren(RecordEditor):
                editor.open_record(place["row"])
    else:
        window.show_page(place.get("page", "home"))
    window.activateWindow()

