"""Redacted renditions as a viewer gets them: exactly the segment's window, re-rendered when their key is not
the current one (an older rendition, the other redaction mode), upper bodies in upper_body mode, measured by
``eval-redaction``."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest
import sqlalchemy as sa

from chronotrace_desktop.config import RedactionMode
from chronotrace_desktop.domain.ingest import IngestOptions
from chronotrace_desktop.domain.media import plan_from_json
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.domain.users import ReauthPurpose
from chronotrace_desktop.media.images import box_pixels
from chronotrace_desktop.media.redaction import BODY, PlanTimeline, render_redacted_clip
from chronotrace_desktop.services.evaluation.redaction import evaluate_redaction, load_redaction_labels
from chronotrace_desktop.services.media_access import MediaAccessService, rendition_key, rendition_plan
from chronotrace_desktop.storage.orm import Video, VideoSegment
from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.conftest import ADMIN_PASSWORD, Installation
from tests.integration.test_cli import ADMIN, Cli

GYM = "2018-03-11.16-20-00.16-25-00.school.G330.annotated.mp4"
CLASSROOM = "classroom.gif"
# classroom.gif at 1.0 s (480x270): the four people's heads, labelled by hand; all four faces are visible.
CLASSROOM_HEADS = ([62, 141, 28, 34], [125, 122, 18, 23], [230, 121, 18, 24], [302, 141, 29, 35])


@pytest.fixture(scope="module")
def library(installation: Installation) -> Installation:
    """The session installation with the gym clip and classroom.gif (already there if test_ingest ran)."""
    results = installation.services.ingest.ingest_paths(
        installation.admin,
        [VIDEOS_DIR / GYM, VIDEOS_DIR / CLASSROOM],
        IngestOptions(camera_id="CAM-SHARED", location="Test footage"),
        Unattended(),
    )
    assert all(r.ok for r in results), [(r.filename, r.error) for r in results]
    return installation


def _segments(inst: Installation, filename: str) -> list[VideoSegment]:
    with inst.services.database.transaction() as session:
        rows = session.scalars(
            sa.select(VideoSegment)
            .join(Video)
            .where(Video.filename == filename, Video.deleted_at.is_(None))
            .order_by(Video.uploaded_at.desc(), VideoSegment.segment_index)
        ).all()
        session.expunge_all()
        latest = rows[0].video_id
        return [r for r in rows if r.video_id == latest]


def _segment(inst: Installation, filename: str, index: int) -> VideoSegment:
    return _segments(inst, filename)[index]


def _pre_rolled(inst: Installation) -> VideoSegment:
    """The gym segment whose stored cut starts furthest before its window."""
    segment = max(
        _segments(inst, GYM), key=lambda s: float(s.start_time) - float(s.clip_start_time or s.start_time)
    )
    assert float(segment.start_time) - float(segment.clip_start_time or 0) > 1.0
    return segment


def _frames(path: Path, offset: float = 0.0) -> list[tuple[float, np.ndarray]]:
    """Every frame: (seconds + ``offset``, 64 px grey thumbnail)."""
    out = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        origin = stream.start_time or 0
        for frame in container.decode(stream):
            assert frame.pts is not None
            assert stream.time_base is not None
            gray = frame.to_ndarray(format="gray")
            thumb = cv2.resize(
                gray, (64, round(64 * gray.shape[0] / gray.shape[1])), interpolation=cv2.INTER_AREA
            )
            out.append((float((frame.pts - origin) * stream.time_base) + offset, thumb.astype(np.float32)))
    return out


def _first_frame(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="bgr24")


def _detail(image: np.ndarray) -> float:
    return float(np.abs(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.CV_32F)).mean())


def test_a_viewers_rendition_holds_exactly_the_windows_frames(library: Installation) -> None:
    segment = _pre_rolled(library)
    _, viewer = library.add_user(Role.VIEWER)
    # Rendered where originals may be read (a team viewer's login may not record a rendition); served to viewers.
    clip = library.services.media.redacted_clip(library.admin, segment.id)
    assert library.services.media.redacted_clip(viewer, segment.id) == clip
    start, end = float(segment.start_time), float(segment.end_time)
    assert segment.segment_path is not None
    cut = _frames(library.services.blobs.path(segment.segment_path), float(segment.clip_start_time or 0))
    window = [(t, f) for t, f in cut if start - 1e-3 <= t < end - 1e-3]
    rendered = _frames(clip)
    assert len(cut) - len(window) > 30, "the stored cut holds more than a second of pre-roll"
    assert len(rendered) == len(window)

    # Content: the rendition lines up with the window's frames, not with the cut's (pre-roll) start. One
    # blurred frame alone is too like its neighbours to tell; the whole sequence is not.
    def cost(offset: int) -> float:
        return float(np.median([np.abs(r - cut[offset + i][1]).mean() for i, (_, r) in enumerate(rendered)]))

    first = len(cut) - len(window) - sum(1 for t, _ in cut if t >= end - 1e-3)
    best = min(range(len(cut) - len(rendered) + 1), key=cost)
    assert abs(best - first) <= 3
    assert cost(first) < cost(0)
    assert rendered[-1][0] == pytest.approx(window[-1][0] - window[0][0], abs=0.05)
    fresh = _segment(library, GYM, segment.segment_index)
    assert fresh.redacted_path == rendition_key(segment.video_id, segment.segment_index, RedactionMode.HEADS)


def test_an_old_style_rendition_is_never_served_again(library: Installation) -> None:
    inst = library
    segment = _segment(inst, CLASSROOM, 0)
    assert segment.segment_path is not None
    old_key = f"{segment.video_id}/redacted/{segment.segment_index:04d}.mp4"  # before renditions had versions
    old_file = inst.services.blobs.path(old_key)
    old_file.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(inst.services.blobs.path(segment.segment_path), old_file)
    with inst.services.database.transaction() as session:
        row = session.get(VideoSegment, segment.id)
        assert row is not None
        row.redacted_path = old_key
    _, viewer = inst.add_user(Role.VIEWER)
    assert inst.services.media.prerender(inst.admin, Unattended(), video_ids=[segment.video_id]) == 1
    clip = inst.services.media.redacted_clip(viewer, segment.id)
    key = rendition_key(segment.video_id, 0, RedactionMode.HEADS)
    assert clip == inst.services.blobs.path(key)
    assert _segment(inst, CLASSROOM, 0).redacted_path == key
    assert not old_file.exists(), "the stale rendition is removed"
    with av.open(str(clip)) as container:
        assert container.streams.video[0].codec_context.name == "h264"


def test_switching_the_mode_never_serves_the_other_modes_rendition(library: Installation) -> None:
    inst = library
    services = inst.services
    heads = services.media
    upper = MediaAccessService(
        services.database, services.blobs, services.authorizer, services.audit,
        redaction_mode=RedactionMode.UPPER_BODY,
    )  # fmt: skip
    renderer = inst.admin  # renders where originals may be read (a team viewer is served, never renders)
    _, viewer = inst.add_user(Role.VIEWER)
    segment = _segment(inst, CLASSROOM, 0)
    heads_clip = heads.redacted_clip(renderer, segment.id)
    heads_first = _first_frame(heads_clip)
    upper_clip = upper.redacted_clip(renderer, segment.id)
    assert upper_clip != heads_clip
    assert _segment(inst, CLASSROOM, 0).redacted_path == rendition_key(
        segment.video_id, 0, RedactionMode.UPPER_BODY
    )
    assert heads.redacted_clip(renderer, segment.id) == heads_clip  # rendered again in heads mode
    assert _segment(inst, CLASSROOM, 0).redacted_path == rendition_key(
        segment.video_id, 0, RedactionMode.HEADS
    )
    assert not upper_clip.exists()

    # Below the heads, upper bodies are blurred in upper_body mode only.
    meta = segment.meta or {}
    start, end = float(segment.start_time), float(segment.end_time)
    plan = rendition_plan(meta, start, end, RedactionMode.UPPER_BODY)
    bodies = [b for b in PlanTimeline(plan, RedactionMode.UPPER_BODY).boxes_at(start) if b.label == BODY]
    assert bodies
    assert plan_from_json(meta["redaction"]).keyframes  # the stored plan stays as ingest made it
    upper_first = _first_frame(upper.redacted_clip(viewer, segment.id))
    height, width = upper_first.shape[:2]
    chests = []
    for body in bodies:
        x0, y0, x1, y1 = box_pixels(body, width, height)
        y0 = y0 + (y1 - y0) // 2  # the lower half of the upper-body box: chest and arms, not the head
        chests.append((_detail(upper_first[y0:y1, x0:x1]), _detail(heads_first[y0:y1, x0:x1])))
    assert sum(u for u, _ in chests) < 0.5 * sum(h for _, h in chests)

    heads_thumb = heads.redacted_thumbnail(viewer, segment.id)
    upper_thumb = upper.redacted_thumbnail(viewer, segment.id)
    assert upper_thumb != heads_thumb
    assert "upper_body" in upper_thumb.name
    assert upper.redacted_thumbnail(viewer, segment.id) == upper_thumb  # made once
    a, b = cv2.imread(str(heads_thumb)), cv2.imread(str(upper_thumb))
    assert a.shape == b.shape
    assert _detail(b) < _detail(a)


def _labels(tmp_path: Path, frames: list[dict[str, object]]) -> Path:
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"description": "test labels", "frames": frames}), encoding="utf-8")
    return path


CLASSROOM_FRAME = {
    "video": CLASSROOM,
    "t": 1.0,
    "width": 480,
    "height": 270,
    "heads": [{"box": box, "face_visible": True} for box in CLASSROOM_HEADS],
    "crowded": False,
}


def test_eval_redaction_scores_the_viewers_renditions(library: Installation, tmp_path: Path) -> None:
    inst = library
    gym = _pre_rolled(inst)
    gym_t = float(gym.start_time) + 2.0
    labels = load_redaction_labels(
        _labels(
            tmp_path, [CLASSROOM_FRAME, {"video": GYM, "t": gym_t, "width": 480, "height": 360, "heads": []}]
        )
    )
    proof = inst.services.reauth.confirm(inst.admin, ADMIN_PASSWORD, ReauthPurpose.REVEAL)
    report = evaluate_redaction(inst.services.database, inst.services.media, inst.admin, labels, proof=proof)
    assert report.mode == "heads"
    assert report.overall.heads == report.overall.faces == 4
    classroom = report.per_clip[CLASSROOM]
    assert classroom.head_coverage is not None
    assert classroom.head_coverage >= 0.5
    assert report.overall.outside_frames == 0
    (gym_check,) = [s for s in report.segments if s.video == GYM]
    assert gym_check.rendered_frames == gym_check.window_frames > 400
    assert gym_check.offset_frames == 0
    assert report.as_json()["overall"]["outside_share"] == 0.0


def test_eval_redaction_catches_a_pre_rolled_rendition(library: Installation, tmp_path: Path) -> None:
    """The renditions made before version 2 started at the cut's keyframe: the measurement sees it."""
    inst = library
    gym = _pre_rolled(inst)
    assert gym.segment_path is not None
    old_style = render_redacted_clip(
        inst.services.blobs.path(gym.segment_path),
        plan_from_json((gym.meta or {})["redaction"]),
        tmp_path / "old.mp4",
        segment_offset_s=float(gym.clip_start_time or 0),
    )

    @dataclass
    class OldRenditions:
        real: MediaAccessService
        redaction_mode: RedactionMode = RedactionMode.HEADS

        def redacted_clip(self, actor: object, segment_id: object) -> Path:
            return old_style

        def revealer(self, *args: Any, **kwargs: Any) -> Any:
            return self.real.revealer(*args, **kwargs)

        def end_reveal(self, original: Path) -> None:
            self.real.end_reveal(original)

    labels = load_redaction_labels(
        _labels(
            tmp_path,
            [{"video": GYM, "t": float(gym.start_time) + 2.0, "width": 480, "height": 360, "heads": []}],
        )
    )
    media = OldRenditions(inst.services.media)
    proof = inst.services.reauth.confirm(inst.admin, ADMIN_PASSWORD, ReauthPurpose.REVEAL)
    report = evaluate_redaction(
        inst.services.database,
        media,  # type: ignore[arg-type]
        inst.admin,
        labels,
        proof=proof,
    )
    (check,) = report.segments
    extra = check.rendered_frames - check.window_frames  # the pre-roll (and the cut's frames after the end)
    assert extra > 30
    assert check.outside_frames == extra
    assert abs(check.offset_frames + extra) <= 3  # lined up by content: it starts ~200 frames early
    assert report.overall.outside_share == pytest.approx(extra / check.rendered_frames)


@pytest.fixture(scope="module")
def cli() -> Cli:
    runner = Cli(scratch_dir("cli-eval-redaction-") / "data")
    assert runner("init", "--admin-email", ADMIN).returncode == 0
    ingested = runner("ingest", "--user", ADMIN, str(VIDEOS_DIR / CLASSROOM))
    assert ingested.returncode == 0, ingested.stderr
    return runner


def test_eval_redaction_command_prints_a_table_and_json(cli: Cli, tmp_path: Path) -> None:
    labels = _labels(tmp_path, [CLASSROOM_FRAME])
    table = cli("eval-redaction", str(labels), "--user", ADMIN)
    assert table.returncode == 0, table.stderr
    assert "classroom.gif" in table.stdout
    assert "OVERALL" in table.stdout
    assert "OUTSIDE WINDOW" in table.stdout
    result = cli("eval-redaction", str(labels), "--json", "--user", ADMIN)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["overall"]["heads"] == 4
    assert report["overall"]["outside_frames"] == 0
    assert set(report["per_clip"]) == {CLASSROOM}
    missing = cli("eval-redaction", str(tmp_path / "nope.json"), "--user", ADMIN)
    assert missing.returncode == 2
    assert "label file" in missing.stderr
