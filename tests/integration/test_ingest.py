"""Ingestion end to end on real footage: every shared clip, bad input, duplicates, cancel, kill -9 and resume."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import av
import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.errors import InvalidInputError, PermissionDeniedError
from chronotrace_desktop.domain.ingest import (
    IngestOptions,
    IngestProgress,
    IngestResult,
    IngestStage,
    IngestStatus,
)
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.domain.users import ReauthPurpose
from chronotrace_desktop.media.windows import plan_windows
from chronotrace_desktop.services.evaluation.scene import evaluate_scene
from chronotrace_desktop.storage.embedded_pg import EmbeddedPostgres
from chronotrace_desktop.storage.orm import AuditLog, Video, VideoSegment, VideoTrack
from chronotrace_desktop.workers.task_state import TaskState
from tests.conftest import VIDEOS_DIR
from tests.corpus import build_corpus, restore_permissions
from tests.integration.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Installation, new_installation

REPO = Path(__file__).resolve().parents[2]
SHARED_CLIPS = sorted(p for p in VIDEOS_DIR.iterdir() if p.suffix in {".mp4", ".gif", ".avi"})
# On the server backend, one clip of each container (and the crowded gym clip, which the redaction tests read
# from this installation too): what the server adds is where rows and vectors go, and the other clips' frames
# would be decoded and seen exactly as on the embedded backend, which ingests every shared clip.
SERVER_CLIPS = ("2018-03-11.16-20-00.16-25-00.school.G330.annotated.mp4", "car-detection.mp4")
SERVER_CLIPS += ("classroom.gif", "video02.avi")


def clips_of(inst: Installation) -> list[Path]:
    return SHARED_CLIPS if inst.backend == "embedded" else [VIDEOS_DIR / name for name in SERVER_CLIPS]


def every_clip(inst: Installation) -> None:
    if inst.backend != "embedded":
        pytest.skip("seeing is the same on both backends: checked on the embedded one, which has every clip")


@pytest.fixture(scope="module")
def library(installation: Installation) -> tuple[Installation, dict[str, IngestResult]]:
    """The session installation with the shared clips ingested: the whole folder on the embedded backend,
    :data:`SERVER_CLIPS` and the folder's notes file named one by one on the server."""
    given = [VIDEOS_DIR]
    if installation.backend != "embedded":
        given = [*clips_of(installation), VIDEOS_DIR / "SOURCES.md"]
    results = installation.services.ingest.ingest_paths(
        installation.admin,
        given,
        IngestOptions(camera_id="CAM-SHARED", location="Test footage"),
        Unattended(),
    )
    return installation, {r.path.name: r for r in results}


def _segments(inst: Installation, filename: str) -> list[VideoSegment]:
    with inst.services.database.transaction() as session:
        rows = session.scalars(
            sa.select(VideoSegment)
            .join(Video)
            .where(Video.filename == filename)
            .order_by(VideoSegment.segment_index)
        ).all()
        session.expunge_all()
        return list(rows)


def test_every_shared_clip_ingests(library: tuple[Installation, dict[str, IngestResult]]) -> None:
    inst, results = library
    assert len(SHARED_CLIPS) == 15
    assert len(results) == len(clips_of(inst)) + 1
    for clip in clips_of(inst):
        result = results[clip.name]
        assert result.status is IngestStatus.COMPLETED, (clip.name, result.error)
        with av.open(str(clip)) as container:
            duration = float(container.duration or 0) / av.time_base
        assert result.segments == len(plan_windows(duration)), clip.name
    notes = results["SOURCES.md"]
    if inst.backend == "embedded":  # met in a folder: passed over
        assert notes.status is IngestStatus.SKIPPED
    else:  # named: refused, saying why
        assert (notes.status, notes.error) == (IngestStatus.FAILED, "SOURCES.md: a text file, not a video")


