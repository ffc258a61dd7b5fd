"""Which embedding engines answered a search, and a warning line for those that did not.

The search fuses the offline engine with every configured engine that answered; one that failed (Bedrock
unreachable, a CLIP folder gone) is left out and named in ``SearchResult.engines_failed`` as "nova: why". The
pane shows the engines in its summary line and the failures on a line of their own, elided to the pane's
width with the whole text in the tooltip.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.ui.qt import QLabel, QPalette, QSizePolicy, Qt, QWidget
from chronotrace_desktop.ui.theme import DANGER, accent_text

if TYPE_CHECKING:
    from chronotrace_desktop.domain.search import SearchResult
    from chronotrace_desktop.ui.qt import QResizeEvent


def engines_text(result: SearchResult) -> str:
    """``engines: offline + clip``."""
    return "engines: " + " + ".join(result.engines) if result.engines else ""


def failures_text(result: SearchResult) -> str:
    """``nova did not answer: why`` per engine left out (empty when every engine answered)."""
    lines = []
    for entry in result.engines_failed:
        name, _, why = entry.partition(":")
        why = why.strip()
        lines.append(f"{name.strip()} did not answer: {why}" if why else f"{entry.strip()} did not answer")
    return "; ".join(lines)


class EngineWarningLabel(QLabel):
    """One line in the danger colour, elided to its width; the whole text in the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        # Ignored: the label takes the width it is given and never widens the pane to fit a long reason.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self._colour()
        self.hide()

    @property
    def full_text(self) -> str:
        return self._full

    def show_failures(self, result: SearchResult) -> None:
        self._full = failures_text(result)
        self.setToolTip(self._full)
        self._colour()
        self._elide()
        self.setVisible(bool(self._full))

    def clear_failures(self) -> None:
        self._full = ""
        self.setToolTip("")
        super().setText("")
        self.hide()

    def _elide(self) -> None:
        text = f"⚠ {self._full}" if self._full else ""
        width = max(self.contentsRect().width(), 40)
        super().setText(self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, width))

    def _colour(self) -> None:
        """The danger colour on the scheme now in use (the parent's: this label's own palette is fixed)."""
        parent = self.parentWidget()
        palette = parent.palette() if parent is not None else self.palette()
        palette.setColor(QPalette.ColorRole.WindowText, accent_text(DANGER, palette))
        self.setPalette(palette)

    # ------------------------------------------------------------------ Qt overrides
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()
