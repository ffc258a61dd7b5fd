"""A pane that is not built yet: an empty frame saying what it will show. No fake data."""

from __future__ import annotations

from chronotrace_desktop.ui.qt import QFont, QFrame, QLabel, QPalette, Qt, QVBoxLayout, QWidget


class PlaceholderPane(QFrame):
    def __init__(self, title: str, explanation: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)

        self.title_label = QLabel(title)
        font = QFont(self.font())
        font.setBold(True)
        self.title_label.setFont(font)
        self.explanation_label = QLabel(explanation)
        self.explanation_label.setWordWrap(True)
        for label in (self.title_label, self.explanation_label):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            # Muted text from the palette, so it reads in light and dark schemes alike.
            label.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(1)
        layout.addWidget(self.title_label)
        layout.addWidget(self.explanation_label)
        layout.addStretch(1)
