"""The QtGui names the workers layer may use: painting and documents, never widgets.

``workers/qt.py`` stays QtCore only; this second shim adds what writing a PDF off-screen needs (Qt's PDF
writer, text documents, images and the GUI application object that owns fonts). QtWidgets stays out of
``workers`` altogether.
"""

from __future__ import annotations

from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextDocument,
)

__all__ = [
    "QColor",
    "QFont",
    "QFontDatabase",
    "QGuiApplication",
    "QImage",
    "QPageLayout",
    "QPageSize",
    "QPainter",
    "QPdfWriter",
    "QPen",
    "QTextDocument",
]
