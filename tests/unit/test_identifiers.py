"""Identifiers and one-line names refuse control characters (issue 13, item 7).

A camera id, a zone name or a location reaches e-mail headers, file names, PDF reports and log lines; a line
break (even a trailing one), a NUL, a bidirectional override or a line separator in one breaks or forges them.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from chronotrace_desktop.domain.anomalies import Zone
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.export import ExportRequest, ExportSelection
from chronotrace_desktop.domain.identifiers import check_identifier, one_line
from chronotrace_desktop.domain.ingest import IngestOptions
from chronotrace_desktop.domain.users import email_problem
from chronotrace_desktop.services.cameras import check_camera_id

TRIANGLE = ((0.1, 0.1), (0.9, 0.1), (0.9, 0.9))
# A line feed (C0 control), a NUL, an escape, a right-to-left override (format), a line separator.
CONTROLS = ("\n", "\x00", "\x1b", "\u202e", "\u2028")


@pytest.mark.parametrize("camera_id", ["CAM-1\n", "CAM-1\r\nBcc: someone@example.org", "CAM\u202e1-"])
def test_a_camera_id_with_a_control_character_is_refused(camera_id: str) -> None:
    with pytest.raises(InvalidInputError, match="camera id"):
        IngestOptions(camera_id=camera_id)
    with pytest.raises(InvalidInputError, match="camera id"):
        check_camera_id(camera_id)


def test_plain_camera_ids_still_pass() -> None:
    assert IngestOptions(camera_id="Gate 3/North:A-1").camera_id == "Gate 3/North:A-1"
    assert check_camera_id("  CAM-SYNTH ") == "CAM-SYNTH"


@pytest.mark.parametrize("control", CONTROLS)
def test_a_zone_name_with_a_control_character_is_refused(control: str) -> None:
    with pytest.raises(InvalidInputError, match="zone name"):
        Zone(f"Loading{control}bay", TRIANGLE)


def test_a_stored_zone_name_with_a_control_character_loads_on_one_line() -> None:
    """Zones stored before the check still load (a camera's rules must keep running), their name on one line."""
    zone = Zone.from_json({"name": "Loading\nbay", "polygon": [list(p) for p in TRIANGLE]})
    assert zone.name == "Loading\ufffdbay"


@pytest.mark.parametrize("control", CONTROLS)
def test_a_location_with_a_control_character_is_refused(control: str) -> None:
    with pytest.raises(InvalidInputError, match="location"):
        IngestOptions(location=f"North{control}gate")


def test_an_address_with_a_trailing_newline_is_not_an_address() -> None:
    assert email_problem("night-desk@example.org\n") is not None
    assert email_problem("night-desk@example.org") is None


def test_the_helpers_name_the_field_and_keep_text_on_one_line() -> None:
    with pytest.raises(InvalidInputError, match=r"case id .*U\+000A"):
        check_identifier("case id", "CASE-7\n")
    assert check_identifier("case id", "CASE-7 / 2024") == "CASE-7 / 2024"
    assert one_line("a\r\nb\u202ec\td") == "a\ufffd\ufffdb\ufffdc\ufffdd"


@pytest.mark.parametrize("case_id", ["CASE-1\n", "CASE-1\r\nBcc: x", "CASE\u202e1"])
def test_a_case_id_with_a_control_character_is_refused_naming_the_field(case_id: str, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="case id"):
        ExportRequest(
            case_id=case_id, selection=ExportSelection.of_segments([uuid.uuid4()]), destination=tmp_path
        )
