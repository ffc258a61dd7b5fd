"""The main window's layout (geometry, docks) kept in ``QSettings`` between runs, and put back on request."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.ui.qt import QByteArray, QSettings

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from chronotrace_desktop.ui.qt import QDockWidget, QMainWindow

logger = logging.getLogger(__name__)

GEOMETRY_KEY = "main_window/geometry"
STATE_KEY = "main_window/state"
STATE_VERSION = 3  # bump when the docks change so an old saved layout is ignored, not half-applied


def as_qsettings(settings: QSettings | str | Path | None) -> QSettings:
    if settings is None:
        return QSettings()  # the application's organisation and name scope it
    if isinstance(settings, QSettings):
        return settings
    return QSettings(str(settings), QSettings.Format.IniFormat)


class WindowLayout:
    def __init__(self, settings: QSettings | str | Path | None) -> None:
        self.settings = as_qsettings(settings)
        self._default = QByteArray()

    def remember_default(self, window: QMainWindow) -> None:
        """The layout "Reset layout" goes back to: the one the window was built with."""
        self._default = window.saveState(STATE_VERSION)

    def restore(self, window: QMainWindow) -> None:
        geometry = self.settings.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            window.restoreGeometry(geometry)
        state = self.settings.value(STATE_KEY)
        if (
            isinstance(state, QByteArray)
            and not state.isEmpty()
            and not window.restoreState(state, STATE_VERSION)
        ):
            logger.info("Ignoring a saved window layout from another version")

    def save(self, window: QMainWindow) -> None:
        self.settings.setValue(GEOMETRY_KEY, window.saveGeometry())
        self.settings.setValue(STATE_KEY, window.saveState(STATE_VERSION))
        self.settings.sync()

    def reset(self, window: QMainWindow, docks: Iterable[QDockWidget]) -> None:
        for dock in docks:
            dock.setFloating(False)
            dock.show()
        window.restoreState(self._default, STATE_VERSION)
