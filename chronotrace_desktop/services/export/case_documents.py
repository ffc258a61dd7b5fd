"""The case an export is filed in and its bookmarks, as the package's documents show them: the JSON's ``case``
object and the report's bookmark rows. Plain data, like ``report``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.export import ReportBookmark

if TYPE_CHECKING:
    import uuid
    from collections.abc import Mapping
    from pathlib import Path

    from chronotrace_desktop.domain.cases import CaseInfo
    from chronotrace_desktop.services.export.report import PackageContext


def case_json(case: CaseInfo | None) -> dict[str, Any] | None:
    if case is None:
        return None
    return {
        "case_id": case.case_id,
        "title": case.title,
        "status": case.status.value,
        "evidence_hold": case.evidence_hold,
        "hold_reason": case.hold_reason,
    }


def report_bookmarks(ctx: PackageContext, stills: Mapping[uuid.UUID, Path]) -> tuple[ReportBookmark, ...]:
    recorder = {v.id: v for v in ctx.resolved.videos.values() if v.clock_offset_s}
    made = []
    for number, b in enumerate(ctx.bookmarks, 1):
        video = recorder.get(b.video_id)
        made.append(
            ReportBookmark(
                number=number,
                wall_time=b.wall_time,
                recorder_time=video.recorder_wall(b.offset_s) if video is not None else None,
                offset_s=b.offset_s,
                video_filename=b.filename or str(b.video_id),
                camera_id=b.camera_id,
                note=b.note,
                author=b.created_by,
                still=stills.get(b.bookmark_id),
                box=b.box,
            )
        )
    return tuple(made)