def test_segments_thumbnails_and_vectors_agree(library: tuple[Installation, dict[str, IngestResult]]) -> None:
    inst, _ = library
    blobs = inst.services.blobs
    total = 0
    for clip in clips_of(inst):
        for segment in _segments(inst, clip.name):
            total += 1
            for key in (segment.segment_path, segment.thumbnail_path, segment.redacted_thumbnail_path):
                assert key is not None
                assert blobs.exists(key), key
            assert segment.embedding_id == str(segment.id)
            assert segment.privacy_applied is True
            assert segment.caption
            assert segment.clip_start_time is not None
            assert float(segment.clip_start_time) <= float(segment.start_time) + 0.05
            assert (segment.meta or {}).get("redaction") is not None
    stored = {p.id: p.payload for p in inst.services.vectors.iter_points()}
    ids = {s.id for clip in clips_of(inst) for s in _segments(inst, clip.name)}
    assert ids <= set(stored)
    assert len(ids) == total
    payload = stored[next(iter(ids))]
    for field in (
        "segment_id",
        "video_id",
        "start_time",
        "end_time",
        "duration",
        "camera_id",
        "location",
        "has_faces",
        "face_count",
        "has_vehicles",
        "vehicle_count",
        "has_audio",
        "privacy_applied",
        "motion_detected",
        "activity_level",
        "thumbnail_url",
        "segment_url",
        "objects_detected",
        "embedding_model",
        "embedding_version",
        "embedding_generated_at",
        "dominant_colors",
        "average_brightness",
        "audio_level_db",
        "lighting_condition",
    ):
        assert field in payload, field
    assert payload["camera_id"] == "CAM-SHARED"


def test_known_content_is_found(library: tuple[Installation, dict[str, IngestResult]]) -> None:
    inst, _ = library
    every_clip(inst)
    cars = _segments(inst, "car-detection.mp4")
    assert any("car" in (s.objects_detected or []) for s in cars)
    assert all(s.has_vehicles for s in cars)
    assert any(s.has_faces for s in _segments(inst, "face-demographics-walking-and-pause.gif"))
    assert any(s.has_faces for s in _segments(inst, "classroom.gif"))
    gym = _segments(inst, "2018-03-11.16-20-00.16-25-00.school.G330.annotated.mp4")
    assert max(s.people_count or 0 for s in gym) >= 8
    people = _segments(inst, "one-by-one-person-detection.mp4")
    assert sum("person" in (s.objects_detected or []) for s in people) >= len(people) // 2
    with inst.services.database.transaction() as session:
        tracks = session.scalars(
            sa.select(VideoTrack.label).join(Video).where(Video.filename == "car-detection.mp4")
        )
        assert "car" in set(tracks)


def test_people_vehicles_and_scenes_are_described(
    library: tuple[Installation, dict[str, IngestResult]],
) -> None:
    inst, _ = library
    every_clip(inst)
    gym = _segments(inst, "2018-03-11.16-20-00.16-25-00.school.G330.annotated.mp4")
    assert max(s.people_count or 0 for s in gym) >= 15  # NanoDet-g over tiles sees the crowd
    assert all((s.meta or {}).get("people_mean", 0) >= 5 for s in gym)
    assert all(s.scene_type != "outdoor" for s in gym)
    worker = _segments(inst, "worker-zone-detection.gif")[0]
    tags = {t for p in worker.meta["people"] for t in p["tags"]}
    assert "hivis" in tags
    assert "hi-vis" in (worker.caption or "")
    classroom = _segments(inst, "classroom.gif")[0]
    assert {p["posture"] for p in classroom.meta["people"]} == {"sitting"}
    road = _segments(inst, "video02.avi")
    assert all(s.scene_type == "outdoor" for s in road)
    assert all(s.meta["scene"]["surfaces"] == ["road"] for s in road)
    assert all(s.meta["scene"]["setting"] == "outdoor" for s in road)
    moving = [v for s in road for v in s.meta["vehicles"] if v["motion"] == "moving"]
    assert len(moving) >= 5
    assert {v["label"] for v in moving} <= {"car", "van", "pickup", "truck", "bus", "motorbike", "bicycle"}


