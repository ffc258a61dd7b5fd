"""Errors shown by blame (the qutebrowser habit).

A :class:`UserFacingError` (bad input, wrong credentials, database down) is shown as a plain message: its text
was written for the person at the keyboard. Anything else is a bug: it has been logged with its traceback
(the worker does that) and is shown in an error dialog whose details hold the traceback.
"""

from __future__ import annotations

import logging
import traceback

from chronotrace_desktop.domain.errors import UserFacingError
from chronotrace_desktop.ui.qt import QGridLayout, QMessageBox, QSizePolicy, QSpacerItem, Qt, QWidget

logger = logging.getLogger(__name__)

MIN_TEXT_WIDTH = 480
BUG_TEXT = "Something went wrong inside ChronoTrace."
BUG_HINT = "This is a bug, not something you did. The details below help to fix it; the log has them too."


def is_bug(exc: BaseException) -> bool:
    return not isinstance(exc, UserFacingError)


def error_box(
    parent: QWidget | None,
    exc: BaseException,
    *,
    title: str = "ChronoTrace",
    heading: str | None = None,
    hint: str | None = None,
) -> QMessageBox:
    """A message box for ``exc``, not yet shown: ``.open()`` it (non-blocking) or ``.exec()`` it.

    For a user-facing error, ``heading`` (if given) goes above the error's own message and ``hint`` below it.
    """
    box = QMessageBox(parent)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    if is_bug(exc):
        box.setIcon(QMessageBox.Icon.Critical)
        box.setText(BUG_TEXT)
        box.setInformativeText(f"{BUG_HINT}\n\n{type(exc).__name__}: {exc}")
        box.setDetailedText("".join(traceback.format_exception(exc)))
    else:
        box.setIcon(QMessageBox.Icon.Warning)
        parts = [str(exc), hint] if heading else [hint]
        box.setText(heading or str(exc))
        box.setInformativeText("\n\n".join(part for part in parts if part))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _widen(box)  # last: QMessageBox rebuilds its layout whenever a text changes
    return box


def _widen(box: QMessageBox, width: int = MIN_TEXT_WIDTH) -> None:
    """QMessageBox wraps long messages (paths, URLs) into a narrow column; give its text room."""
    layout = box.layout()
    if isinstance(layout, QGridLayout):
        spacer = QSpacerItem(width, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)
        layout.addItem(spacer, layout.rowCount(), 0, 1, layout.columnCount())


def show_error(parent: QWidget | None, exc: BaseException, *, title: str = "ChronoTrace") -> QMessageBox:
    """Show ``exc`` without blocking (window-modal over ``parent``) and return the box."""
    box = error_box(parent, exc, title=title)
    box.open()
    return box
