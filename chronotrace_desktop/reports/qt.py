"""The Qt names the reports layer may use: painting and documents, never widgets.

Each Qt-using layer imports PySide6 through one module of its own (``ui/qt.py``, ``workers/qt.py`` and this
one), so a Qt upgrade or a binding switch touches three files. Writing a PDF off-screen needs Qt's PDF writer,
text documents, images and the GUI application object that owns fonts; QtWidgets stays out of ``reports``.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QMarginsF, QRectF, Qt, QUrl
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPalette,
    QPdfWriter,
    QPen,
    QTextDocument,
)

__all__ = [
    "QAbstractTextDocumentLayout",
    "QColor",
    "QCoreApplication",
    "QFont",
    "QFontDatabase",
    "QFontMetricsF",
    "QGuiApplication",
    "QImage",
    "QMarginsF",
    "QPageLayout",
    "QPageSize",
    "QPainter",
    "QPalette",
    "QPdfWriter",
    "QPen",
    "QRectF",
    "QTextDocument",
    "QUrl",
    "Qt",
]
