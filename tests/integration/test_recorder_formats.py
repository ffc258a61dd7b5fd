"""Recorder export formats end to end: each built from a shared clip at test time, probed, ingested from a
folder, cut losslessly (the cut's container and method recorded), sampled, thumbnailed and redacted.

One embedded installation for the module (not per backend): the formats are about media, not the database.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterator
from pathlib import Path

import av
import av.error
import numpy as np
import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.ingest import IngestOptions, IngestResult, IngestStatus
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.media._av import map_av_error
from chronotrace_desktop.media.probe import probe
from chronotrace_desktop.media.windows import plan_windows
from chronotrace_desktop.services.ingest.inputs import collect_inputs
from chronotrace_desktop.storage.orm import Video, VideoSegment
from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.conftest import Installation, new_installation
from tests.recorder_formats import FormatClip, build_formats

pytestmark = pytest.mark.slow

# Where each codec's cut goes: MP4 for H.264/H.265, AVI for what Matroska's muxer refuses, Matroska otherwise.
CUT_CONTAINER = {
    "h264": "mp4",
    "hevc": "mp4",
    "wmv2": "avi",
    "flv": "avi",
    "h263": "avi",
}


@pytest.fixture(scope="module")
def formats() -> dict[str, FormatClip]:
    return build_formats(scratch_dir("recorder-formats-") / "export", VIDEOS_DIR)


@pytest.fixture(scope="module")
def ingested(formats: dict[str, FormatClip]) -> Iterator[tuple[Installation, dict[str, IngestResult]]]:
    folder = next(iter(formats.values())).path.parent
    with new_installation("embedded") as inst:
        results = inst.services.ingest.ingest_paths(
            inst.admin,
            [folder],
            IngestOptions(camera_id="CAM-REC", location="Recorder exports"),
            Unattended(),
        )
        yield inst, {r.path.name: r for r in results}


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


def test_the_folder_scan_takes_every_recorder_name(formats: dict[str, FormatClip]) -> None:
    folder = next(iter(formats.values())).path.parent
    found = collect_inputs([folder])
    assert {p.name for p in found.files} == {clip.path.name for clip in formats.values()}
    assert not found.settled


def test_every_format_probes(formats: dict[str, FormatClip]) -> None:
    for key, clip in formats.items():
        found = probe(clip.path)
        assert found.codec == clip.codec, key
        assert found.width > 0, key
        assert found.height > 0, key
        if clip.assumed_rate:
            assert found.fps == 25.0
            assert any("25 fps assumed" in w for w in found.warnings), found.warnings
            # 200 frames encoded at 12.5 fps, counted at the assumed 25 fps
            assert found.duration_s == pytest.approx(8.0, abs=0.01)
        else:
            assert not found.warnings, (key, found.warnings)
            assert found.duration_s == pytest.approx(16.0, abs=0.3), key
        assert found.audio_codec == clip.audio, key
        if clip.raw:
            assert found.container in ("h264", "hevc"), key
    assert probe(formats["dav"].path).container == "dhav"


def test_every_format_ingests_with_lossless_cuts_that_decode(
    formats: dict[str, FormatClip], ingested: tuple[Installation, dict[str, IngestResult]]
) -> None:
    inst, results = ingested
    for key, clip in formats.items():
        result = results[clip.path.name]
        assert result.status is IngestStatus.COMPLETED, (key, result.error)
        segments = _segments(inst, clip.path.name)
        assert len(segments) == len(plan_windows(probe(clip.path).duration_s)), key
        for segment in segments:
            cut = (segment.meta or {})["cut"]
            assert cut["method"] == "stream_copy", (key, cut)
            assert cut["codec"] == clip.codec, (key, cut)
            assert cut["container"] == CUT_CONTAINER.get(clip.codec, "matroska"), (key, cut)
            assert segment.has_audio is (clip.audio is not None), key
            assert segment.segment_path is not None
            path = inst.services.blobs.path(segment.segment_path)
            with av.open(str(path)) as container:
                frames = sum(1 for _ in container.decode(video=0))
            assert frames >= 10, (key, segment.segment_index, frames)
            assert segment.thumbnail_path
            assert inst.services.blobs.exists(segment.thumbnail_path)
            assert segment.redacted_thumbnail_path
            assert inst.services.blobs.exists(segment.redacted_thumbnail_path)
    with inst.services.database.transaction() as session:
        meta = session.scalars(
            sa.select(Video.meta).where(Video.filename == formats["265_raw_no_vui"].path.name)
        ).one()
    assert any("25 fps assumed" in w for w in (meta or {}).get("warnings", [])), meta


def test_raw_stream_cuts_follow_the_counted_timeline(
    formats: dict[str, FormatClip], ingested: tuple[Installation, dict[str, IngestResult]]
) -> None:
    inst, _ = ingested
    for key in ("h264_raw", "hevc_raw"):
        segments = _segments(inst, formats[key].path.name)
        assert len(segments) == 2
        second = segments[1]
        assert second.clip_start_time is not None
        assert second.clip_end_time is not None
        assert second.segment_path is not None
        start, end = float(second.clip_start_time), float(second.clip_end_time)
        assert start <= 15.0 < end
        assert end == pytest.approx(16.0, abs=0.01)
        with av.open(str(inst.services.blobs.path(second.segment_path))) as container:
            times = [f.time or 0.0 for f in container.decode(video=0)]
        assert times == sorted(times), key  # B-frames (x265) shown in order
        assert times[-1] - times[0] == pytest.approx(16.0 - start - 0.08, abs=0.01)


def test_the_redacted_rendition_renders_for_each_kind_of_cut(
    formats: dict[str, FormatClip], ingested: tuple[Installation, dict[str, IngestResult]]
) -> None:
    inst, _ = ingested
    for key in ("hevc_raw", "wmv", "mpg", "dav"):
        segment = _segments(inst, formats[key].path.name)[0]
        clip = inst.services.media.redacted_clip(inst.admin, segment.id)
        with av.open(str(clip)) as container:
            assert container.streams.video[0].codec_context.name == "h264"
            assert sum(1 for _ in container.decode(video=0)) > 10, key


def test_a_hikvision_imkh_file_is_named_with_what_converts_it(tmp_path: Path) -> None:
    path = tmp_path / "ch01_20240314093000.mp4"
    header = b"IMKH" + bytes(36)
    path.write_bytes(header + np.random.default_rng(5).integers(0, 256, 64_000, np.uint8).tobytes())
    with pytest.raises(InvalidInputError) as refused:
        probe(path)
    message = str(refused.value)
    assert "Hikvision" in message, message
    assert "VSPlayer" in message, message


def test_an_avigilon_export_is_named_by_its_extension(tmp_path: Path) -> None:
    path = tmp_path / "lobby.avk"
    path.write_bytes(np.random.default_rng(6).integers(0, 256, 64_000, np.uint8).tobytes())
    with pytest.raises(InvalidInputError, match="Avigilon"):
        probe(path)


def test_ffmpeg_eperm_is_not_a_permission_problem(formats: dict[str, FormatClip]) -> None:
    raw = formats["h264_raw"].path
    with av.open(str(raw)) as container, pytest.raises(av.error.PermissionError) as caught:
        container.seek(0, stream=container.streams.video[0])
    assert caught.value.errno == errno.EPERM
    mapped = map_av_error(caught.value, raw, "read")
    assert "permission denied" not in str(mapped).lower()
    assert "not a file permission problem" in str(mapped)
    real = map_av_error(PermissionError(errno.EACCES, "Permission denied"), raw, "open")
    assert "permission denied" in str(real)


def test_a_raw_stream_without_a_rate_takes_the_one_given_at_ingest(
    formats: dict[str, FormatClip], tmp_path: Path
) -> None:
    """200 frames encoded at 12.5 fps, in a stream that does not say so: counted at 25 fps by default (8 s),
    at the rate given at ingest they last their true 16 s, and the video records which rate was assumed."""
    source = tmp_path / "given-rate.265"
    shutil.copyfile(formats["265_raw_no_vui"].path, source)
    with new_installation("embedded") as inst:
        result = inst.services.ingest.ingest_file(
            inst.admin, source, IngestOptions(camera_id="CAM-RAW", frame_rate=12.5), Unattended()
        )
        assert result.status is IngestStatus.COMPLETED, result.error
        with inst.services.database.transaction() as session:
            video = session.get(Video, result.video_id)
            assert video is not None
            duration, meta = float(video.duration_seconds or 0), video.meta or {}
        segments = _segments(inst, source.name)
    assert duration == pytest.approx(16.0, abs=0.2)
    assert any("12.5 fps assumed" in w for w in meta.get("warnings", [])), meta
    assert len(segments) == len(plan_windows(16.0))
    assert float(segments[-1].end_time) == pytest.approx(16.0, abs=0.2)
