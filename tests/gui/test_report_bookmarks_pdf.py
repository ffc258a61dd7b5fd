"""The PDF report's bookmarks section (issue 16): case, hold, each bookmark's time, camera, note and its redacted
still with the box drawn; and the report prints black on white even while the desktop's palette is dark."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import datetime
from pathlib import Path

import numpy as np

from chronotrace_desktop.domain.export import ReportBookmark, ReportCase, ReportModel
from chronotrace_desktop.domain.media import Box
from chronotrace_desktop.reports import QtPdfReportRenderer
from chronotrace_desktop.reports.pdf_html import report_blocks
from chronotrace_desktop.ui.qt import QApplication, QColor, QImage, QPalette

WHEN = datetime(2024, 2, 9, 14, 30, 5)
NOTE = "Van reverses towards the loading bay"


def _model(still: Path | None) -> ReportModel:
    mark = ReportBookmark(
        number=1, wall_time=WHEN, recorder_time=None, offset_s=5.0, video_filename="cam.mp4", camera_id="CAM-9",
        note=NOTE, author="a@b.cc", still=still, box=Box(0.5, 0.5, 0.25, 0.25),
    )  # fmt: skip
    return ReportModel(
        case_id="CASE-2026-0042", package_id=uuid.uuid4(), examiner="a@b.cc", examiner_role="analyst",
        created_at=WHEN, header_text="EVIDENCE", selection="one", query_text=None, filters=(), redaction="faces",
        segments=(), videos=(), audit=(), other_files=(), application="test",
        case=ReportCase("CASE-2026-0042", "Loading bay", evidence_hold=True, hold_reason="court order"),
        bookmarks=(mark,),
    )  # fmt: skip


def _grey_still(path: Path) -> Path:
    image = QImage(320, 180, QImage.Format.Format_RGB32)
    image.fill(QColor("#808080"))
    assert image.save(str(path))
    return path


def test_the_bookmarks_section_names_the_case_and_its_hold() -> None:
    html = " ".join(
        str(b) if isinstance(b, str) else b.heading + repr(b.rows) for b in report_blocks(_model(None))
    )
    assert "Bookmarks of case CASE-2026-0042 (1)" in html
    assert "Loading bay; <b>under an evidence hold</b> (court order)" in html
    assert NOTE in html
    assert "2024-02-09 14:30:05" in html
    assert "no still" in html


def test_the_report_is_black_on_white_with_the_box_on_the_still_in_a_dark_desktop(
    qapp: QApplication, tmp_path: Path
) -> None:
    tool = shutil.which("pdftoppm")
    assert tool is not None, "poppler's pdftoppm rasterises the report"
    before = qapp.palette()
    dark = QPalette(before)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText):
        dark.setColor(role, QColor("#eeeeee"))
    qapp.setPalette(dark)
    try:
        QtPdfReportRenderer().render(_model(_grey_still(tmp_path / "still.png")), tmp_path / "report.pdf")
    finally:
        qapp.setPalette(before)
    subprocess.run([tool, "-r", "60", "-png", "-f", "1", "-l", "1", str(tmp_path / "report.pdf"), str(tmp_path / "p")],
                   check=True)  # fmt: skip
    (page,) = tmp_path.glob("p-*.png")
    image = QImage(str(page)).convertToFormat(QImage.Format.Format_RGB888)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    rgb = pixels[:, : image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)
    dark_text = (rgb.max(axis=2) < 60).sum()
    assert dark_text > 500, "the body text prints dark, not in the desktop's light text colour"
    pink = (rgb[:, :, 0] > 200) & (rgb[:, :, 1] < 120) & (rgb[:, :, 2] > 90)
    assert pink.sum() > 20, "the bookmark's box is drawn on its still"