def test_scene_cues_meet_their_precision_on_the_labelled_clips(
    library: tuple[Installation, dict[str, IngestResult]],
) -> None:
    inst, _ = library
    every_clip(inst)
    services = inst.services
    report = evaluate_scene(
        services.database, services.authorizer, inst.admin, REPO / "eval" / "dev_scene.json"
    )
    said = {(s.cue, s.value): s for s in report.scores}
    assert said[("setting", "outdoor")].said >= 10
    assert said[("setting", "indoor")].said >= 5
    for score in report.scores:
        assert score.precision is not None
        assert score.precision >= 0.8, score


def test_the_same_file_again_is_already_ingested(
    library: tuple[Installation, dict[str, IngestResult]],
) -> None:
    inst, _ = library
    again = inst.services.ingest.ingest_paths(
        inst.admin, [VIDEOS_DIR / "classroom.gif"], IngestOptions(), Unattended()
    )
    assert [r.status for r in again] == [IngestStatus.ALREADY_INGESTED]
    assert again[0].segments == 1


def test_the_same_bytes_elsewhere_are_refused(
    library: tuple[Installation, dict[str, IngestResult]], tmp_path: Path
) -> None:
    inst, _ = library
    copy = tmp_path / "renamed copy.gif"
    shutil.copyfile(VIDEOS_DIR / "classroom.gif", copy)
    (result,) = inst.services.ingest.ingest_paths(inst.admin, [copy], IngestOptions(), Unattended())
    assert result.status is IngestStatus.DUPLICATE
    assert "already in the library as classroom.gif" in (result.error or "")


def test_viewers_may_not_ingest(library: tuple[Installation, dict[str, IngestResult]]) -> None:
    inst, _ = library
    _, viewer = inst.add_user(Role.VIEWER)
    with pytest.raises(PermissionDeniedError):
        inst.services.ingest.ingest_paths(
            viewer, [VIDEOS_DIR / "classroom.gif"], IngestOptions(), Unattended()
        )


# ---------------------------------------------------------------- fresh installations (embedded)


@pytest.fixture
def fresh() -> Iterator[Installation]:
    with new_installation("embedded") as made:
        yield made


def test_bad_input_fails_clearly_while_good_files_complete(fresh: Installation, scratch: Path) -> None:
    corpus = build_corpus(scratch / "corpus", VIDEOS_DIR)
    try:
        good = VIDEOS_DIR / "person-bicycle-car-detection.gif"
        paths = [item.path for item in corpus.values()] + [VIDEOS_DIR / "video03.avi"]
        results = {
            r.path: r
            for r in fresh.services.ingest.ingest_paths(fresh.admin, paths, IngestOptions(), Unattended())
        }
    finally:
        restore_permissions(corpus)
    assert results[VIDEOS_DIR / "video03.avi"].status is IngestStatus.COMPLETED
    failed_kinds = 0
    for key, item in corpus.items():
        result = results.get(item.path)
        if item.path.is_dir():
            continue  # a folder expands into its files
        assert result is not None, key
        if item.expect == "fail":
            failed_kinds += 1
            assert result.status is IngestStatus.FAILED, (key, result)
            assert item.reason_match in (result.error or "").lower(), (key, result.error)
        elif item.expect == "partial":
            assert result.status is IngestStatus.COMPLETED, (key, result.error)
            assert result.warnings, key
        else:
            assert result.status in (IngestStatus.COMPLETED, IngestStatus.DUPLICATE), (key, result.error)
    assert failed_kinds >= 12
    with fresh.services.database.transaction() as session:
        rows = session.execute(
            sa.select(Video.original_path, Video.processing_status, Video.error_message)
        ).all()
    recorded = {Path(p): (status, error) for p, status, error in rows}
    for item in corpus.values():
        if item.expect == "fail" and item.path in recorded:
            assert recorded[item.path][0] == "failed"
            assert recorded[item.path][1]
    assert good.exists()


