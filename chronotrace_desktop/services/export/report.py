"""The documents of a package, as data: segment metadata rows (CSV and JSON), the report model the PDF
renderer lays out, and the manifest. Nothing here touches the database or the disk."""

from __future__ import annotations

import base64
import csv
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chronotrace_desktop import __version__
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.export import (
    HASH_ALGORITHM,
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    MANIFEST_VERSION,
    SIGNATURE_FORMAT,
    FileKind,
    ReportAuditEntry,
    ReportCase,
    ReportModel,
    ReportSegment,
    ReportVideo,
)
from chronotrace_desktop.domain.spreadsheet import csv_cell
from chronotrace_desktop.services.export.case_documents import case_json, report_bookmarks

if TYPE_CHECKING:
    import uuid
    from collections.abc import Mapping, Sequence
    from datetime import datetime
    from pathlib import Path

    from chronotrace_desktop.domain.cases import Bookmark, CaseInfo
    from chronotrace_desktop.domain.export import ExportRequest
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.export.files import PackageFile
    from chronotrace_desktop.services.export.selection import AuditRow, Resolved, SegmentRecord, VideoRecord
    from chronotrace_desktop.services.signing import SignerInfo

APPLICATION = f"ChronoTrace Desktop {__version__}"
CSV_COLUMNS = (
    "number", "segment_id", "video_id", "video_filename", "source_video_sha256", "segment_index",
    "start_s", "end_s", "wall_start_utc", "wall_end_utc", "recorder_start_utc", "recorder_end_utc",
    "clock_offset_s", "camera_id", "location", "score",
    "people_count", "face_count", "vehicle_count", "objects", "motion_detected", "activity_level",
    "lighting", "caption", "redacted_clip", "redacted_clip_sha256", "original_clip", "original_clip_sha256",
)  # fmt: skip
REVEAL_GROUP_S = 120.0


@dataclass(frozen=True, slots=True)
class PackageContext:
    """What every document of one package shares."""

    export_id: uuid.UUID
    request: ExportRequest
    actor: Actor
    created_at: datetime
    resolved: Resolved
    signer: SignerInfo
    case: CaseInfo | None = None  # the investigation the export belongs to
    bookmarks: tuple[Bookmark, ...] = ()  # what the report and the JSON list

    def video(self, segment: SegmentRecord) -> VideoRecord:
        return self.resolved.videos[segment.video_id]


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="milliseconds") + "Z"


def _files_of(files: Sequence[PackageFile], segment_id: uuid.UUID, kind: FileKind) -> PackageFile | None:
    return next((f for f in files if f.segment_id == segment_id and f.kind is kind), None)


def detections_line(s: SegmentRecord) -> str:
    people = s.people_count if s.people_count is not None else 0
    parts = [
        _count(people, "person", "people"),
        _count(s.face_count, "face"),
        _count(s.vehicle_count, "vehicle"),
    ]
    if s.objects:
        parts.append("objects: " + ", ".join(s.objects))
    if s.motion:
        parts.append("motion" + (f" ({s.activity})" if s.activity else ""))
    return "; ".join(parts)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def segment_rows(ctx: PackageContext, files: Sequence[PackageFile]) -> list[dict[str, Any]]:
    """One flat row per segment, in package order: what the CSV holds and the JSON extends."""
    rows = []
    for number, s in enumerate(ctx.resolved.segments, 1):
        video = ctx.video(s)
        redacted = _files_of(files, s.id, FileKind.REDACTED_CLIP)
        original = _files_of(files, s.id, FileKind.ORIGINAL_CLIP)
        rows.append(
            {
                "number": number,
                "segment_id": str(s.id),
                "video_id": str(video.id),
                "video_filename": video.filename,
                "source_video_sha256": video.sha256,
                "segment_index": s.segment_index,
                "start_s": round(s.start_s, 3),
                "end_s": round(s.end_s, 3),
                "wall_start_utc": iso(video.wall(s.start_s)),
                "wall_end_utc": iso(video.wall(s.end_s)),
                "recorder_start_utc": iso(video.recorder_wall(s.start_s)),
                "recorder_end_utc": iso(video.recorder_wall(s.end_s)),
                "clock_offset_s": video.clock_offset_s,
                "camera_id": s.camera_id,
                "location": s.location,
                "score": None if s.score is None else round(s.score, 4),
                "people_count": s.people_count,
                "face_count": s.face_count,
                "vehicle_count": s.vehicle_count,
                "objects": list(s.objects),
                "motion_detected": s.motion,
                "activity_level": s.activity,
                "lighting": s.lighting,
                "caption": s.caption,
                "redacted_clip": redacted.path if redacted else None,
                "redacted_clip_sha256": redacted.sha256 if redacted else None,
                "original_clip": original.path if original else None,
                "original_clip_sha256": original.sha256 if original else None,
            }
        )
    return rows


