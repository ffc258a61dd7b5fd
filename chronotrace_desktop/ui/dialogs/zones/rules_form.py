"""The forms of the zones dialog: the new zone's fields; name, hours, time zone, recipients; each rule's thresholds.

The forms hold text as typed: checking it is the camera service's job (its parsers and the domain's
threshold coercion), so what the dialog shows for a bad value is the service's own message. A form reports
only what differs from the configuration it was loaded with (``None`` / absent: unchanged).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import available_timezones

from chronotrace_desktop.domain.anomalies import RULE_CLASSES, AnomalyType, Zone, ZoneKind
from chronotrace_desktop.ui.qt import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from chronotrace_desktop.domain.anomalies import CameraConfig, HoursSpan, RuleSettings

LABELS = ("person", "vehicle", "bag")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS_EXAMPLE = "mon-fri 08:00-18:00; sat 10:00-14:00"


def words(name: str) -> str:
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def format_hours(spans: tuple[HoursSpan, ...]) -> str:
    """The inverse of ``services.cameras.parse_hours``: ``"mon-fri 08:00-18:00; sat 10:00-14:00"``."""
    parts = []
    for span in spans:
        days = sorted(span.weekdays)
        runs: list[list[int]] = []
        for day in days:
            if runs and day == runs[-1][-1] + 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        text = ",".join(_DAYS[r[0]] if len(r) == 1 else f"{_DAYS[r[0]]}-{_DAYS[r[-1]]}" for r in runs)
        parts.append(f"{text} {span.start.strftime('%H:%M')}-{span.end.strftime('%H:%M')}")
    return "; ".join(parts)


def format_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def split_addresses(text: str) -> tuple[str, ...]:
    return tuple(a for a in re.split(r"[\s,;]+", text) if a)


@dataclass(frozen=True, slots=True)
class CameraFields:
    """The camera form's text that changed (``None``: as loaded)."""

    name: str | None = None
    location: str | None = None
    timezone: str | None = None
    hours: str | None = None
    recipients: str | None = None

    def any(self) -> bool:
        return any(getattr(self, f.name) is not None for f in dataclasses.fields(self))


class CameraForm(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loaded: dict[str, str] = {}
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Front counter")
        self.location_edit = QLineEdit()
        self.location_edit.setPlaceholderText("e.g. Station Road shop")
        self.timezone_combo = QComboBox()
        self.timezone_combo.setEditable(True)
        self.timezone_combo.addItems(sorted(available_timezones()))
        self.timezone_combo.setToolTip("The camera's IANA time zone: its business hours are local time")
        self.hours_edit = QLineEdit()
        self.hours_edit.setPlaceholderText(f"e.g. {HOURS_EXAMPLE} (empty: not set)")
        self.hours_edit.setToolTip(
            "Days and opening hours in the camera's time zone; an end before the start runs overnight.\n"
            "The after-hours rule stays quiet while no hours are set."
        )
        self.recipients_edit = QLineEdit()
        self.recipients_edit.setPlaceholderText("e-mail addresses for high/critical alerts, comma separated")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)  # the Camera page's margins hold it and the clock group alike
        form.addRow("Name:", self.name_edit)
        form.addRow("Location:", self.location_edit)
        form.addRow("Time zone:", self.timezone_combo)
        form.addRow("Business hours:", self.hours_edit)
        form.addRow("Alert e-mails:", self.recipients_edit)

    def _texts(self) -> dict[str, str]:
        return {
            "name": self.name_edit.text().strip(),
            "location": self.location_edit.text().strip(),
            "timezone": self.timezone_combo.currentText().strip(),
            "hours": self.hours_edit.text().strip(),
            "recipients": ", ".join(split_addresses(self.recipients_edit.text())),
        }

    def load(self, config: CameraConfig) -> None:
        self.name_edit.setText(config.name or "")
        self.location_edit.setText(config.location or "")
        self.timezone_combo.setCurrentText(config.timezone)
        self.hours_edit.setText(format_hours(config.business_hours))
        self.recipients_edit.setText(", ".join(config.alert_recipients))
        self._loaded = self._texts()

    def changes(self) -> CameraFields:
        now = self._texts()
        return CameraFields(**{k: v for k, v in now.items() if v != self._loaded.get(k)})

    def set_read_only(self, read_only: bool) -> None:
        for edit in (self.name_edit, self.location_edit, self.hours_edit, self.recipients_edit):
            edit.setReadOnly(read_only)
            if read_only:
                edit.setPlaceholderText("")  # an example would read as if it were the value
        self.timezone_combo.setEnabled(not read_only)