def test_cancel_then_resume_completes_without_duplicates(fresh: Installation) -> None:
    clip = VIDEOS_DIR / "one-by-one-person-detection.mp4"
    task = TaskState()

    def cancel_after_three(done: int, total: int, event: IngestProgress) -> None:
        if event.stage == IngestStage.SEGMENTS and event.done >= 3:
            task.cancel()

    (first,) = fresh.services.ingest.ingest_paths(
        fresh.admin, [clip], IngestOptions(), task, progress=cancel_after_three
    )
    assert first.status is IngestStatus.CANCELLED
    assert 3 <= first.segments < 10
    with fresh.services.database.transaction() as session:
        video = session.get(Video, first.video_id)
        assert video is not None
        assert video.processing_status == "pending"
        assert "resume" in (video.error_message or "")
    (second,) = fresh.services.ingest.ingest_paths(fresh.admin, [clip], IngestOptions(), Unattended())
    assert second.status is IngestStatus.COMPLETED
    assert second.video_id == first.video_id
    assert second.segments == 10
    _assert_consistent(fresh, second.video_id)


def _assert_consistent(inst: Installation, video_id: object) -> None:
    with inst.services.database.transaction() as session:
        segments = session.scalars(sa.select(VideoSegment).where(VideoSegment.video_id == video_id)).all()
        indexes = [s.segment_index for s in segments]
        keys = {
            k for s in segments for k in (s.segment_path, s.thumbnail_path, s.redacted_thumbnail_path) if k
        }
        ids = {s.id for s in segments}
    assert sorted(indexes) == list(range(len(indexes)))
    vector_ids = {
        p.id for p in inst.services.vectors.iter_points() if p.payload.get("video_id") == str(video_id)
    }
    assert vector_ids == ids, "no orphan and no missing vector"
    stored = set(inst.services.blobs.keys(str(video_id)))
    assert stored == keys, f"orphan files: {stored - keys}, missing: {keys - stored}"


def test_kill_9_mid_file_then_the_same_command_completes(scratch: Path) -> None:
    data = scratch / "data"
    env = {**os.environ, "CHRONOTRACE_PASSWORD": ADMIN_PASSWORD}
    base = [sys.executable, "-m", "chronotrace_desktop", "--data-dir", str(data)]
    subprocess.run([*base, "init", "--admin-email", ADMIN_EMAIL], env=env, check=True, capture_output=True)
    command = [
        *base,
        "ingest",
        "--user",
        ADMIN_EMAIL,
        "--json",
        str(VIDEOS_DIR / "one-by-one-person-detection.mp4"),
    ]
    victim = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    watcher = EmbeddedPostgres(data / "postgres")
    try:
        engine = sa.create_engine(watcher.start().set(database="chronotrace"), poolclass=sa.pool.NullPool)
        deadline = time.monotonic() + 120
        committed = 0
        while time.monotonic() < deadline and victim.poll() is None:
            with engine.connect() as conn:
                committed = conn.execute(sa.text("SELECT count(*) FROM video_segments")).scalar() or 0
            if committed >= 2:
                break
            time.sleep(0.05)
        assert victim.poll() is None, "the ingest finished before it could be killed"
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
        assert 2 <= committed < 10
        rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
        assert rerun.returncode == 0, rerun.stderr
        result = json.loads(rerun.stdout.strip().splitlines()[-1])
        assert result["status"] == "completed"
        assert result["segments"] == 10
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM video_segments")).scalar() == 10
            assert conn.execute(sa.text("SELECT count(*) FROM videos")).scalar() == 1
        engine.dispose()
    finally:
        watcher.stop()
    media = data / "media"
    assert not list(media.rglob(".tmp-*")), "temp files left behind"
    assert not list(media.rglob(".*.part-*")), "temp files left behind"
    check = subprocess.run([*base, "doctor", "--json"], env=env, capture_output=True, text=True, check=False)
    doctor = json.loads(check.stdout)
    (vectors,) = [c for c in doctor["checks"] if c["name"] == "vector index"]
    assert "10 points" in vectors["detail"]


# ---------------------------------------------------------------- media access: redacted by default, audited reveal


def _audit_rows(inst: Installation, action: str, user_id: object) -> list[AuditLog]:
    with inst.services.database.transaction() as session:
        rows = session.scalars(
            sa.select(AuditLog).where(AuditLog.action == action, AuditLog.user_id == user_id)
        ).all()
        session.expunge_all()
        return list(rows)


