"""Colours that read in the light and the dark scheme alike: derived from the palette, never fixed.

Fusion follows the system's colour scheme (Qt 6.5+); widgets that paint their own colours ask here, and
repaint on ``QEvent.Type.PaletteChange``.
"""

from __future__ import annotations

from chronotrace_desktop.domain.anomalies import Severity
from chronotrace_desktop.domain.ingest import VideoStatus
from chronotrace_desktop.ui.qt import QColor, QPalette

SEVERITY_HUES = {
    Severity.CRITICAL: QColor("#d32f2f"),
    Severity.HIGH: QColor("#f57c00"),
    Severity.MEDIUM: QColor("#fbc02d"),
    Severity.LOW: QColor("#1e88e5"),
}
STATUS_HUES = {
    VideoStatus.FAILED: QColor("#d32f2f"),
    VideoStatus.PROCESSING: QColor("#1e88e5"),
    VideoStatus.PENDING: QColor("#9e9e9e"),
    VideoStatus.COMPLETED: QColor("#43a047"),
}
DANGER = QColor("#d32f2f")


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def blend(colour: QColor, base: QColor, share: float) -> QColor:
    """``share`` of ``colour`` over ``base`` (0..1)."""
    return QColor.fromRgbF(
        colour.redF() * share + base.redF() * (1 - share),
        colour.greenF() * share + base.greenF() * (1 - share),
        colour.blueF() * share + base.blueF() * (1 - share),
    )


def tint(colour: QColor, palette: QPalette, share: float = 0.35) -> QColor:
    """A background tint of ``colour`` on the palette's base: strong enough to see, weak enough to read."""
    return blend(colour, palette.color(QPalette.ColorRole.Base), share)


def readable_on(background: QColor) -> QColor:
    """Black or white, whichever contrasts more with ``background``."""
    r, g, b = background.redF(), background.greenF(), background.blueF()
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return QColor("#000000") if luminance > 0.5 else QColor("#ffffff")


def accent_text(colour: QColor, palette: QPalette) -> QColor:
    """``colour`` as text on the palette's base: lightened on dark schemes, darkened on light ones."""
    return colour.lighter(150) if is_dark(palette) else colour.darker(130)
