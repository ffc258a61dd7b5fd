"""Tools ▸ Settings…: what this installation runs on and where its settings live (read-only for now)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.ui.qt import (
    QDialog,
    QDialogButtonBox,
    QFont,
    QFormLayout,
    QLabel,
    Qt,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.services.installation import InstallationInfo

HOW_TO_CHANGE = (
    "Settings are changed with 'chronotrace config set KEY VALUE' and passwords or API keys with "
    "'chronotrace config set-secret NAME' (they go to the system keyring, never to the settings file). "
    "Restart ChronoTrace afterwards."
)


class InstallationDialog(QDialog):
    def __init__(self, info: InstallationInfo, settings_file: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings — ChronoTrace")
        self.setMinimumWidth(620)

        heading = QLabel("This installation")
        font = QFont(heading.font())
        font.setBold(True)
        heading.setFont(font)

        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        rows = (
            ("Profile", info.profile),
            ("Database", info.database),
            ("Vectors", info.vector_store),
            ("Data folder", str(info.data_dir)),
            ("Settings file", str(settings_file)),
        )
        for name, value in rows:
            label = QLabel(value)
            label.setWordWrap(True)
            label.setMinimumWidth(480)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[name] = label
            form.addRow(f"{name}:", label)

        how = QLabel(HOW_TO_CHANGE)
        how.setWordWrap(True)
        how.setMinimumWidth(580)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(how)
        layout.addWidget(buttons)
