"""Qt's own messages go to Python logging (the qutebrowser habit), so they land in the log file."""

from __future__ import annotations

import logging

from chronotrace_desktop.ui.qt import QMessageLogContext, QtMsgType, qInstallMessageHandler

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}

# Known noise: the offscreen platform (headless smoke runs) warns about every dialog it lays out.
HARMLESS_MESSAGES = frozenset(
    {"This plugin does not support propagateSizeHints()", "This plugin does not support raise()"}
)


def qt_message_handler(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    level = logging.DEBUG if message in HARMLESS_MESSAGES else _LEVELS.get(mode, logging.WARNING)
    category = context.category or "default"
    logging.getLogger(f"qt.{category}").log(level, "%s", message)


def install_qt_message_handler() -> None:
    qInstallMessageHandler(qt_message_handler)
