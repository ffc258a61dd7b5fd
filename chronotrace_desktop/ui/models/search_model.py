"""Search hits as a list model; thumbnails (redacted only) arrive later from a worker."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.qt import QAbstractListModel, QModelIndex, QPersistentModelIndex, QPixmap, Qt

if TYPE_CHECKING:
    import uuid

    from chronotrace_desktop.domain.search import SearchHit
    from chronotrace_desktop.ui.qt import QImage

IdRole = Qt.ItemDataRole.UserRole
HitRole = Qt.ItemDataRole.UserRole + 1
ScoreRole = Qt.ItemDataRole.UserRole + 2
WhenRole = Qt.ItemDataRole.UserRole + 3  # "0:15-0:30 · 2024-02-09 14:30:15 UTC"
WhyRole = Qt.ItemDataRole.UserRole + 4  # "car; white car; ..."
ShortWhenRole = Qt.ItemDataRole.UserRole + 5  # the wall-clock start, else the span (grid tiles)
Index = QModelIndex | QPersistentModelIndex


def when_text(hit: SearchHit) -> str:
    span = f"{fmt.clock(hit.start_time, millis=False)}\u2013{fmt.clock(hit.end_time, millis=False)}"
    if hit.recorded_start is not None:
        recorder = fmt.recorder_note(hit.recorded_start, hit.recorder_start)
        return f"{fmt.timestamp(hit.recorded_start, seconds=True)} UTC{recorder} ({span})"
    return span


def title_text(hit: SearchHit) -> str:
    return f"{hit.video_filename} · segment {hit.segment_index + 1}"


def where_text(hit: SearchHit) -> str:
    return " · ".join(x for x in (hit.camera_id, hit.location) if x) or "no camera set"


class SearchResultsModel(QAbstractListModel):
    def __init__(self) -> None:
        super().__init__()
        self._hits: list[SearchHit] = []
        self._thumbs: dict[uuid.UUID, QPixmap] = {}

    @property
    def hits(self) -> list[SearchHit]:
        return list(self._hits)

    def set_hits(self, hits: list[SearchHit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self._thumbs.clear()
        self.endResetModel()

    def set_thumbnails(self, images: dict[uuid.UUID, QImage]) -> None:
        for segment_id, image in images.items():
            self._thumbs[segment_id] = QPixmap.fromImage(image)
        if self._hits:
            self.dataChanged.emit(
                self.index(0), self.index(len(self._hits) - 1), [Qt.ItemDataRole.DecorationRole]
            )

    def hit(self, row: int) -> SearchHit:
        return self._hits[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return title_text(hit)
        if role == IdRole:
            return hit.segment_id
        if role == HitRole:
            return hit
        if role == ScoreRole:
            return hit.score
        if role == WhenRole:
            return when_text(hit)
        if role == ShortWhenRole:
            if hit.recorded_start is not None:
                recorder = fmt.recorder_note(hit.recorded_start, hit.recorder_start)
                return fmt.timestamp(hit.recorded_start, seconds=True) + recorder
            return when_text(hit)
        if role == WhyRole:
            return "; ".join(hit.why)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbs.get(hit.segment_id)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [
                title_text(hit),
                f"Score {hit.score:.3f} (words {hit.vector_score:.3f}"
                + (f", attributes {hit.attribute_score:.0%})" if hit.attribute_score is not None else ")"),
                when_text(hit),
                where_text(hit),
            ]
            if hit.caption:
                lines.append(f"Seen: {hit.caption}")
            if hit.why:
                lines.append("Why: " + "; ".join(hit.why))
            return "\n".join(lines)
        return None