def csv_text(rows: Sequence[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(row.get(col)) for col in CSV_COLUMNS])
    return out.getvalue()


def json_text(ctx: PackageContext, rows: Sequence[Mapping[str, Any]]) -> str:
    segments = []
    for row, s in zip(rows, ctx.resolved.segments, strict=True):
        segments.append(
            {**row, "clip_start_s": s.clip_start_s, "clip_end_s": s.clip_end_s, "metadata": s.metadata}
        )
    document = {
        "format": "chronotrace-segment-metadata",
        "case_id": ctx.request.case_id,
        "package_id": str(ctx.export_id),
        "exported_at": iso(ctx.created_at),
        "query": {
            "query_id": _str(ctx.resolved.query_id),
            "text": ctx.resolved.query_text,
            "filters": ctx.resolved.filters,
        },
        "case": case_json(ctx.case),
        "segments": segments,
        "bookmarks": [b.as_json() for b in ctx.bookmarks],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _redaction_words(ctx: PackageContext) -> str:
    request = ctx.request
    if not request.unredacted:
        return (
            "Redacted: faces and heads blurred in every clip; no original (unredacted) media in this package."
        )
    origin = "re-cut from the source video" if request.recut_originals else "as cut at ingest"
    return (
        f"Redacted clips plus the lossless originals ({origin}), revealed by {ctx.actor.email} with the "
        f"justification: \u201c{request.reveal_justification}\u201d"
    )


def _numbers(numbers: list[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``#1-#3, #5`` (with an en dash)."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(f"#{a}" if a == b else f"#{a}\u2013#{b}" for a, b in runs)


def audit_lines(ctx: PackageContext, rows: Sequence[AuditRow]) -> list[ReportAuditEntry]:
    """The audit rows as the report lists them: reveals made together (same user and justification, within
    ``REVEAL_GROUP_S``) on one line naming the segments by their number in this report."""
    numbers = {s.id: n for n, s in enumerate(ctx.resolved.segments, 1)}
    lines: list[ReportAuditEntry] = []
    group: list[AuditRow] = []

    def flush() -> None:
        if not group:
            return
        first = group[0]
        found = [numbers[r.resource_id] for r in group if r.resource_id in numbers]
        what = "original clip" if len(group) == 1 else f"original clips of {len(group)} segments"
        lines.append(
            ReportAuditEntry(
                first.at,
                first.username,
                first.action,
                f"segments {_numbers(found)} of this report",
                first.justification,
                what,
            )
        )
        group.clear()

    for row in rows:
        if row.action == AuditAction.PII_REVEAL.value:
            same = group and (row.username, row.justification) == (group[0].username, group[0].justification)
            close = (
                group and row.at and group[0].at and (row.at - group[0].at).total_seconds() <= REVEAL_GROUP_S
            )
            if not (same and close):
                flush()
            group.append(row)
            continue
        flush()
        meta = row.metadata
        detail = (
            f"case {meta.get('case_id', '?')}, {meta.get('segment_count', '?')} segment(s), "
            f"{meta.get('redaction', '?')}" + ("" if row.success else f" - FAILED: {row.error}")
        )
        lines.append(
            ReportAuditEntry(
                row.at, row.username, row.action, f"export {row.resource_id}", row.justification, detail
            )
        )
    flush()
    return lines


def report_model(
    ctx: PackageContext,
    files: Sequence[PackageFile],
    audit: Sequence[AuditRow],
    thumbnails: Mapping[uuid.UUID, Path],
    stills: Mapping[uuid.UUID, Path] | None = None,
) -> ReportModel:
    segments = []
    for number, s in enumerate(ctx.resolved.segments, 1):
        video = ctx.video(s)
        segments.append(
            ReportSegment(
                number=number,
                segment_id=s.id,
                video_filename=video.filename,
                segment_index=s.segment_index,
                camera_id=s.camera_id,
                location=s.location,
                start_s=s.start_s,
                end_s=s.end_s,
                wall_start=video.wall(s.start_s),
                wall_end=video.wall(s.end_s),
                recorder_start=video.recorder_wall(s.start_s) if video.clock_offset_s else None,
                score=s.score,
                detections=detections_line(s),
                caption=s.caption,
                thumbnail=thumbnails.get(s.id),
                files=tuple(f.as_report_file() for f in files if f.segment_id == s.id),
            )
        )
    videos = tuple(
        ReportVideo(
            v.id,
            v.filename,
            v.sha256,
            v.size_bytes,
            v.recorded_at,
            v.camera_id,
            v.location,
            v.recorder_recorded_at,
            v.clock_offset_s,
            v.clock_source,
        )
        for v in ctx.resolved.videos.values()
    )
    this_export = ReportAuditEntry(
        at=ctx.created_at,
        username=ctx.actor.email,
        action="export_data",
        resource=f"export {ctx.export_id}",
        justification=ctx.request.reveal_justification,
        detail=f"this export (case {ctx.request.case_id}); recorded when the package is complete",
    )
    actor = ctx.actor
    return ReportModel(
        case_id=ctx.request.case_id,
        package_id=ctx.export_id,
        examiner=f"{actor.full_name} <{actor.email}>" if actor.full_name else actor.email,
        examiner_role=actor.role.value,
        created_at=ctx.created_at,
        header_text=ctx.request.header_text,
        selection=ctx.resolved.description,
        query_text=ctx.resolved.query_text,
        filters=tuple((k, _plain(v)) for k, v in ctx.resolved.filters.items()),
        redaction=_redaction_words(ctx),
        segments=tuple(segments),
        videos=videos,
        audit=(*audit_lines(ctx, audit), this_export),
        other_files=tuple(f.as_report_file() for f in files if f.segment_id is None),
        application=APPLICATION,
        signer_fingerprint=ctx.signer.fingerprint,
        notes=(
            "Every file of this package is listed with its SHA-256 in manifest.json, which is signed "
            "(manifest.sig) with the installation key named above; check both with: chronotrace verify <package>.",
            "Times are UTC, corrected for the recorder's clock where an offset was set (the recorder's own "
            "time is shown beside them). Offsets are seconds from the start of the source video.",
        ),
        case=None
        if ctx.case is None
        else ReportCase(ctx.case.case_id, ctx.case.title, ctx.case.evidence_hold, ctx.case.hold_reason),
        bookmarks=report_bookmarks(ctx, stills or {}),
    )


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def signature(signer: SignerInfo, signature: bytes) -> dict[str, Any]:
    """``manifest.sig``: the signer's public key and the Ed25519 signature over ``manifest.json``'s bytes."""
    return {
        "format": SIGNATURE_FORMAT,
        "signed_file": MANIFEST_NAME,
        **signer.as_json(),
        "signature": base64.b64encode(signature).decode("ascii"),
    }


def manifest(ctx: PackageContext, files: Sequence[PackageFile], warnings: Sequence[str]) -> dict[str, Any]:
    request, actor, resolved = ctx.request, ctx.actor, ctx.resolved
    by_segment: dict[uuid.UUID, list[str]] = {}
    for f in files:
        if f.segment_id is not None:
            by_segment.setdefault(f.segment_id, []).append(f.path)
    return {
        "format": MANIFEST_FORMAT,
        "format_version": MANIFEST_VERSION,
        "hash_algorithm": HASH_ALGORITHM,
        "package_id": str(ctx.export_id),
        "case_id": request.case_id,
        "case": case_json(ctx.case),
        "created_at": iso(ctx.created_at),
        "exporter": {
            "user_id": str(actor.user_id),
            "email": actor.email,
            "full_name": actor.full_name,
            "role": actor.role.value,
            "client": actor.client,
        },
        "application": APPLICATION,
        "signer": ctx.signer.as_json(),
        "types": sorted(t.value for t in request.types),
        "selection": {
            **resolved.details,
            "description": resolved.description,
            "query_id": _str(resolved.query_id),
            "query_text": resolved.query_text,
            "filters": dict(resolved.filters),
        },
        "redaction": {
            "mode": "redacted+original" if request.unredacted else "redacted",
            "watermark": request.watermark,
            "burned_in": bool(request.watermark),
            "reveal_justification": request.reveal_justification,
            "originals": ("recut_from_source" if request.recut_originals else "ingest_cut")
            if request.unredacted
            else None,
        },
        "source_videos": [
            {
                "video_id": str(v.id),
                "filename": v.filename,
                "sha256": v.sha256,
                "size_bytes": v.size_bytes,
                "recorded_at": iso(v.recorded_at),
                "recorder_recorded_at": iso(v.recorder_recorded_at),
                "clock_offset_s": v.clock_offset_s,
                "clock_source": v.clock_source,
                "camera_id": v.camera_id,
                "location": v.location,
                "duration_s": v.duration_s,
            }
            for v in resolved.videos.values()
        ],
        "segments": [
            {
                "segment_id": str(s.id),
                "video_id": str(s.video_id),
                "segment_index": s.segment_index,
                "start_s": round(s.start_s, 3),
                "end_s": round(s.end_s, 3),
                "clip_start_s": round(s.clip_start_s, 3),
                "clip_end_s": round(s.clip_end_s, 3),
                "wall_start": iso(ctx.video(s).wall(s.start_s)),
                "wall_end": iso(ctx.video(s).wall(s.end_s)),
                "recorder_wall_start": iso(ctx.video(s).recorder_wall(s.start_s)),
                "recorder_wall_end": iso(ctx.video(s).recorder_wall(s.end_s)),
                "camera_id": s.camera_id,
                "location": s.location,
                "score": s.score,
                "files": by_segment.get(s.id, []),
            }
            for s in resolved.segments
        ],
        "bookmarks": [b.as_json() for b in ctx.bookmarks],
        "files": [f.as_json() for f in files],
        "warnings": list(warnings),
    }
