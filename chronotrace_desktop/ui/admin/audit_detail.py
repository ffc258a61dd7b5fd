"""One audit row, readable: its fields, then its metadata as a tree (nested objects and lists unfold)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.services.access import AuditEntry, RevealEntry
from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.qt import QTreeWidget, QTreeWidgetItem

if TYPE_CHECKING:
    from chronotrace_desktop.ui.qt import QWidget

WRAP_AT = 44  # characters: a tree's cells do not wrap by themselves
NOTHING_SELECTED = "Select a row to see everything it recorded."


def fields(row: AuditEntry | RevealEntry) -> list[tuple[str, Any]]:
    """The row's fields in reading order (empty ones left out by the tree)."""
    if isinstance(row, RevealEntry):
        return [
            ("Time (UTC)", fmt.timestamp(row.created_at, seconds=True)),
            ("User", row.username),
            ("User id", row.user_id),
            ("Camera", row.camera_id),
            ("Segment start (UTC)", fmt.timestamp(row.segment_start, seconds=True)),
            ("Video", row.video_filename),
            ("Segment id", row.segment_id or "(removed)"),
            ("Justification", row.justification),
            ("Address", row.ip_address),
            ("Outcome", "ok" if row.success else "refused or failed"),
            ("Row id", row.id),
        ]
    return [
        ("Time (UTC)", fmt.timestamp(row.created_at, seconds=True)),
        ("User", row.username or "(nobody signed in)"),
        ("User id", row.user_id),
        ("Action", row.action),
        ("Resource", row.resource_type),
        ("Resource id", row.resource_id),
        ("Outcome", "ok" if row.success else "refused or failed"),
        ("Error", row.error_message),
        ("Justification", row.justification),
        ("Address", row.ip_address),
        ("Client", row.user_agent),
        ("Request id", row.request_id),
        ("Row id", row.id),
    ]


class AuditDetail(QTreeWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(2)
        self.setHeaderLabels(["Field", "Value"])
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.show_row(None)

    def show_row(self, row: AuditEntry | RevealEntry | None) -> None:
        self.clear()
        if row is None:
            QTreeWidgetItem(self, [NOTHING_SELECTED, ""])
            return
        for name, value in fields(row):
            if value not in (None, ""):
                _add(self.invisibleRootItem(), name, value)
        if isinstance(row, AuditEntry):
            metadata = _add(self.invisibleRootItem(), "Metadata", dict(row.metadata) or "(none)")
            metadata.setExpanded(True)
        self.expandToDepth(1)
        self.resizeColumnToContents(0)

    def texts(self) -> list[tuple[str, str]]:
        """Every item's name and value (unwrapped), depth first: what a reader sees with everything unfolded."""
        found: list[tuple[str, str]] = []

        def walk(item: QTreeWidgetItem) -> None:
            for n in range(item.childCount()):
                child = item.child(n)
                if child is not None:
                    found.append((child.text(0), child.toolTip(1) or child.text(1)))
                    walk(child)

        walk(self.invisibleRootItem())
        return found


def _add(parent: QTreeWidgetItem, name: str, value: Any) -> QTreeWidgetItem:
    if isinstance(value, Mapping):
        item = QTreeWidgetItem(parent, [name, "" if value else "{}"])
        for key in value:
            _add(item, str(key), value[key])
        return item
    if isinstance(value, list | tuple):
        item = QTreeWidgetItem(parent, [name, "" if value else "[]"])
        for n, element in enumerate(value):
            _add(item, f"[{n}]", element)
        return item
    text = "yes" if value is True else "no" if value is False else str(value)
    item = QTreeWidgetItem(parent, [name, textwrap.fill(text, WRAP_AT) if len(text) > WRAP_AT else text])
    item.setToolTip(1, text)
    return item
