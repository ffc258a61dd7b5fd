"""The backups in the chosen folder as a table: date, size, media or not, and whether every hash still matches."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.admin.record_model import RecordTableModel

if TYPE_CHECKING:
    from chronotrace_desktop.services.backup import BackupEntry

DATE, SIZE, MEDIA, VERIFIED, FOLDER = range(5)


def verified_text(entry: BackupEntry) -> str:
    if entry.verified is None:
        return "not checked"
    return "verified" if entry.verified else "DAMAGED"


class BackupsModel(RecordTableModel["BackupEntry"]):
    headers = ("Taken (UTC)", "Size", "Media", "Hashes", "Folder")

    def cells(self, item: BackupEntry) -> tuple[str, ...]:
        return (
            fmt.timestamp(item.created_at, seconds=True),
            fmt.size(item.bytes),
            "with media" if item.with_media else "without",
            verified_text(item),
            item.path.name,
        )

    def key(self, item: BackupEntry) -> object:
        return item.path

    def in_force(self, item: BackupEntry) -> bool:
        return item.verified is not False

    def tooltip(self, item: BackupEntry) -> str | None:
        return item.problem or str(item.path)