class ThresholdsForm(QWidget):
    """One page per rule (picked in ``rule_combo``): a check box per switch, a text field per number."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loaded: dict[tuple[str, str], Any] = {}
        self.fields: dict[tuple[str, str], QLineEdit | QCheckBox] = {}
        self.rule_combo = QComboBox()
        self.stack = QStackedWidget()
        for kind, rule_class in RULE_CLASSES.items():
            self.rule_combo.addItem(words(kind.value), kind.value)
            page = QWidget()
            form = QFormLayout(page)
            form.setContentsMargins(0, 0, 0, 0)
            for field in dataclasses.fields(rule_class):
                default = getattr(rule_class(), field.name)
                widget: QLineEdit | QCheckBox
                if isinstance(default, bool):
                    widget = QCheckBox(words(field.name))
                    form.addRow("", widget)
                else:
                    widget = QLineEdit()
                    widget.setPlaceholderText("none" if default is None else format_value(default))
                    form.addRow(f"{words(field.name)}:", widget)
                widget.setToolTip(f"{kind.value}.{field.name} (default: {format_value(default) or 'none'})")
                widget.setAccessibleName(f"{words(kind.value)}: {words(field.name)}")
                self.fields[(kind.value, field.name)] = widget
            self.stack.addWidget(page)
        self.rule_combo.currentIndexChanged.connect(self.stack.setCurrentIndex)
        layout = QVBoxLayout(self)
        layout.addWidget(self.rule_combo)
        layout.addWidget(self.stack)
        layout.addStretch(1)

    def load(self, rules: RuleSettings) -> None:
        self._loaded = {}
        for (kind, name), widget in self.fields.items():
            value = getattr(rules.of(AnomalyType(kind)), name)
            if isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
                self._loaded[(kind, name)] = bool(value)
            else:
                widget.setText(format_value(value))
                self._loaded[(kind, name)] = format_value(value)

    def changes(self) -> dict[str, dict[str, Any]]:
        """``{"loitering": {"min_seconds": "20"}}``: what differs from the loaded values, as typed."""
        changed: dict[str, dict[str, Any]] = {}
        for key, widget in self.fields.items():
            value = widget.isChecked() if isinstance(widget, QCheckBox) else widget.text().strip()
            if value != self._loaded.get(key):
                kind, name = key
                changed.setdefault(kind, {})[name] = "none" if value == "" else value
        return changed

    def show_field(self, message: str) -> bool:
        """Turn to (and focus) the field a service message like ``"loitering.min_seconds must ..."`` names."""
        match = re.match(r"(\w+)\.(\w+)\b", message)
        widget = self.fields.get((match[1], match[2])) if match else None
        if widget is None or match is None:
            return False
        self.rule_combo.setCurrentIndex(self.rule_combo.findData(match[1]))
        widget.setFocus()
        return True

    def set_read_only(self, read_only: bool) -> None:
        for widget in self.fields.values():
            if isinstance(widget, QCheckBox):
                widget.setEnabled(not read_only)
            else:
                widget.setReadOnly(read_only)


class NewZoneBar(QWidget):
    """Name, kind and track groups of the zone being drawn, and the button that closes the drawing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Zone name")
        self.kind_combo = QComboBox()
        self.kind_combo.addItem("Watch (loitering, stops)", ZoneKind.WATCH.value)
        self.kind_combo.addItem("Restricted (entry is a breach)", ZoneKind.RESTRICTED.value)
        self.label_checks = {name: QCheckBox(name.capitalize()) for name in LABELS}
        for name in ("person", "vehicle"):
            self.label_checks[name].setChecked(True)
        self.add_button = QPushButton("Add zone")
        self.add_button.setAutoDefault(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("New zone:"))
        row.addWidget(self.name_edit, 1)
        row.addWidget(self.kind_combo)
        for check in self.label_checks.values():
            row.addWidget(check)
        row.addWidget(self.add_button)

    def zone(self, points: tuple[tuple[float, float], ...]) -> Zone:
        """The zone these fields describe over ``points``; the domain's ``InvalidInputError`` if it is not one."""
        labels = tuple(n for n, check in self.label_checks.items() if check.isChecked())
        return Zone(self.name_edit.text().strip(), points, ZoneKind(self.kind_combo.currentData()), labels)
