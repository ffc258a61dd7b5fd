"""The PDF report's HTML shows the recorder's time beside the corrected one where an offset applies."""

from __future__ import annotations

import uuid
from datetime import datetime

from chronotrace_desktop.domain.export import ReportModel, ReportSegment, ReportVideo
from chronotrace_desktop.reports.pdf_html import report_blocks

TRUE = datetime(2024, 2, 9, 14, 30, 5)
RECORDER = datetime(2024, 2, 9, 14, 28, 52)


def _model(offset: float | None) -> ReportModel:
    segment = ReportSegment(
        number=1, segment_id=uuid.uuid4(), video_filename="cam.mp4", segment_index=0, camera_id="CAM",
        location=None, start_s=0.0, end_s=15.0, wall_start=TRUE, wall_end=TRUE,
        recorder_start=RECORDER if offset else None, score=None, detections="1 person", caption=None,
        thumbnail=None, files=(),
    )  # fmt: skip
    video = ReportVideo(
        uuid.uuid4(), "cam.mp4", None, None, TRUE, "CAM", None,
        recorder_recorded_at=RECORDER, clock_offset_s=offset, clock_source="manual" if offset else None,
    )  # fmt: skip
    return ReportModel(
        case_id="C1", package_id=uuid.uuid4(), examiner="a@b.cc", examiner_role="analyst", created_at=TRUE,
        header_text="", selection="one", query_text=None, filters=(), redaction="faces", segments=(segment,),
        videos=(video,), audit=(), other_files=(), application="test", signer_fingerprint=None, notes=(),
    )  # fmt: skip


def _html(model: ReportModel) -> str:
    return " ".join(
        str(b) if isinstance(b, str) else repr(getattr(b, "rows", b)) for b in report_blocks(model)
    )


def test_an_offset_shows_the_recorders_time_beside_the_corrected_one() -> None:
    html = _html(_model(73.0))
    assert "2024-02-09 14:30:05" in html
    assert "(recorder 2024-02-09 14:28:52)" in html
    assert "recorder 2024-02-09 14:28:52; clock offset +1 min 13 s (manual)" in html


def test_without_an_offset_only_one_time_is_shown() -> None:
    assert "recorder" not in _html(_model(None))
