"""Small pieces of the package documents: CSV cells, file names, report numbering."""

from __future__ import annotations

from datetime import datetime

from chronotrace_desktop.services.export.files import package_name, safe_name
from chronotrace_desktop.services.export.report import CSV_COLUMNS, _numbers, csv_text


def test_spreadsheet_formulas_in_csv_cells_are_neutralised() -> None:
    row = dict.fromkeys(CSV_COLUMNS)
    row |= {"number": 1, "camera_id": '=HYPERLINK("http://x")', "location": "@SUM(A1)", "score": -0.25}
    row["objects"] = ["person", "car"]
    text = csv_text([row])
    assert "'=HYPERLINK" in text
    assert "'@SUM(A1)" in text
    assert ",-0.25," in text, "negative numbers stay numbers"
    assert "person;car" in text
    assert text.endswith("\r\n")


def test_file_names_are_portable() -> None:
    assert safe_name("CASE 2024/0001: \u00e9t\u00e9") == "CASE_2024_0001_t"
    assert safe_name("...") == "unnamed"
    assert package_name("CASE-1", datetime(2024, 2, 9, 14, 30, 5)) == "CASE-1_20240209T143005Z"


def test_segment_numbers_are_written_as_runs() -> None:
    assert _numbers([3, 1, 2, 5, 7, 8]) == "#1\u2013#3, #5, #7\u2013#8"
    assert _numbers([4]) == "#4"
