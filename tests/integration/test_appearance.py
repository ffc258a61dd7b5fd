"""Find this person elsewhere on a real ingested library (embedded profile, Qdrant's embedded engine).

Three shared clips, each its own camera, ingested once for the module (appearance vectors built at ingest):
one-by-one-person-detection.mp4 (people walking past one at a time, recorded at a known time; the tracker
breaks the blonde woman's walk into tracks 3 and 4), face-demographics-walking-and-pause.gif (the bald man is
tracks 2 and 4) and store-aisle-detection.gif (shoppers: other people). The people are named by the labels of
``eval/appearance/dev_people.json``, resolved through ``track_at`` as a click in the player is.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from qdrant_client import QdrantClient

from chronotrace_desktop.domain.appearance import AppearanceQuery, TimeWindow, TrackInfo, TrackRef
from chronotrace_desktop.domain.errors import EnvironmentProblemError, NotFoundError, PermissionDeniedError
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.media import Box
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.search import QueryType
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.services.appearance import AppearanceService, load_person_labels
from chronotrace_desktop.storage.orm import Search, Video, VideoSegment
from chronotrace_desktop.storage.vectors import CollectionSpec, Equals, VectorFilter
from chronotrace_desktop.storage.vectors.client import QdrantClientIndex
from tests.conftest import VIDEOS_DIR
from tests.integration.conftest import Installation, new_installation

HALL = "one-by-one-person-detection.mp4"
PAUSE = "face-demographics-walking-and-pause.gif"
AISLE = "store-aisle-detection.gif"
CLIPS = {
    HALL: IngestOptions("CAM-HALL", "Hall"),  # its container says when it was recorded (2017-09-26)
    PAUSE: IngestOptions("CAM-LOBBY", "Lobby"),
    AISLE: IngestOptions("CAM-SHOP", "Shop"),
}
LABELS = load_person_labels(Path(__file__).resolve().parents[2] / "eval" / "appearance" / "dev_people.json")


@dataclass
class Library:
    inst: Installation
    videos: dict[str, uuid.UUID]

    @property
    def appearance(self) -> AppearanceService:
        return self.inst.services.appearance

    def labelled(self, identity: str) -> list[TrackInfo]:
        """The tracks under the labelled boxes of ``identity`` (in label order)."""
        found = []
        for label in (x for x in LABELS if x.identity == identity):
            with self.inst.services.database.transaction() as session:
                segment = session.execute(
                    sa.select(VideoSegment.id, VideoSegment.start_time).where(
                        VideoSegment.video_id == self.videos[label.clip],
                        VideoSegment.start_time <= label.t,
                        VideoSegment.end_time > label.t,
                    )
                ).one()
            picked = self.appearance.track_at(
                self.inst.admin, segment.id, label.t - float(segment.start_time), label.box
            )
            found.append(picked.track)
        return found


@pytest.fixture(scope="module")
def library() -> Iterator[Library]:
    with new_installation("embedded") as inst:
        ingest = inst.services.ingest
        done = {
            name: ingest.ingest_paths(inst.admin, [VIDEOS_DIR / name], how, Unattended())[0]
            for name, how in CLIPS.items()
        }
        assert [r.status for r in done.values()] == [IngestStatus.COMPLETED] * len(CLIPS), done
        yield Library(inst, {name: r.video_id for name, r in done.items() if r.video_id is not None})


def test_ingest_builds_one_vector_per_person_track_big_enough_to_see(library: Library) -> None:
    index = library.appearance.index()
    for name, video_id in library.videos.items():
        with library.inst.services.database.transaction() as session:
            video = session.get(Video, video_id)
            assert video is not None
            state = (video.meta or {})["appearance"]
        assert state["state"] == "indexed", name
        stored = index.count(VectorFilter.all_of(Equals("video_id", str(video_id))))
        assert stored == state["tracks"] > 0, name
    assert index.count(VectorFilter.all_of(Equals("label_group", "person"))) == index.count()


@pytest.mark.parametrize("identity", ["obo-C", "fdp-W2"])
def test_the_same_person_comes_first_and_the_track_itself_never(library: Library, identity: str) -> None:
    first, second = library.labelled(identity)
    assert first.track_id != second.track_id
    for query, other in ((first, second), (second, first)):
        result, matches = library.appearance.similar_tracks(library.inst.admin, AppearanceQuery(query.ref))
        assert matches[0].track.track_id == other.track_id
        assert query.track_id not in {m.track.track_id for m in matches}
        assert result.query_type is QueryType.APPEARANCE
        assert result.hits[0].segment_id == matches[0].segment_id
        assert result.hits[0].why[0].startswith(f"appearance: {matches[0].score:.2f} similar to track")


def test_like_track_is_logged_as_an_appearance_search_and_by_key_or_id(library: Library) -> None:
    woman = library.labelled("obo-C")[0]
    by_key = library.appearance.like_track(
        library.inst.admin, TrackRef.parse(f"{woman.video_id}:{woman.track_key}")
    )
    by_id = library.appearance.like_track(library.inst.admin, TrackRef(track_id=woman.track_id), limit=3)
    assert [h.segment_id for h in by_key.hits][:3] == [h.segment_id for h in by_id.hits]
    assert len(by_id.hits) == 3
    with library.inst.services.database.transaction() as session:
        row = session.get(Search, by_id.search_id)
        assert row is not None
        assert row.query_type == "appearance"
        assert row.result_count == 3
        assert row.meta is not None
        assert row.meta["track"] == f"{woman.video_id}:{woman.track_key}"


def test_window_case_and_other_camera_filters(library: Library) -> None:
    admin = library.inst.admin
    man = library.labelled("fdp-W2")[0]  # the lobby clip has no known recording time
    september = TimeWindow(datetime(2017, 9, 26), datetime(2017, 9, 27))
    dated = library.appearance.like_track(admin, man.ref, window=september)
    assert dated.hits
    assert {h.video_id for h in dated.hits} == {library.videos[HALL]}
    assert not library.appearance.like_track(
        admin, man.ref, window=TimeWindow(None, datetime(2000, 1, 1))
    ).hits
    elsewhere = library.appearance.like_track(admin, man.ref, other_cameras_only=True)
    assert elsewhere.hits
    assert all(h.camera_id != "CAM-LOBBY" for h in elsewhere.hits)
    case = library.inst.services.cases.create(admin, "Shoplifting")
    library.inst.services.cases.add_videos(admin, case.case_id, [library.videos[AISLE]])
    in_case = library.appearance.like_track(admin, man.ref, case_id=case.case_id)
    assert in_case.hits
    assert {h.video_id for h in in_case.hits} == {library.videos[AISLE]}
    with library.inst.services.database.transaction() as session:
        row = session.get(Search, in_case.search_id)
        assert row is not None
        assert row.case_id == case.case_id


def test_a_click_beside_everyone_finds_no_track(library: Library) -> None:
    with library.inst.services.database.transaction() as session:
        segment = session.scalars(
            sa.select(VideoSegment.id).where(VideoSegment.video_id == library.videos[PAUSE])
        ).one()
    with pytest.raises(NotFoundError):
        library.appearance.track_at(library.inst.admin, segment, 1.0, Box(0.0, 0.0, 0.02, 0.02, "person"))
    with pytest.raises(NotFoundError):
        library.appearance.like_track(
            library.inst.admin, TrackRef(video_id=library.videos[PAUSE], track_key=999)
        )


def test_a_viewer_searches_but_may_not_index(library: Library) -> None:
    _, viewer = library.inst.add_user(Role.VIEWER)
    man = library.labelled("fdp-W2")[0]
    assert library.appearance.like_track(viewer, man.ref).hits
    with pytest.raises(PermissionDeniedError):
        library.appearance.index_videos(viewer, None, Unattended())


def test_a_missing_model_is_a_recorded_state_not_a_failure(library: Library) -> None:
    def missing() -> object:
        raise EnvironmentProblemError("The image embedding model is not installed")

    services = library.inst.services
    broken = AppearanceService(
        services.database,
        services.blobs,
        services.authorizer,
        services.audit,
        lambda spec: library.appearance.index(),
        services.settings.vector_collection,
        embedder=missing,  # type: ignore[arg-type]
    )
    video_id = library.videos[AISLE]
    warnings = broken.at_ingest(library.inst.admin, video_id, Unattended())
    assert warnings
    assert "not built" in warnings[0]
    with services.database.transaction() as session:
        video = session.get(Video, video_id)
        assert video is not None
        assert (video.meta or {})["appearance"]["state"].startswith("not built: The image embedding model")
    report = library.appearance.index_videos(library.inst.admin, [video_id], Unattended())
    assert report.state == "indexed"
    assert report.tracks > 0


def test_a_window_follows_a_clock_corrected_after_indexing(library: Library) -> None:
    man = library.labelled("fdp-W2")[0]
    september = TimeWindow(datetime(2017, 9, 26), datetime(2017, 9, 27))
    database = library.inst.services.database
    with database.transaction() as session:
        hall = session.get(Video, library.videos[HALL])
        assert hall is not None
        recorded = hall.recorded_at
        hall.recorded_at = datetime(2030, 1, 1)  # as a clock correction would, without indexing again
    try:
        assert not library.appearance.like_track(library.inst.admin, man.ref, window=september).hits
    finally:
        with database.transaction() as session:
            hall = session.get(Video, library.videos[HALL])
            assert hall is not None
            hall.recorded_at = recorded
    assert library.appearance.like_track(library.inst.admin, man.ref, window=september).hits


def test_the_same_search_through_the_qdrant_server_adapter(library: Library, tmp_path: Path) -> None:
    """The team profile's adapter (qdrant-client, here in its local mode) indexes and filters the same way."""
    client = QdrantClient(path=str(tmp_path / "qdrant"), force_disable_check_same_thread=True)
    index = QdrantClientIndex(client=client)

    def open_index(spec: CollectionSpec) -> QdrantClientIndex:
        index.ensure_collection(spec)
        return index

    services = library.inst.services
    server = AppearanceService(
        services.database,
        services.blobs,
        services.authorizer,
        services.audit,
        open_index,
        services.settings.vector_collection,
    )
    admin = library.inst.admin
    try:
        report = server.index_videos(admin, None, Unattended())
        assert report.tracks == library.appearance.index().count()
        first, second = library.labelled("obo-C")
        _, matches = server.similar_tracks(admin, AppearanceQuery(first.ref))
        assert matches[0].track.track_id == second.track_id
        man = library.labelled("fdp-W2")[0]
        september = TimeWindow(datetime(2017, 9, 26), datetime(2017, 9, 27))
        dated = server.like_track(admin, man.ref, window=september, other_cameras_only=True)
        assert dated.hits
        assert {h.video_id for h in dated.hits} == {library.videos[HALL]}
    finally:
        server.close()
