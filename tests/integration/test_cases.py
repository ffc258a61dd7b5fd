"""Issue 16 item 1 and 3 (services): cases, their videos, the evidence hold, bookmarks; search follows a case.

One installation per backend with two short shared clips ingested on two cameras; the tests open their own
cases (ids are per installation, so each test reads the ids it was given).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.cases import CASE_ID_PATTERN, CaseStatus
from chronotrace_desktop.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.media import Box
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.search import SearchFilters, SegmentQuery
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.domain.users import Actor
from chronotrace_desktop.services.anomalies import AnomalyFilter
from chronotrace_desktop.services.cases import CaseChanges, NewBookmark
from chronotrace_desktop.storage.orm import Anomaly, Search, Video, VideoSegment
from tests.conftest import VIDEOS_DIR
from tests.integration.conftest import Installation, new_installation

PASSWORD = "member password 1"


@dataclass(frozen=True)
class World:
    inst: Installation
    analyst: Actor
    viewer: Actor
    bottles: uuid.UUID  # CAM-A, 2024-02-09 14:00
    classroom: uuid.UUID  # CAM-B, 2024-02-09 14:00:05


@pytest.fixture(
    scope="module", params=[pytest.param("server", marks=pytest.mark.server_pg), pytest.param("embedded")]
)
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    with new_installation(request.param) as inst:
        ids = {}
        for name, camera, second in (("bottle-detection.mp4", "CAM-A", 0), ("classroom.gif", "CAM-B", 5)):
            options = IngestOptions(camera_id=camera, recorded_at=datetime(2024, 2, 9, 14, 0, second))
            (result,) = inst.services.ingest.ingest_paths(
                inst.admin, [VIDEOS_DIR / name], options, Unattended()
            )
            assert result.status is IngestStatus.COMPLETED, result
            assert result.video_id is not None
            ids[name] = result.video_id
        _, analyst = inst.add_user(Role.ANALYST, password=PASSWORD)
        _, viewer = inst.add_user(Role.VIEWER, password=PASSWORD)
        yield World(inst, analyst, viewer, ids["bottle-detection.mp4"], ids["classroom.gif"])


def _actions(world: World, case_id: str) -> list[str]:
    entries = world.inst.services.audit_reader.entries(world.inst.admin, limit=500)
    return [e.action for e in reversed(entries) if e.metadata.get("case_id") == case_id]


def test_cases_are_numbered_per_year_and_agency_ids_are_kept(world: World) -> None:
    cases = world.inst.services.cases
    first = cases.create(world.analyst, "  Robbery at the   depot ", notes="Suspect in a red jacket")
    second = cases.create(world.analyst, "Second")
    assert CASE_ID_PATTERN.match(first.case_id)
    year = datetime.now().year
    assert first.case_id.startswith(f"CASE-{year}-")
    assert int(second.case_id[-4:]) == int(first.case_id[-4:]) + 1
    assert first.title == "Robbery at the depot"
    assert first.status is CaseStatus.OPEN
    assert first.created_by == world.analyst.email

    given = cases.create(world.analyst, "From the agency", case_id="case-2019-0042")
    assert given.case_id == "CASE-2019-0042"
    with pytest.raises(ConflictError, match="already exists"):
        cases.create(world.analyst, "Again", case_id="CASE-2019-0042")
    with pytest.raises(InvalidInputError, match="looks like CASE-2024-0001"):
        cases.create(world.analyst, "Bad", case_id="2019/42")
    with pytest.raises(InvalidInputError, match="needs a title"):
        cases.create(world.analyst, "   ")
    assert _actions(world, first.case_id) == [AuditAction.CASE_CREATED]


def test_viewers_read_cases_and_change_nothing(world: World) -> None:
    cases = world.inst.services.cases
    case = cases.create(world.analyst, "Readable")
    assert cases.get(world.viewer, case.case_id).title == "Readable"
    assert case.case_id in {c.case_id for c in cases.list_cases(world.viewer)}
    attempts: tuple[Callable[[], object], ...] = (
        lambda: cases.create(world.viewer, "Mine"),
        lambda: cases.update(world.viewer, case.case_id, CaseChanges(title="Changed")),
        lambda: cases.add_videos(world.viewer, case.case_id, [world.bottles]),
        lambda: cases.set_hold(world.viewer, case.case_id, "order 1"),
    )
    for attempt in attempts:
        with pytest.raises(PermissionDeniedError):
            attempt()
    with pytest.raises(NotFoundError, match="no case CASE-1999-0001"):
        cases.get(world.viewer, "CASE-1999-0001")


def test_update_is_audited_with_before_and_after(world: World) -> None:
    cases = world.inst.services.cases
    case = cases.create(world.analyst, "Old title")
    changed = cases.update(
        world.analyst, case.case_id, CaseChanges(title="New title", status=CaseStatus.CLOSED)
    )
    assert (changed.title, changed.status) == ("New title", CaseStatus.CLOSED)
    (entry,) = [
        e
        for e in world.inst.services.audit_reader.entries(world.inst.admin, action=AuditAction.CASE_UPDATED)
        if e.metadata["case_id"] == case.case_id
    ]
    assert entry.metadata["title"] == {"before": "Old title", "after": "New title"}
    assert entry.metadata["status"] == {"before": "open", "after": "closed"}
    assert [c.case_id for c in cases.list_cases(world.viewer, include_closed=False)].count(case.case_id) == 0


def test_search_follows_the_case(world: World) -> None:
    services = world.inst.services
    case = services.cases.create(world.analyst, "Only the bottles")
    services.cases.add_videos(world.analyst, case.case_id, [world.bottles])
    everywhere = services.search.search(world.viewer, SegmentQuery(text="bottle on a table", limit=50))
    assert {h.video_id for h in everywhere.hits} == {world.bottles, world.classroom}

    in_case = services.search.search(
        world.viewer,
        SegmentQuery(text="bottle on a table", limit=50, filters=SearchFilters(case_id=case.case_id)),
    )
    assert in_case.hits
    assert {h.video_id for h in in_case.hits} == {world.bottles}
    narrowed = services.search.search(
        world.viewer,
        SegmentQuery(
            text="people", filters=SearchFilters(case_id=case.case_id, video_ids=(world.classroom,))
        ),
    )
    assert narrowed.hits == ()  # the classroom is not in the case: nothing, never everything

    empty = services.cases.create(world.analyst, "Nothing yet")
    nothing = services.search.search(
        world.viewer, SegmentQuery(text="people", filters=SearchFilters(case_id=empty.case_id))
    )
    assert nothing.hits == ()
    with services.database.transaction() as session:
        logged = session.get(Search, in_case.search_id)
        assert logged is not None
        assert logged.case_id == case.case_id
        assert logged.filters == {"case_id": case.case_id}  # as asked, not the case's video list
    with pytest.raises(NotFoundError):
        services.search.search(
            world.viewer, SegmentQuery(text="x", filters=SearchFilters(case_id="CASE-1990-0001"))
        )


def test_the_evidence_hold_keeps_videos_in_the_service_and_in_the_store(world: World) -> None:
    services = world.inst.services
    case = services.cases.create(world.analyst, "Held")
    services.cases.add_videos(world.analyst, case.case_id, [world.classroom])
    with pytest.raises(InvalidInputError, match="say why"):
        services.cases.set_hold(world.analyst, case.case_id, " ")
    held = services.cases.set_hold(world.analyst, case.case_id, "Court order 17/2024")
    assert held.evidence_hold
    assert held.hold_reason == "Court order 17/2024"

    with pytest.raises(ConflictError, match=f"evidence hold of case {case.case_id}"):
        services.library.delete_video(world.analyst, world.classroom)
    with pytest.raises(ConflictError, match="evidence hold"):
        services.cases.remove_videos(world.analyst, case.case_id, [world.classroom])
    # Past the service, the app's own login is refused by the store's trigger (soft and hard delete).
    for statement in (
        sa.update(Video).where(Video.id == world.classroom).values(deleted_at=sa.func.now()),
        sa.delete(Video).where(Video.id == world.classroom),
    ):
        with (
            pytest.raises(sa.exc.DBAPIError, match=f"evidence hold of case {case.case_id}"),
            services.database.engine.begin() as conn,
        ):
            conn.execute(statement)

    with pytest.raises(PermissionDeniedError):
        services.cases.release_hold(world.analyst, case.case_id, "case closed")
    released = services.cases.release_hold(world.inst.admin, case.case_id, "Order lifted")
    assert not released.evidence_hold
    with pytest.raises(ConflictError, match="has no evidence hold"):
        services.cases.release_hold(world.inst.admin, case.case_id, "again")
    assert _actions(world, case.case_id) == [
        AuditAction.CASE_CREATED,
        AuditAction.CASE_VIDEOS_CHANGED,
        AuditAction.EVIDENCE_HOLD_SET,
        AuditAction.EVIDENCE_HOLD_RELEASED,
    ]
    services.cases.remove_videos(world.analyst, case.case_id, [world.classroom])
    assert services.cases.video_ids(world.viewer, case.case_id) == []


def test_bookmarks_are_made_listed_edited_and_deleted_with_an_audit_trail(world: World) -> None:
    services = world.inst.services
    marks = services.bookmarks
    case = services.cases.create(world.analyst, "Bookmarked")
    made = marks.create(
        world.analyst,
        NewBookmark(world.classroom, 2.5, note="Man in red enters\nleft door", box=Box(0.1, 0.2, 0.3, 0.4),
                    case_id=case.case_id),
    )  # fmt: skip
    assert services.cases.video_ids(world.viewer, case.case_id) == [
        world.classroom
    ]  # the video joined the case
    assert made.segment_id is not None
    assert made.camera_id == "CAM-B"
    assert made.created_by == world.analyst.email
    assert made.wall_time == datetime(2024, 2, 9, 14, 0, 7, 500000)
    early = marks.create(world.analyst, NewBookmark(world.bottles, 0.0, note="first", case_id=case.case_id))
    elsewhere = marks.create(world.analyst, NewBookmark(world.bottles, 1.0, note="not in the case"))
    assert elsewhere.case_id is None

    listed = marks.list_bookmarks(world.viewer, case_id=case.case_id)
    assert [b.bookmark_id for b in listed] == [early.bookmark_id, made.bookmark_id]  # wall-clock order
    between = marks.list_bookmarks(
        world.viewer,
        case_id=case.case_id,
        since=datetime(2024, 2, 9, 14, 0, 5),
        until=datetime(2024, 2, 9, 14, 1),
    )
    assert [b.bookmark_id for b in between] == [made.bookmark_id]
    assert elsewhere.bookmark_id in {b.bookmark_id for b in marks.list_bookmarks(world.viewer)}
    assert listed[1].as_json()["box"] == {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4}

    edited = marks.update(world.analyst, made.bookmark_id, note="Man in red jacket enters", box=None)
    assert (edited.note, edited.box) == ("Man in red jacket enters", None)
    marks.delete(world.analyst, early.bookmark_id)
    with pytest.raises(NotFoundError):
        marks.get(world.viewer, early.bookmark_id)

    with pytest.raises(PermissionDeniedError):
        marks.create(world.viewer, NewBookmark(world.bottles, 1.0, note="viewer"))
    with pytest.raises(PermissionDeniedError):
        marks.delete(world.viewer, made.bookmark_id)
    with pytest.raises(InvalidInputError, match="past its end"):
        marks.create(world.analyst, NewBookmark(world.bottles, 9999.0))
    with pytest.raises(InvalidInputError, match="within the frame"):
        marks.create(world.analyst, NewBookmark(world.bottles, 1.0, box=Box(0.9, 0.9, 0.5, 0.5)))
    with pytest.raises(InvalidInputError, match="0 or more"):
        marks.create(world.analyst, NewBookmark(world.bottles, float("nan")))
    with pytest.raises(NotFoundError):
        marks.create(world.analyst, NewBookmark(uuid.uuid4(), 1.0))

    trail = {
        (e.action, e.resource_id)
        for e in services.audit_reader.entries(world.inst.admin, limit=500)
        if e.resource_type == "bookmark"
    }
    assert {
        (AuditAction.BOOKMARK_CREATED, made.bookmark_id),
        (AuditAction.BOOKMARK_UPDATED, made.bookmark_id),
        (AuditAction.BOOKMARK_DELETED, early.bookmark_id),
    } <= trail
    updated = next(
        e
        for e in services.audit_reader.entries(world.inst.admin, action=AuditAction.BOOKMARK_UPDATED)
        if e.resource_id == made.bookmark_id
    )
    assert updated.metadata["before"]["note"] == "Man in red enters\nleft door"
    assert updated.metadata["after"] == {"note": "Man in red jacket enters", "box": None}


def test_the_anomaly_queue_follows_the_case(world: World) -> None:
    services = world.inst.services
    with services.database.transaction() as session:
        for video_id in (world.bottles, world.classroom):
            segment_id = session.scalars(
                sa.select(VideoSegment.id).where(VideoSegment.video_id == video_id).limit(1)
            ).one()
            session.add(
                Anomaly(
                    segment_id=segment_id,
                    video_id=video_id,
                    anomaly_type="loitering",
                    confidence=Decimal("0.9"),
                    detected_at=datetime(2024, 2, 9, 14, 0, 10),
                    title=f"case queue test {video_id}",
                )
            )
    case = services.cases.create(world.analyst, "Queue")
    services.cases.add_videos(world.analyst, case.case_id, [world.bottles])
    queued = services.anomalies.list_anomalies(world.viewer, AnomalyFilter(case_id=case.case_id))
    assert {a.video_id for a in queued} == {world.bottles}
    everything = services.anomalies.list_anomalies(world.viewer, AnomalyFilter())
    assert {world.bottles, world.classroom} <= {a.video_id for a in everything}
