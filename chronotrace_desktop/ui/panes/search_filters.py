"""The search filter panel: cameras, location, recorded-time range, faces, motion, object classes, min score."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.search import DEFAULT_LIMIT, MAX_LIMIT, SearchFilters
from chronotrace_desktop.ui.qt import (
    QCheckBox,
    QComboBox,
    QDateTime,
    QDateTimeEdit,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    Qt,
    QTimeZone,
    QVBoxLayout,
    QWidget,
    Signal,
)

if TYPE_CHECKING:
    from chronotrace_desktop.services.library import FilterOptions

ANY = "Any"
TRI_STATES = ((ANY, None), ("With", True), ("Without", False))


def _checklist(placeholder: str) -> QListWidget:
    widget = QListWidget()
    widget.setToolTip(placeholder)
    widget.setMaximumHeight(92)
    widget.setUniformItemSizes(True)
    return widget


def _checked(widget: QListWidget) -> tuple[str, ...]:
    return tuple(
        widget.item(i).text()
        for i in range(widget.count())
        if widget.item(i).checkState() == Qt.CheckState.Checked
    )


def _fill(widget: QListWidget, values: tuple[str, ...], empty: str) -> None:
    keep = set(_checked(widget))
    widget.clear()
    for value in values:
        item = QListWidgetItem(value)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if value in keep else Qt.CheckState.Unchecked)
        widget.addItem(item)
    if not values:
        item = QListWidgetItem(empty)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        widget.addItem(item)


def _time_edit() -> tuple[QCheckBox, QDateTimeEdit]:
    check = QCheckBox()
    edit = QDateTimeEdit()
    edit.setTimeZone(QTimeZone.utc())
    edit.setDisplayFormat("yyyy-MM-dd HH:mm")
    edit.setToolTip("UTC")
    edit.setCalendarPopup(True)
    edit.setDateTime(QDateTime.currentDateTimeUtc())
    edit.setEnabled(False)
    check.toggled.connect(edit.setEnabled)
    return check, edit


def _tri_combo() -> QComboBox:
    combo = QComboBox()
    for text, value in TRI_STATES:
        combo.addItem(text, value)
    return combo


class SearchFiltersPanel(QFrame):
    """``filters()`` builds the domain filters (which validate themselves); ``changed`` on any edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.cameras_list = _checklist("Only these cameras (none ticked: all)")
        self.objects_list = _checklist("Segments where ALL the ticked classes were detected")
        self.location_combo = QComboBox()
        self.location_combo.addItem(ANY, None)
        self.from_check, self.from_edit = _time_edit()
        self.to_check, self.to_edit = _time_edit()
        self.faces_combo = _tri_combo()
        self.motion_combo = _tri_combo()
        self.min_score_spin = QDoubleSpinBox()
        self.min_score_spin.setRange(0.0, 1.0)
        self.min_score_spin.setSingleStep(0.05)
        self.min_score_spin.setDecimals(2)
        self.min_score_spin.setSpecialValueText("None")
        self.limit_spin = QSpinBox()
        self.limit_spin.setRange(1, MAX_LIMIT)
        self.limit_spin.setValue(DEFAULT_LIMIT)
        self.reset_button = QPushButton("Clear filters")
        self.reset_button.clicked.connect(self.reset)

        outer = QVBoxLayout(self)
        form = QFormLayout()
        outer.addLayout(form)
        outer.addStretch(1)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.addRow("Cameras:", self.cameras_list)
        form.addRow("Location:", self.location_combo)
        form.addRow("From (UTC):", _row(self.from_check, self.from_edit))
        form.addRow("To (UTC):", _row(self.to_check, self.to_edit))
        form.addRow("Faces:", self.faces_combo)
        form.addRow("Motion:", self.motion_combo)
        form.addRow("Objects:", self.objects_list)
        form.addRow("Min. score:", self.min_score_spin)
        form.addRow("Results:", self.limit_spin)
        form.addRow("", self.reset_button)
        _fill(self.cameras_list, (), "No camera ids in the library")
        _fill(self.objects_list, (), "Nothing detected yet")
        for signal in (
            self.location_combo.currentIndexChanged,
            self.faces_combo.currentIndexChanged,
            self.motion_combo.currentIndexChanged,
            self.min_score_spin.valueChanged,
            self.from_check.toggled,
            self.to_check.toggled,
            self.cameras_list.itemChanged,
            self.objects_list.itemChanged,
        ):
            signal.connect(lambda *_: self.changed.emit())

    def set_options(self, options: FilterOptions) -> None:
        _fill(self.cameras_list, options.cameras, "No camera ids in the library")
        _fill(self.objects_list, options.objects, "Nothing detected yet")
        current = self.location_combo.currentData()
        self.location_combo.clear()
        self.location_combo.addItem(ANY, None)
        for location in options.locations:
            self.location_combo.addItem(location, location)
        found = self.location_combo.findData(current)
        self.location_combo.setCurrentIndex(max(0, found))

    def reset(self) -> None:
        for widget in (self.cameras_list, self.objects_list):
            for i in range(widget.count()):
                if widget.item(i).flags() & Qt.ItemFlag.ItemIsUserCheckable:
                    widget.item(i).setCheckState(Qt.CheckState.Unchecked)
        for combo in (self.location_combo, self.faces_combo, self.motion_combo):
            combo.setCurrentIndex(0)
        self.from_check.setChecked(False)
        self.to_check.setChecked(False)
        self.min_score_spin.setValue(0.0)

    def active_count(self) -> int:
        return len(self.filters().as_json())

    def filters(self) -> SearchFilters:
        """The filters as set; ``InvalidInputError`` when they contradict each other."""
        min_score = self.min_score_spin.value()
        return SearchFilters(
            camera_ids=_checked(self.cameras_list),
            location=self.location_combo.currentData(),
            recorded_from=_utc(self.from_edit) if self.from_check.isChecked() else None,
            recorded_to=_utc(self.to_edit) if self.to_check.isChecked() else None,
            has_faces=self.faces_combo.currentData(),
            motion=self.motion_combo.currentData(),
            objects=_checked(self.objects_list),
            min_score=min_score if min_score > 0 else None,
        )

    @property
    def limit(self) -> int:
        return self.limit_spin.value()


def _utc(edit: QDateTimeEdit) -> datetime:
    return datetime.fromtimestamp(edit.dateTime().toSecsSinceEpoch(), UTC).replace(tzinfo=None)


def _row(check: QCheckBox, edit: QDateTimeEdit) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(check)
    layout.addWidget(edit, 1)
    row.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    return row
