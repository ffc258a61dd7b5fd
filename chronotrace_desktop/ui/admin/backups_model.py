"""The backups in the chosen folder as a table: date, size, media or not, and whether every hash still matches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.admin.record_model import Index, RecordTableModel
from chronotrace_desktop.ui.qt import QGuiApplication, Qt
from chronotrace_desktop.ui.theme import DANGER, accent_text

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

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """A damaged backup's hash cell in the danger colour (the rest of its row in the placeholder's)."""
        item = self.item(index.row()) if index.isValid() else None
        damaged = item is not None and item.verified is False
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == VERIFIED and damaged:
            return accent_text(DANGER, QGuiApplication.palette())
        return super().data(index, role)
