"""Opening the export dialog (written with the export feature, ``ui/export_dialog.py``) from the main window.

The dialog module is looked up when "Export…" is used, so the window works before it exists; until then the
user is told that exports are not available yet.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.ui.qt import QMessageBox, Qt

if TYPE_CHECKING:
    import uuid

    from chronotrace_desktop.domain.search import SearchResult
    from chronotrace_desktop.ui.main_window import MainWindow
    from chronotrace_desktop.ui.qt import QWidget

logger = logging.getLogger(__name__)

EXPORT_MODULE = "chronotrace_desktop.ui.export_dialog"


def open_export_dialog(
    window: MainWindow, segment_ids: list[uuid.UUID], search: SearchResult | None
) -> QWidget | None:
    try:
        module: Any = importlib.import_module(EXPORT_MODULE)
    except ModuleNotFoundError:
        box = QMessageBox(
            QMessageBox.Icon.Information, "Export", "Exports are not available in this build yet."
        )
        box.setParent(window, box.windowFlags())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box
    dialog: QWidget = module.ExportDialog(
        window.services, window.actor, window.pool, segment_ids, search=search, parent=window
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
