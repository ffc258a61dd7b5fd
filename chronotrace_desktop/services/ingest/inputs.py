"""Turning the paths a user names into the list of files to ingest.

Files named explicitly are always tried (a text file called ``.mp4`` must fail with a clear message, not
vanish). Folders are walked recursively without following symbolic links to folders (no loops); their files
count as video by name (``SCANNED_EXTENSIONS``), the rest are reported as skipped. Nothing here reads a file but
the probe of ``expected_work`` (the batch's order), which refuses named pipes and devices without blocking.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import UserFacingError
from chronotrace_desktop.domain.ingest import SCANNED_EXTENSIONS, IngestResult, IngestStatus
from chronotrace_desktop.media.probe import probe

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

logger = logging.getLogger(__name__)


@dataclass
class IngestInputs:
    files: list[Path] = field(default_factory=list)
    # Results known without ingesting: skipped non-video files, paths that do not exist, unreadable folders.
    settled: list[IngestResult] = field(default_factory=list)


def collect_inputs(paths: Iterable[Path | str]) -> IngestInputs:
    found = IngestInputs()
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = Path(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            found.files.append(key)

    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            _walk(path, add, found)
        elif path.exists() or path.is_symlink():
            add(path)
        else:
            found.settled.append(
                IngestResult(path, IngestStatus.FAILED, error=f"no such file or folder: {path}")
            )
    return found


def _walk(folder: Path, add: Callable[[Path], None], found: IngestInputs) -> None:
    def refuse(error: OSError) -> None:
        where = Path(error.filename) if error.filename else folder
        found.settled.append(
            IngestResult(
                where, IngestStatus.FAILED, error=f"cannot read the folder {where}: {error.strerror}"
            )
        )

    for root, dirs, files in os.walk(folder, onerror=refuse, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            if name.startswith("."):
                continue
            if path.suffix.lower() in SCANNED_EXTENSIONS:
                add(path)
            else:
                found.settled.append(
                    IngestResult(
                        path, IngestStatus.SKIPPED, error="not a video file name; name it to ingest it"
                    )
                )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def expected_work(path: Path) -> tuple[float, int]:
    """Sort key, longest first: minus the duration in seconds (when the file probes), then minus its size."""
    try:
        duration = probe(path).duration_s  # refuses pipes and the like without opening them
    except (UserFacingError, OSError):
        duration = 0.0
    return -duration, -_size(path)
