"""The search analytics tables: per-user totals, queries that found nothing, the slowest searches.

Each is a few tens of rows at most (the service caps them), so a model holds its rows already written out;
numbers are right-aligned, and a query's full words are its tooltip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.ui.formatting import timestamp
from chronotrace_desktop.ui.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chronotrace_desktop.services.analytics import SearchAnalytics

Index = QModelIndex | QPersistentModelIndex
DELETED_ACCOUNT = "(deleted account)"
QUERY_WIDTH = 60  # characters of a query shown in its cell


@dataclass(frozen=True, slots=True)
class FigureRow:
    cells: tuple[str, ...]
    tooltip: str | None = None


class FiguresModel(QAbstractTableModel):
    """Rows of written-out figures under ``headers``; the columns in ``numeric`` are right-aligned."""

    def __init__(self, headers: Sequence[str], numeric: Sequence[int] = ()) -> None:
        super().__init__()
        self.headers = tuple(headers)
        self._numeric = frozenset(numeric)
        self._rows: list[FigureRow] = []

    def set_rows(self, rows: Sequence[FigureRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.headers):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in self._numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if not 0 <= index.column() < len(row.cells):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tooltip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = (
                Qt.AlignmentFlag.AlignRight if index.column() in self._numeric else Qt.AlignmentFlag.AlignLeft
            )
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return None


def users_model() -> FiguresModel:
    return FiguresModel(("User", "Searches", "Average (ms)", "Cache hits"), numeric=(1, 2, 3))


def zero_results_model() -> FiguresModel:
    return FiguresModel(("Query", "Searches", "Last seen"), numeric=(1,))


def slowest_model() -> FiguresModel:
    return FiguresModel(
        ("When", "User", "Query", "Total ms", "Embedding ms", "Vector ms", "Database ms", "Results", "Cache"),
        numeric=(3, 4, 5, 6, 7),
    )


def user_rows(figures: SearchAnalytics) -> list[FigureRow]:
    return [
        FigureRow(
            (
                user.email or DELETED_ACCOUNT,
                str(user.searches),
                ms(user.avg_response_ms),
                f"{user.cache_hits} ({percent(user.cache_hit_rate)})",
            )
        )
        for user in figures.per_user
    ]


def zero_result_rows(figures: SearchAnalytics) -> list[FigureRow]:
    return [
        FigureRow((_short(q.query_text), str(q.searches), timestamp(q.last_seen)), tooltip=q.query_text)
        for q in figures.zero_result_queries
    ]


def slowest_rows(figures: SearchAnalytics) -> list[FigureRow]:
    return [
        FigureRow(
            (
                timestamp(s.created_at),
                s.email or DELETED_ACCOUNT,
                _short(s.query_text),
                ms(s.total_ms),
                ms(s.embedding_ms),
                ms(s.vector_ms),
                ms(s.database_ms),
                "-" if s.result_count is None else str(s.result_count),
                "hit" if s.cache_hit else "",
            ),
            tooltip=f"{s.query_text}\n{s.query_type} search, id {s.search_id}",
        )
        for s in figures.slowest
    ]


def ms(value: float | None) -> str:
    """Milliseconds: a tenth shown below 10 ms when measured so finely (a percentile, an average)."""
    if value is None:
        return "-"
    return f"{value:,.0f}" if isinstance(value, int) or value >= 10 else f"{value:.1f}"


def percent(rate: float | None) -> str:
    return "-" if rate is None else f"{100 * rate:.0f} %"


def _short(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= QUERY_WIDTH else one_line[: QUERY_WIDTH - 1] + "\u2026"
