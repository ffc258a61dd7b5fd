"""Export requests and selections refuse what cannot be exported, before anything runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

import pytest

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.export import (
    ALL_TYPES,
    PACKAGE_TYPE,
    ExportRequest,
    ExportSelection,
    ExportType,
    parse_types,
)

ONE = ExportSelection.of_segments([uuid.uuid4()])


def _request(**kwargs: object) -> ExportRequest:
    return ExportRequest(
        **{"case_id": "CASE-2024-0001", "selection": ONE, "destination": Path("out"), **kwargs}
    )  # type: ignore[arg-type]


def test_defaults_are_a_redacted_package_of_all_four_types() -> None:
    request = _request()
    assert request.types == ALL_TYPES
    assert request.export_type == PACKAGE_TYPE
    assert not request.unredacted
    assert request.header_text == "EVIDENCE - CASE-2024-0001"
    assert _request(types=frozenset({ExportType.PDF_REPORT})).export_type == "pdf_report"


@pytest.mark.parametrize("case_id", ["", " ", "../etc", "x" * 101, "CASE\n1"])
def test_bad_case_ids_are_refused(case_id: str) -> None:
    with pytest.raises(InvalidInputError, match="case id"):
        _request(case_id=case_id)


def test_watermarks_are_plain_ascii_of_limited_length() -> None:
    assert _request(watermark="  EVIDENCE   -  CASE 1 ").watermark == "EVIDENCE - CASE 1"
    assert _request(watermark="   ").watermark is None
    for bad in ("ÉVIDENCE", "x" * 81):
        with pytest.raises(InvalidInputError, match="watermark"):
            _request(watermark=bad)


def test_originals_need_clips_and_a_justification() -> None:
    with pytest.raises(InvalidInputError, match="video_clip"):
        _request(
            reveal_justification="CASE-1 identify the driver please", types=frozenset({ExportType.PDF_REPORT})
        )
    with pytest.raises(InvalidInputError, match="justification"):
        _request(recut_originals=True)
    assert _request(reveal_justification="  ").reveal_justification is None


def test_types_parse_from_text() -> None:
    assert parse_types("video_clip, pdf_report") == {ExportType.VIDEO_CLIP, ExportType.PDF_REPORT}
    assert parse_types("all") == ALL_TYPES
    with pytest.raises(InvalidInputError, match="unknown export type"):
        parse_types("video")
    with pytest.raises(InvalidInputError):
        parse_types(" , ")


def test_selections_are_checked() -> None:
    with pytest.raises(InvalidInputError):
        ExportSelection.of_segments([])
    same = uuid.uuid4()
    assert ExportSelection.of_segments([same, same]).segment_ids == (same,)
    with pytest.raises(InvalidInputError, match="ends before"):
        ExportSelection.of_camera_range("CAM", datetime(2024, 1, 2), datetime(2024, 1, 1))
    with pytest.raises(InvalidInputError):
        ExportSelection.of_segments([uuid.uuid4() for _ in range(501)])
