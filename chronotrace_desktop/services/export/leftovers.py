"""What a crashed export leaves in its destination, and removing it.

A package is built in a hidden ``.<package>.<host>.<pid>.<random>.partial`` folder (and zipped through a hidden
``.<package>.zip.<host>.<pid>.partial`` file); both can hold unredacted originals. The folder names the machine and
the process that built it, so the next export into the same destination removes what a dead process of this
machine left, at once, and what any machine left more than :data:`STALE_AFTER` ago.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import time
from typing import TYPE_CHECKING

import psutil

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)

STALE_AFTER_S = 7 * 24 * 3600.0
_HOST = re.sub(r"[^A-Za-z0-9-]+", "-", socket.gethostname().split(".")[0])[:40] or "host"
# ``.<host>.<pid>`` then, for a staging folder, mkdtemp's random part: at the end of the name, so that a case id
# with dots in it cannot pass for an owner.
_OWNER = re.compile(r"\.(?P<host>[A-Za-z0-9-]+)\.(?P<pid>\d+)(?:\.[a-z0-9_]+)?$")


def owner_tag() -> str:
    """``<host>.<pid>``: who builds a staging folder or a partial zip."""
    return f"{_HOST}.{os.getpid()}"


def _abandoned(path: Path, now: float) -> bool:
    found = _OWNER.search(path.name[: -len(".partial")])
    if found is None:
        return False  # not one of ours
    if (
        found["host"] == _HOST
        and int(found["pid"]) != os.getpid()
        and not psutil.pid_exists(int(found["pid"]))
    ):
        return True
    try:
        return now - path.lstat().st_mtime > STALE_AFTER_S
    except OSError:
        return False


def remove_abandoned(destination: Path) -> int:
    """Delete the hidden ``*.partial`` staging folders and zips crashed exports left in ``destination``."""
    now = time.time()
    removed = 0
    try:
        candidates = [p for p in destination.glob(".*.partial") if _abandoned(p, now)]
    except OSError:
        return 0
    for leftover in candidates:
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
        removed += 1
        logger.warning("Removed %s, left by an export that did not finish", leftover)
    return removed
