"""The header row of a grid cell: the camera's title, the time its picture shows, the REDACTED/ORIGINAL badge
and the reveal and back-to-redacted buttons (shown only when they apply)."""

from __future__ import annotations

from chronotrace_desktop.ui.panes.player_reveal import paint_badge
from chronotrace_desktop.ui.qt import QAction, QHBoxLayout, QLabel, QStyle, Qt, QToolButton, QWidget


class CellHeader(QWidget):
    def __init__(self, camera_id: str, actions_parent: QWidget) -> None:
        super().__init__()
        self.title_label = QLabel(camera_id)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.time_label = QLabel()
        self.time_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.badge_label = QLabel()
        self.badge_label.setAutoFillBackground(True)
        self.badge_label.setContentsMargins(6, 1, 6, 1)
        policy = self.badge_label.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # every cell's header as tall, with or without footage
        self.badge_label.setSizePolicy(policy)
        self.badge_label.hide()
        style = actions_parent.style()
        self.reveal_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning), "Reveal…", actions_parent
        )
        self.reveal_action.setToolTip("Show this camera's original with faces (justified and audited)")
        self.redacted_action = QAction("Back to redacted", actions_parent)
        self.redacted_action.setToolTip("Show this camera's faces-blurred clip again")
        header = QHBoxLayout(self)
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.title_label)
        header.addWidget(self.time_label, 1)
        header.addWidget(self.badge_label)
        self.buttons: dict[QAction, QToolButton] = {}
        for action in (self.reveal_action, self.redacted_action):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            header.addWidget(button)
            self.buttons[action] = button

    def keep_height(self) -> None:
        """As tall with or without the buttons (a camera without footage has none)."""
        self.setMinimumHeight(max(b.sizeHint().height() for b in self.buttons.values()))

    def show_state(self, *, footage: bool, original: bool, can_reveal: bool) -> None:
        """The badge with footage; Reveal… while the redacted clip shows (if allowed); Back to redacted while
        the original does."""
        self.badge_label.setVisible(footage)
        paint_badge(self.badge_label, original=original)
        shown = {
            self.reveal_action: can_reveal and footage and not original,
            self.redacted_action: original,
        }
        for action, visible in shown.items():
            action.setVisible(visible)
            self.buttons[action].setVisible(visible)  # a tool button does not follow its action's visibility
