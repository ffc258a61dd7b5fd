"""The backups in a folder, newest first, with their date, size and whether every file still matches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import UserFacingError
from chronotrace_desktop.services.backup.manifest import read_manifest, verify_backup
from chronotrace_desktop.services.backup.rotation import backup_time

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path


@dataclass(frozen=True, slots=True)
class BackupEntry:
    path: Path
    created_at: datetime
    bytes: int
    with_media: bool
    verified: bool | None  # None: not checked
    problem: str | None  # why it does not verify (or cannot be read)


def list_backups(folder: Path, *, verify: bool) -> list[BackupEntry]:
    if not folder.is_dir():
        return []
    entries: list[BackupEntry] = []
    for path in sorted(folder.iterdir(), reverse=True):
        moment = backup_time(path.name)
        if moment is None or not path.is_dir():
            continue
        try:
            manifest = verify_backup(path) if verify else read_manifest(path)
        except UserFacingError as exc:
            entries.append(BackupEntry(path, moment, _size(path), False, False, str(exc)))
            continue
        verified = True if verify else None
        entries.append(BackupEntry(path, moment, manifest.total_bytes, manifest.with_media, verified, None))
    return entries


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