def test_viewers_get_a_redacted_clip_rendered_once(
    library: tuple[Installation, dict[str, IngestResult]],
) -> None:
    inst, _ = library
    _, viewer = inst.add_user(Role.VIEWER)
    segment = _segments(inst, "classroom.gif")[0]
    if (
        inst.backend == "server"
    ):  # a team viewer's login may not record a rendition: an analyst's machine renders
        inst.services.media.redacted_clip(inst.admin, segment.id)
    clip = inst.services.media.redacted_clip(viewer, segment.id)
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert not container.streams.audio, "voices are PII: redacted clips carry no audio"
        assert sum(1 for _ in container.decode(stream)) > 10
    first_mtime = clip.stat().st_mtime_ns
    again = inst.services.media.redacted_clip(viewer, segment.id)
    assert again == clip
    assert again.stat().st_mtime_ns == first_mtime, "a cached rendition is not rendered again"
    refreshed = _segments(inst, "classroom.gif")[0]
    assert refreshed.redacted_path is not None
    assert inst.services.blobs.path(refreshed.redacted_path) == clip
    thumb = inst.services.media.redacted_thumbnail(viewer, segment.id)
    assert thumb.name.endswith(".redacted.jpg")


def test_viewers_cannot_reveal_and_the_attempt_is_audited(
    library: tuple[Installation, dict[str, IngestResult]],
) -> None:
    inst, _ = library
    _, viewer = inst.add_user(Role.VIEWER)
    segment = _segments(inst, "classroom.gif")[0]
    proof = inst.services.reauth.confirm(viewer, ADMIN_PASSWORD, ReauthPurpose.REVEAL)
    with pytest.raises(PermissionDeniedError, match="reveal faces"):
        inst.services.media.reveal(
            viewer, segment.id, "CASE-2024-0001 suspect identification needed", proof=proof
        )
    (denied,) = _audit_rows(inst, "permission_denied", viewer.user_id)
    assert denied.resource_id == segment.id
    assert not _audit_rows(inst, "pii_reveal", viewer.user_id)


def test_an_analyst_reveal_needs_a_justification_and_is_audited_first(
    library: tuple[Installation, dict[str, IngestResult]],
) -> None:
    inst, _ = library
    _, analyst = inst.add_user(Role.ANALYST)
    segment = _segments(inst, "classroom.gif")[0]
    proof = inst.services.reauth.confirm(analyst, ADMIN_PASSWORD, ReauthPurpose.REVEAL)
    with pytest.raises(InvalidInputError, match="justification"):
        inst.services.media.reveal(analyst, segment.id, "because", proof=proof)
    (refused,) = _audit_rows(inst, "pii_reveal", analyst.user_id)  # the refusal is on the record
    assert (refused.success, refused.error_message) == (False, "justification_too_short")
    reason = "CASE-2024-0001: identify the person at the second desk"
    original = inst.services.media.reveal(analyst, segment.id, reason, proof=proof)
    assert segment.segment_path is not None
    assert original == inst.services.blobs.path(segment.segment_path)
    (row,) = [r for r in _audit_rows(inst, "pii_reveal", analyst.user_id) if r.success]
    assert row.justification == reason
    assert row.resource_id == segment.id
    assert row.meta["what"] == "clip"


def test_prerender_renders_each_missing_redacted_clip_once(
    library: tuple[Installation, dict[str, IngestResult]],
) -> None:
    inst, results = library
    video = results["car-detection.mp4"].video_id
    assert video is not None
    rendered = inst.services.media.prerender(inst.admin, Unattended(), video_ids=[video])
    assert rendered == len(_segments(inst, "car-detection.mp4"))
    for segment in _segments(inst, "car-detection.mp4"):
        assert segment.redacted_path is not None
        assert inst.services.blobs.exists(segment.redacted_path)
    assert inst.services.media.prerender(inst.admin, Unattended(), video_ids=[video]) == 0
    _, viewer = inst.add_user(Role.VIEWER)
    with pytest.raises(PermissionDeniedError):
        inst.services.media.prerender(viewer, Unattended(), video_ids=[video])
