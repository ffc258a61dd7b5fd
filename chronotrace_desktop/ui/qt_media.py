"""The QtMultimedia names the player uses, kept apart from :mod:`chronotrace_desktop.ui.qt`.

Importing QtMultimedia loads the FFmpeg backend; only the player pays for it.
"""

from __future__ import annotations

from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtMultimediaWidgets import QGraphicsVideoItem

__all__ = ["QGraphicsVideoItem", "QMediaPlayer"]
