"""The report's content as Qt rich-text HTML blocks, for ``pdf_report``'s page layout. Plain strings, no Qt.

``report_blocks`` gives, in order: the title and summary, then tables (segments, bookmarks, source videos, data
files, audit trail) as :class:`Table` objects whose rows are laid out one by one, then the notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.recorder_time import format_offset

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from chronotrace_desktop.domain.export import (
        ReportBookmark,
        ReportFile,
        ReportModel,
        ReportSegment,
        ReportVideo,
    )

THUMB_WIDTH_PX = 116  # CSS pixels (1/96 in): about 31 mm
STILL_WIDTH_PX = 190  # a bookmark's still: about 50 mm, its box visible
_LINE = "0.6px solid #8a96a3"
STYLE = f"""
h1 {{ font-size: 16pt; margin: 0 0 5pt 0; }}
h2 {{ font-size: 11.5pt; margin: 10pt 0 4pt 0; color: #1f3a5f; }}
table.grid {{ border-collapse: collapse; }}
table.grid td, table.grid th {{ border-left: {_LINE}; border-right: {_LINE}; border-bottom: {_LINE};
  padding: 3px; vertical-align: top; }}
table.grid th {{ border-top: {_LINE}; background-color: #e4e9ef; text-align: left; font-weight: bold; }}
table.kv td {{ padding: 1px 8px 1px 0; vertical-align: top; }}
td.key {{ font-weight: bold; color: #333333; }}
.mono {{ font-family: 'DejaVu Sans Mono'; font-size: 6pt; }}
.small {{ font-size: 7pt; color: #444444; }}
.note {{ font-size: 7.5pt; color: #333333; margin: 2pt 0 0 0; }}
"""
_ZWSP = "\u200b"  # lets long file names wrap after separators instead of anywhere


@dataclass(frozen=True, slots=True)
class Row:
    markup: str
    image: str | None = None  # the resource URL of the row's thumbnail


@dataclass(frozen=True, slots=True)
class Table:
    title: str  # HTML-safe
    columns: tuple[tuple[str, int], ...]  # title, width in percent
    rows: tuple[Row, ...]

    def header_html(self, *, continued: bool = False) -> str:
        """The header row; when the table goes on from an earlier page, its title above it."""
        cells = "".join(f'<th width="{w}%">{_e(title)}</th>' for title, w in self.columns)
        above = f'<p class="small">{self.title}, continued</p>' if continued else ""
        return f'{above}<table class="grid" width="100%" cellspacing="0"><tr>{cells}</tr></table>'

    @property
    def heading(self) -> str:
        return f"<h2>{self.title}</h2>"


def _table(
    heading: str, columns: tuple[tuple[str, int], ...], rows: Sequence[tuple[list[str], str | None]]
) -> Table:
    made = []
    for cells, image in rows:
        tds = "".join(f'<td width="{w}%">{c}</td>' for c, (_t, w) in zip(cells, columns, strict=True))
        made.append(Row(f'<table class="grid" width="100%" cellspacing="0"><tr>{tds}</tr></table>', image))
    return Table(heading, columns, tuple(made))


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _wrappable(text: str) -> str:
    """Escaped ``text`` with break opportunities after ``_ - . /`` (file names, ids)."""
    out = _e(text)
    for sep in ("_", "-", ".", "/"):
        out = out.replace(sep, sep + _ZWSP)
    return out


def _when(value: datetime | None) -> str:
    return "unknown" if value is None else f"{value:%Y-%m-%d %H:%M:%S}"


def _sha(sha: str | None) -> str:
    if not sha:
        return "<i>not recorded</i>"
    return f'<span class="mono">{sha[:32]}<br/>{sha[32:]}</span>'


def thumb_url(segment: ReportSegment) -> str:
    return f"thumb://{segment.segment_id}"


def still_url(bookmark: ReportBookmark) -> str:
    return f"still://{bookmark.number}"


def _bookmark(b: ReportBookmark) -> tuple[list[str], str | None]:
    image = still_url(b) if b.still is not None else None
    still = (
        f'<img src="{image}" width="{STILL_WIDTH_PX}"/>' if image else '<span class="small">no still</span>'
    )
    when = _when(b.wall_time) if b.wall_time else "wall clock unknown"
    if b.recorder_time is not None:
        when += f'<br/><span class="small">(recorder {_when(b.recorder_time)})</span>'
    when += f'<br/><span class="small">{b.offset_s:.1f} s into the video</span>'
    where = (
        f"<b>{_e(b.camera_id or 'no camera id')}</b>"
        f'<br/><span class="small">{_wrappable(b.video_filename)}</span>'
    )
    note = _e(b.note).replace("\n", "<br/>") or '<span class="small">no note</span>'
    note += f'<br/><span class="small">by {_e(b.author or "unknown")}</span>'
    return [str(b.number), still, when, where, note], image


def _case(model: ReportModel) -> str:
    case = model.case
    if case is None:
        return "none (all footage)"
    hold = (
        "<b>under an evidence hold</b>" + (f" ({_e(case.hold_reason)})" if case.hold_reason else "")
        if case.evidence_hold
        else "no evidence hold"
    )
    return f"<b>{_e(case.case_id)}</b> \u2014 {_e(case.title)}; {hold}"


def _files(files: tuple[ReportFile, ...]) -> str:
    parts = [
        f'<span class="small"><b>{_e(f.kind.value.replace("_", " "))}</b> '
        f"{_wrappable(f.path.rsplit('/', 1)[-1])}</span><br/>{_sha(f.sha256)}"
        for f in files
    ]
    return "<br/>".join(parts) or '<span class="small">no clip exported</span>'


def _segment(s: ReportSegment) -> tuple[list[str], str | None]:
    image = thumb_url(s) if s.thumbnail is not None else None
    thumb = f'<img src="{image}" width="{THUMB_WIDTH_PX}"/>' if image else '<span class="small">none</span>'
    place = (
        f"<b>{_e(s.camera_id or 'no camera id')}</b><br/>{_e(s.location or '')}"
        f'<br/><span class="small">{_wrappable(s.video_filename)} #{s.segment_index}</span>'
    )
    times = f"{_when(s.wall_start)}<br/>to {_when(s.wall_end)}" if s.wall_start else "wall clock unknown"
    if s.recorder_start is not None:
        times += f'<br/><span class="small">(recorder {_when(s.recorder_start)})</span>'
    times += f'<br/><span class="small">{s.start_s:.1f}\u2013{s.end_s:.1f} s into the video</span>'
    score = "\u2013" if s.score is None else f"{s.score:.3f}"
    detections = _e(s.detections) + (f'<br/><span class="small">{_e(s.caption)}</span>' if s.caption else "")
    return [str(s.number), thumb, place, times, score, detections, _files(s.files)], image


def _recorder(v: ReportVideo) -> str:
    """The recorder's own start beside the corrected one, when an offset corrects it."""
    if not v.clock_offset_s or v.recorder_recorded_at is None:
        return ""
    return (
        f'<br/><span class="small">recorder {_when(v.recorder_recorded_at)}; clock offset '
        f"{_e(format_offset(v.clock_offset_s))} ({_e(v.clock_source or 'set')})</span>"
    )


def _summary(model: ReportModel) -> str:
    filters = ", ".join(f"{_e(k)} = {_e(v)}" for k, v in model.filters) or "none"
    rows = [
        ("Case", f"<b>{_e(model.case_id)}</b>"),
        ("Investigation", _case(model)),
        ("Examiner", f"{_e(model.examiner)} ({_e(model.examiner_role)})"),
        ("Date", f"{model.created_at:%Y-%m-%d %H:%M:%S} UTC"),
        ("Package", f"{_e(model.package_id)}"),
        ("Selection", _e(model.selection)),
        ("Query", _e(model.query_text) if model.query_text else "none (segments chosen directly)"),
        ("Filters", filters),
        ("Redaction", _e(model.redaction)),
        ("Segments", str(len(model.segments))),
        ("Produced by", _e(model.application)),
        (
            "Signed by",
            f"Ed25519 key <b>{_e(model.signer_fingerprint)}</b> (compare it with the exporting "
            "installation's: chronotrace keys show)"
            if model.signer_fingerprint
            else "not signed",
        ),
    ]
    body = "".join(f'<tr><td class="key" width="15%">{k}</td><td>{v}</td></tr>' for k, v in rows)
    return f'<h1>Evidence report</h1><table class="kv" width="100%" cellspacing="0">{body}</table>'


def report_blocks(model: ReportModel) -> list[str | Table]:
    blocks: list[str | Table] = [_summary(model)]
    blocks.append(
        _table(
            f"Segments ({len(model.segments)})",
            (
                ("#", 4),
                ("Redacted thumbnail", 17),
                ("Camera / location", 14),
                ("Time (UTC)", 13),
                ("Score", 7),
                ("Detections", 18),
                ("Files and SHA-256", 27),
            ),
            [_segment(s) for s in model.segments],
        )
    )
    if model.bookmarks or model.case is not None:
        where = f"case {model.case.case_id}" if model.case else "the exported segments"
        blocks.append(
            _table(
                f"Bookmarks of {_e(where)} ({len(model.bookmarks)})",
                (
                    ("#", 4),
                    ("Redacted still (box as marked)", 28),
                    ("Time (UTC)", 17),
                    ("Camera", 16),
                    ("Note", 35),
                ),
                [_bookmark(b) for b in model.bookmarks],
            )
        )
    videos = []
    for v in model.videos:
        size = "unknown" if v.size_bytes is None else f"{v.size_bytes:,} bytes"
        cells = [
            f'{_wrappable(v.filename)}<br/><span class="mono">{_e(v.video_id)}</span>',
            _when(v.recorded_at) + _recorder(v),
            f"{_e(v.camera_id or '')}<br/>{_e(v.location or '')}",
            size,
            _sha(v.sha256),
        ]
        videos.append((cells, None))
    blocks.append(
        _table(
            "Source videos (SHA-256 of the whole file, taken at ingest)",
            (("File", 30), ("Recorded (UTC)", 16), ("Camera / location", 16), ("Size", 12), ("SHA-256", 26)),
            videos,
        )
    )
    if model.other_files:
        blocks.append(
            _table(
                "Data files",
                (("File", 40), ("Size", 20), ("SHA-256", 40)),
                [([_e(f.path), f"{f.size_bytes:,} bytes", _sha(f.sha256)], None) for f in model.other_files],
            )
        )
    audit = [
        (
            [
                _when(a.at),
                _wrappable(a.username or ""),
                _e(a.action),
                f'{_e(a.detail)}<br/><span class="mono">{_e(a.resource)}</span>',
                _e(a.justification or ""),
            ],
            None,
        )
        for a in model.audit
    ]
    blocks.append(
        _table(
            "Audit trail: reveals and exports of these segments",
            (("Time (UTC)", 15), ("User", 17), ("Action", 11), ("Details", 30), ("Justification", 27)),
            audit,
        )
    )
    blocks.append("<h2>Notes</h2>" + "".join(f'<p class="note">{_e(n)}</p>' for n in model.notes))
    return blocks
