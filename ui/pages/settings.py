"""Settings: colours, font, text size, typing speed, personality type, locking, reminders.

Every change is saved at once (through the worker, validated by dreamtree_desktop.settings)
and applied live by the ThemeManager.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QWidget,
)

from dreamtree_desktop import topics as topic
from dreamtree_desktop.settings import IDLE_LOCK_RANGE, TEXT_SIZE_RANGE, Settings, update_settings

from ..services import AppServices
from ..widgets.appearance import AppearancePicker
from ..widgets.cards import Card
from ..widgets.scaffold import PageScaffold, label
from ..worker import logged

TYPING_LABELS = {"off": "Off (show at once)", "fast": "Fast", "normal": "Normal", "slow": "Slow"}


def save_settings(ctx: Any, changes: dict[str, Any]) -> Settings:
    return update_settings(ctx, **changes)


def load_personality_types(ctx: Any) -> list[tuple[str, str]]:
    """(code, name) of the personality types (worker thread)."""
    from dreamtree_desktop.tools import personality

    return [(str(entry["code"]), str(entry.get("name") or entry["code"])) for entry in personality.types(ctx)]


class SettingsPage(PageScaffold):
    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__("Settings", "Changes apply straight away and are saved on this computer.",
                         parent=parent)
        self.services = services
        s = services.theme.settings
        palette = services.theme.palette

        # Colours and font
        look = Card(self.inner)
        look.body.setSpacing(14)
        look.body.addWidget(label("Colours and font", "h2"))
        self.follow_system = QCheckBox("Follow the system's light or dark setting")
        self.follow_system.setChecked(not s.colors_chosen)
        self.follow_system.toggled.connect(self._follow_system_toggled)
        look.body.addWidget(self.follow_system)
        self.picker = AppearancePicker(palette.background_name, palette.text_name, s.font,
                                       text_size=s.text_size, parent=look)
        self.picker.changed.connect(self._appearance_changed)
        look.body.addWidget(self.picker)
        self.column.addWidget(look)

        # Reading
        reading = Card(self.inner)
        reading.body.addWidget(label("Reading", "h2"))
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setHorizontalSpacing(24)
        form.setVerticalSpacing(12)
        self.text_size = QSpinBox()
        self.text_size.setRange(*TEXT_SIZE_RANGE)
        self.text_size.setSuffix(" px")
        self.text_size.setValue(s.text_size)
        self.text_size.setAccessibleName("Text size")
        self.text_size.setKeyboardTracking(False)
        self.text_size.valueChanged.connect(lambda v: self.save({"text_size": int(v)}))
        form.addRow("Text size", self.text_size)
        self.typing = QComboBox()
        self.typing.setAccessibleName("Typing speed")
        for key, text in TYPING_LABELS.items():
            self.typing.addItem(text, key)
        self.typing.setCurrentIndex(max(0, self.typing.findData(s.typing_speed)))
        self.typing.currentIndexChanged.connect(
            lambda _i: self.save({"typing_speed": self.typing.currentData()}))
        form.addRow("Typing speed", self.typing)
        self.personality = QComboBox()
        self.personality.setAccessibleName("Personality type")
        self.personality.addItem("Not set", None)
        self.personality_label = label("Personality type", None)
        form.addRow(self.personality_label, self.personality)
        self.personality.setVisible(False)
        self.personality_label.setVisible(False)
        reading.body.addLayout(form)
        self.column.addWidget(reading)

        # Privacy and reminders
        privacy = Card(self.inner)
        privacy.body.addWidget(label("Privacy and reminders", "h2"))
        self.lock_state = label("", "body")
        privacy.body.addWidget(self.lock_state)
        idle_row = QHBoxLayout()
        idle_row.addWidget(label("Lock after", None, wrap=False))
        self.idle = QSpinBox()
        self.idle.setRange(*IDLE_LOCK_RANGE)
        self.idle.setSuffix(" minutes without use")
        self.idle.setSpecialValueText("Never")
        self.idle.setValue(s.idle_lock_minutes)
        self.idle.setAccessibleName("Lock after minutes without use")
        self.idle.setKeyboardTracking(False)
        self.idle.valueChanged.connect(lambda v: self.save({"idle_lock_minutes": int(v)}))
        idle_row.addWidget(self.idle)
        idle_row.addStretch(1)
        privacy.body.addLayout(idle_row)
        self.account_button = QPushButton("Password and account…")
        self.account_button.clicked.connect(lambda: services.navigator.go.emit("profile", "account"))
        privacy.body.addWidget(self.account_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.reminders = QCheckBox("Remind me about due tools while DreamTree is open")
        self.reminders.setChecked(s.reminders_enabled)
        self.reminders.toggled.connect(lambda on: self.save({"reminders_enabled": bool(on)}))
        privacy.body.addWidget(self.reminders)
        self.column.addWidget(privacy)
        self.column.addStretch(1)

        self._refresh_lock_state()
        services.theme.changed.connect(self._theme_changed)
        services.worker.submit(load_personality_types, on_done=self._show_personality_types,
                               on_error=logged("reading the personality types"))
        services.worker.changed.connect(self._data_changed)

    def _data_changed(self, topics: frozenset[str]) -> None:
        """The personality panel writes the same setting: show what is stored, wherever it was set."""
        if topic.tool("personality-selector") in topics or topic.SETTINGS in topics:
            from dreamtree_desktop.settings import get_settings

            self.services.worker.submit(get_settings, on_done=self._show_personality,
                                        on_error=logged("reading the settings"))

    def _show_personality(self, settings: Settings) -> None:
        self.personality.blockSignals(True)
        self.personality.setCurrentIndex(max(0, self.personality.findData(settings.personality_type)))
        self.personality.blockSignals(False)

    # -- saving --------------------------------------------------------------------------------
    def save(self, changes: dict[str, Any]) -> None:
        self.services.worker.submit(save_settings, changes, on_done=self._saved, on_error=self._failed)

    def _saved(self, settings: Settings) -> None:
        self.banner.hide()
        self.services.theme.apply_settings(settings)

    def _failed(self, exc: BaseException) -> None:
        self.banner.show_error(exc)
        self._sync_from(self.services.theme.settings)

    def _appearance_changed(self) -> None:
        self.follow_system.blockSignals(True)
        self.follow_system.setChecked(False)
        self.follow_system.blockSignals(False)
        values: dict[str, Any] = dict(self.picker.values())
        values["colors_chosen"] = True
        self.save(values)

    def _follow_system_toggled(self, on: bool) -> None:
        if on:
            self.save({"colors_chosen": False})
        else:
            self.save({**self.picker.values(), "colors_chosen": True})

    def choose_colours(self, background: str, text: str) -> None:
        """Select a pair as the user would by clicking (used by tests and shortcuts)."""
        self.picker.background_row.swatches[background].click()
        self.picker.text_row.swatches[text].click()

    # -- reflecting ----------------------------------------------------------------------------
    def _theme_changed(self) -> None:
        self._sync_from(self.services.theme.settings)
        self._refresh_lock_state()

    def _sync_from(self, s: Settings) -> None:
        palette = self.services.theme.palette
        widgets = (self.follow_system, self.text_size, self.typing, self.idle, self.reminders, self.picker)
        for widget in widgets:
            widget.blockSignals(True)
        self.follow_system.setChecked(not s.colors_chosen)
        self.picker.set_values(palette.background_name, palette.text_name, s.font)
        self.picker.set_text_size(s.text_size)
        self.text_size.setValue(s.text_size)
        self.typing.setCurrentIndex(max(0, self.typing.findData(s.typing_speed)))
        self.idle.setValue(s.idle_lock_minutes)
        self.reminders.setChecked(s.reminders_enabled)
        for widget in widgets:
            widget.blockSignals(False)

    def _refresh_lock_state(self) -> None:
        from dreamtree_desktop.storage.keystore import key_mode

        locked = key_mode(self.services.app_data.folder) == "password"
        self.lock_state.setText(
            "Your data is locked with a password. DreamTree locks itself when you leave it alone."
            if locked else
            "Your data is encrypted with a key kept on this computer. To lock it with a password, "
            "claim your account under Profile → Account."
        )
        self.idle.setEnabled(locked)

    def _show_personality_types(self, types: list[tuple[str, str]]) -> None:
        if not types:
            return
        for code, name in types:
            self.personality.addItem(f"{code} — {name}" if name != code else code, code)
        current = self.services.theme.settings.personality_type
        self.personality.setCurrentIndex(max(0, self.personality.findData(current)))
        # The stored value, not the one cached at start (the panel may have changed it since).
        self._data_changed(frozenset({topic.SETTINGS}))
        self.personality.currentIndexChanged.connect(
            lambda _i: self.save({"personality_type": self.personality.currentData()})
        )
        self.personality.setVisible(True)
        self.personality_label.setVisible(True)


Page = SettingsPage
