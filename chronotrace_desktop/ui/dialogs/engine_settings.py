"""The settings dialog's "Embedding engines" page: Amazon Nova on Bedrock and CLIP from a local folder, beside
the offline engine that always runs.

Administrators only (the dialog leaves the page out for everyone else). The page's widgets go into the
dialog's ``fields`` and ``secrets`` like every other setting, so the settings service validates, stores and
audits them; the engines ticked are ``embedding_engines`` (a list, compared as a set).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.services.engines import ENGINE_DESCRIPTIONS
from chronotrace_desktop.ui.qt import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPalette,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)
from chronotrace_desktop.ui.theme import DANGER, accent_text

if TYPE_CHECKING:
    from collections.abc import Mapping

ENGINES_SETTING = "embedding_engines"
ENGINE_TITLES = {"nova": "Amazon Nova on Bedrock", "clip": "CLIP model from a local folder"}
NOVA_DIMENSIONS = (256, 384, 1024, 3072)
# What a value should look like, added to the settings service's message when it refuses one.
FIELD_HINTS = {
    "nova_region": "an AWS region such as us-east-1",
    "nova_access_key_id": "an AWS access key ID: 16 or more capital letters and digits (AKIA…)",
    "nova_model_id": "a Bedrock model ID such as amazon.nova-2-multimodal-embeddings-v1:0",
}
REDACTED_NOTE = "Nova is sent the redacted rendition: faces are blurred before anything leaves this site."
ORIGINAL_WARNING = (
    "⚠ Original footage: every segment goes to AWS unredacted, with the faces of everyone in it. "
    "Only where your data-protection rules allow sending identifiable footage to AWS."
)
REEMBED_NOTE = (
    "The offline engine always runs; search fuses its ranking with every engine ticked here. New footage is "
    "embedded at ingest. To fill a newly ticked engine (or a new model or dimension) for footage already "
    "ingested, run <code>chronotrace reembed --engine NAME</code>; it counts the Bedrock calls first."
)


class EngineSettingsPage(QWidget):
    """The engine checkboxes and each engine's parameters; widgets are registered in ``fields``/``secrets``."""

    def __init__(
        self,
        values: Mapping[str, Any],
        fields: dict[str, QWidget],
        secrets: dict[SecretName, QLineEdit],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._values = values
        self._fields = fields
        self._secrets = secrets
        chosen = set(values[ENGINES_SETTING] or ())
        self.engine_checks: dict[str, QCheckBox] = {}
        self._params: dict[str, QWidget] = {}
        for name in ENGINE_TITLES:
            check = QCheckBox(f"{ENGINE_TITLES[name]} ({name})")
            check.setToolTip(f"{name}: {ENGINE_DESCRIPTIONS[name]}")
            check.setChecked(name in chosen)
            self.engine_checks[name] = check

        intro = QLabel(REEMBED_NOTE)
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self._nova_box())
        layout.addWidget(self._clip_box())
        layout.addStretch(1)

    # ------------------------------------------------------------------ building
    def _nova_box(self) -> QGroupBox:
        values = self._values
        box = QGroupBox("Amazon Nova multimodal embeddings")
        outer = QVBoxLayout(box)
        outer.addWidget(self.engine_checks["nova"])
        params = QWidget()
        form = QFormLayout(params)
        form.setContentsMargins(24, 0, 0, 0)
        region = self._line("nova_region", "e.g. us-east-1 (empty: the profile's or the environment's)")
        form.addRow("AWS region:", region)
        form.addRow(
            "AWS profile:", self._line("nova_profile", "empty: boto3's own chain (environment, role)")
        )
        form.addRow("Access key ID:", self._line("nova_access_key_id", "empty: the profile or boto3's chain"))
        secret = QLineEdit()
        secret.setEchoMode(QLineEdit.EchoMode.Password)
        secret.setPlaceholderText("unchanged (kept in the keyring)")
        secret.setToolTip(
            "Stored in the system keyring for the access key ID above, never in the settings file."
        )
        self._secrets[SecretName.BEDROCK_SECRET_ACCESS_KEY] = secret
        form.addRow("Secret access key:", secret)
        model = self._line("nova_model_id", "")
        model.setToolTip("A new model or dimension gets a collection of its own: re-embed to fill it.")
        form.addRow("Model ID:", model)
        dimension = QComboBox()
        for size in NOVA_DIMENSIONS:
            dimension.addItem(f"{size}" + (" (default)" if size == 1024 else ""), size)
        dimension.setCurrentIndex(max(0, dimension.findData(int(values["nova_dimension"]))))
        dimension.setToolTip(
            "Vector length. A new dimension gets a collection of its own: re-embed to fill it."
        )
        self._fields["nova_dimension"] = dimension
        form.addRow("Dimension:", dimension)
        source = QComboBox()
        source.addItem("Redacted rendition (no face leaves this site)", "redacted")
        source.addItem("Original footage (unredacted: faces go to AWS)", "original")
        source.setCurrentIndex(max(0, source.findData(str(values["nova_segment_source"]))))
        self._fields["nova_segment_source"] = source
        form.addRow("Segments sent:", source)
        # Always there (the layout does not jump): a plain note for the redacted rendition, a warning otherwise.
        self.source_note = QLabel()
        self.source_note.setWordWrap(True)
        form.addRow(self.source_note)
        source.currentIndexChanged.connect(self._update_warning)
        self._update_warning()
        outer.addWidget(params)
        self._params["nova"] = params
        self.engine_checks["nova"].toggled.connect(self.sync_enabled)
        return box

    def _clip_box(self) -> QGroupBox:
        box = QGroupBox("CLIP-style model (ONNX image and text towers, offline)")
        outer = QVBoxLayout(box)
        outer.addWidget(self.engine_checks["clip"])
        params = QWidget()
        form = QFormLayout(params)
        form.setContentsMargins(24, 0, 0, 0)
        folder = self._line("clip_model_dir", "the folder with the image and text towers and the tokenizer")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self.choose_clip_folder)
        row = QHBoxLayout()
        row.addWidget(folder, 1)
        row.addWidget(self.browse_button)
        form.addRow("Model folder:", row)
        outer.addWidget(params)
        self._params["clip"] = params
        self.engine_checks["clip"].toggled.connect(self.sync_enabled)
        return box

    def _line(self, name: str, placeholder: str) -> QLineEdit:
        value = self._values[name]
        edit = QLineEdit("" if value is None else str(value))
        edit.setPlaceholderText(placeholder)
        edit.setMinimumWidth(360)
        self._fields[name] = edit
        return edit

    def _update_warning(self) -> None:
        source = self._fields["nova_segment_source"]
        assert isinstance(source, QComboBox)
        original = source.currentData() == "original"
        self.source_note.setText(ORIGINAL_WARNING if original else REDACTED_NOTE)
        palette = self.palette()
        if original:
            palette.setColor(QPalette.ColorRole.WindowText, accent_text(DANGER, palette))
        self.source_note.setPalette(palette)
        self.source_note.setForegroundRole(QPalette.ColorRole.WindowText)

    def sync_enabled(self) -> None:
        """An engine's parameters are editable while it is ticked (they are kept either way)."""
        for name, params in self._params.items():
            params.setEnabled(self.engine_checks[name].isChecked())

    # ------------------------------------------------------------------ reading
    def choose_clip_folder(self) -> None:
        edit = self._fields["clip_model_dir"]
        assert isinstance(edit, QLineEdit)
        start = edit.text().strip() or str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self, "CLIP model folder", start)
        if chosen:
            edit.setText(chosen)

    def engines(self) -> list[str]:
        """The engines ticked, in the catalog's order."""
        return [name for name, check in self.engine_checks.items() if check.isChecked()]

    def engines_changed(self) -> bool:
        return set(self.engines()) != set(self._values[ENGINES_SETTING] or ())

    def problem(
        self, changes: Mapping[str, Any], secrets: Mapping[SecretName, str]
    ) -> tuple[str, QWidget] | None:
        """What the settings service cannot tell about these engine settings, and the widget to fix it in."""
        folder_edit = self._fields["clip_model_dir"]
        assert isinstance(folder_edit, QLineEdit)
        folder = folder_edit.text().strip()
        if self.engine_checks["clip"].isChecked() and not folder:
            return "The CLIP engine needs its model folder: choose it, or untick CLIP.", folder_edit
        if folder and "clip_model_dir" in changes and not Path(folder).expanduser().is_dir():
            return f"The CLIP model folder {folder} does not exist on this computer.", folder_edit
        key_edit = self._fields["nova_access_key_id"]
        if changes.get("nova_access_key_id") and SecretName.BEDROCK_SECRET_ACCESS_KEY not in secrets:
            return (
                "A new Nova access key ID needs its secret access key (it goes to the keyring), "
                "or leave the key ID empty to use the AWS profile or boto3's chain.",
                key_edit,
            )
        return None
