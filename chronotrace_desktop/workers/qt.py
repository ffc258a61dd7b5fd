"""The Qt names the workers layer may use: QtCore only.

Together with :mod:`chronotrace_desktop.ui.qt` this is the only place the project imports PySide6, so a Qt
upgrade or a binding switch touches these two files. The split follows the layers: ``workers`` sits below
``ui`` and may not import it, and keeping this module to QtCore means a worker cannot reach for a widget.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QByteArray,
    QCoreApplication,
    QEvent,
    QMarginsF,
    QMessageLogContext,
    QObject,
    QRectF,
    QRunnable,
    QSettings,
    QSize,
    QSizeF,
    Qt,
    QThread,
    QThreadPool,
    QTimer,
    QtMsgType,
    QUrl,
    Signal,
    Slot,
    qInstallMessageHandler,
    qVersion,
)

__all__ = [
    "QByteArray",
    "QCoreApplication",
    "QEvent",
    "QMarginsF",
    "QMessageLogContext",
    "QObject",
    "QRectF",
    "QRunnable",
    "QSettings",
    "QSize",
    "QSizeF",
    "QThread",
    "QThreadPool",
    "QTimer",
    "QUrl",
    "Qt",
    "QtMsgType",
    "Signal",
    "Slot",
    "qInstallMessageHandler",
    "qVersion",
]
