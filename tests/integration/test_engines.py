"""Engines beside the offline default (issue 14): a CLIP-style model from a folder (the tests' tiny model) and
Amazon Nova on Bedrock (a real boto3 client under botocore's Stubber), each run through the product's own path:
ingest fills each engine's collection, search fuses the engines that answer, ``reembed`` fills what is missing
with a plan and a cost, resumably; an engine that fails leaves the search standing and says so."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import sqlalchemy as sa
from botocore.response import StreamingBody
from botocore.stub import Stubber

from chronotrace_desktop.config import Settings
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.search import SegmentQuery
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.embedding.nova import NovaEngine, make_bedrock_client
from chronotrace_desktop.embedding.segment_port import SegmentEngine
from chronotrace_desktop.services.engines import engine_collection
from chronotrace_desktop.services.search import SearchService
from chronotrace_desktop.storage.orm import AuditLog, Search, VideoSegment
from chronotrace_desktop.storage.secrets import SecretStore
from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.conftest import Installation, new_installation
from tests.tiny_clip import build_folder

CLIP_A = VIDEOS_DIR / "car-detection.mp4"  # 30 s: two segments
CLIP_B = VIDEOS_DIR / "bottle-detection.mp4"  # 40 s: three segments
NOVA_DIMENSION = 256


# ------------------------------------------------------------------ CLIP from a folder


@pytest.fixture(scope="module")
def with_clip() -> Iterator[Installation]:
    folder = build_folder(scratch_dir("tiny-clip-") / "clip")
    with new_installation("embedded", embedding_engines=["clip"], clip_model_dir=str(folder)) as inst:
        for clip in (CLIP_A, CLIP_B):
            result = inst.services.ingest.ingest_file(inst.admin, clip, IngestOptions(), Unattended())
            assert result.status is IngestStatus.COMPLETED, result
            assert not [w for w in result.warnings if "engine" in w], result.warnings
        yield inst


def _segment_ids(inst: Installation) -> list[Any]:
    with inst.services.database.transaction() as session:
        return list(session.scalars(sa.select(VideoSegment.id)))


def test_ingest_fills_the_engines_collection_with_the_segments_payload(with_clip: Installation) -> None:
    services = with_clip.services
    engine = services.engines.engine("clip")
    index = services.engine_indexes.index_for(engine)
    ids = _segment_ids(with_clip)
    assert index.count() == len(ids) == 5
    stored = {p.id: p for p in index.retrieve(ids)}
    default = {p.id: p for p in services.vectors.retrieve(ids)}
    for segment_id in ids:
        payload = stored[segment_id].payload
        assert payload["embedding_model"] == "tiny-clip"
        assert payload["embedding_version"] == engine.model_version
        assert payload["embedding_source"] == "original"  # a local model: nothing leaves the machine
        assert payload["video_id"] == default[segment_id].payload["video_id"]
        assert payload["start_time"] == default[segment_id].payload["start_time"]
    assert engine_collection(services.settings.vector_collection, engine).startswith("video_segments__clip_")


def test_text_image_and_similar_searches_fuse_the_engine(with_clip: Installation, tmp_path: Path) -> None:
    services, admin = with_clip.services, with_clip.admin
    text = services.search.search(admin, SegmentQuery(text="a red car"))
    assert text.engines == ("offline", "clip")
    assert text.hits
    frame = tmp_path / "frame.jpg"
    capture = cv2.VideoCapture(str(CLIP_B))
    ok, image = capture.read()
    capture.release()
    assert ok
    cv2.imwrite(str(frame), image)
    by_image = services.search.search(admin, SegmentQuery(image_path=frame))
    assert by_image.engines == ("offline", "clip")
    first = _segment_ids(with_clip)[0]
    similar = services.search.search(admin, SegmentQuery(similar_to=first))
    assert similar.engines == ("offline", "clip")
    assert first not in [hit.segment_id for hit in similar.hits]


def test_fusion_moves_the_ranking_towards_what_the_engine_sees(with_clip: Installation) -> None:
    """The tiny model sees only mean colour: fused with it, the segment it ranks first for a colour moves up (or
    stays) compared with the offline default alone, and the scores are not the default's (fusion took part)."""
    services, admin = with_clip.services, with_clip.admin
    engine = services.engines.engine("clip")
    index = services.engine_indexes.index_for(engine)
    engine_order = [hit.id for hit in index.search(engine.embed_text_query("blue"), limit=5)]
    fused = services.search.search(admin, SegmentQuery(text="blue", limit=5))
    offline_only = SearchService(services.database, services.vectors, services.authorizer, services.audit)
    alone = offline_only.search(admin, SegmentQuery(text="blue", limit=5))
    assert alone.engines == ("offline",)

    def place_of_engines_first(hits: tuple[Any, ...]) -> int:
        order = [hit.segment_id for hit in hits]
        return order.index(engine_order[0]) if engine_order[0] in order else len(order)

    assert place_of_engines_first(fused.hits) <= place_of_engines_first(alone.hits)
    assert [hit.score for hit in fused.hits] != [hit.score for hit in alone.hits]


def test_reembed_plans_fills_what_is_missing_and_resumes(with_clip: Installation) -> None:
    services, admin = with_clip.services, with_clip.admin
    engine = services.engines.engine("clip")
    index = services.engine_indexes.index_for(engine)
    ids = _segment_ids(with_clip)
    index.delete(ids[:2])
    plan = services.embedding.plan(admin, "clip")
    assert (plan.segments, plan.remote_calls, plan.cost(0.5)) == (2, 0, 0.0)
    report = services.embedding.run(admin, "clip", Unattended())
    assert (report.embedded, report.refused) == (2, [])
    assert index.count() == len(ids)
    assert services.embedding.plan(admin, "clip").segments == 0
    with services.database.transaction() as session:
        row = session.scalars(
            sa.select(AuditLog)
            .where(AuditLog.action == AuditAction.SEGMENTS_EMBEDDED.value)
            .order_by(AuditLog.chain_seq.desc())
        ).first()
    assert row is not None
    assert row.meta is not None
    assert (row.meta["engine"], row.meta["embedded"]) == ("clip", 2)


def test_only_administrators_reembed(with_clip: Installation) -> None:
    from chronotrace_desktop.domain.errors import PermissionDeniedError
    from chronotrace_desktop.domain.roles import Role

    _, analyst = with_clip.add_user(Role.ANALYST)
    with pytest.raises(PermissionDeniedError):
        with_clip.services.embedding.plan(analyst, "clip")


# ------------------------------------------------------------------ Nova on a stubbed Bedrock client


def _answer(kind: str, vector: np.ndarray) -> dict[str, Any]:
    data = json.dumps(
        {"embeddings": [{"embeddingType": kind, "embedding": [float(v) for v in vector]}]}
    ).encode()
    return {"body": StreamingBody(io.BytesIO(data), len(data)), "contentType": "application/json"}


def _unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=NOVA_DIMENSION)
    return vector / np.linalg.norm(vector)


@pytest.fixture(scope="module")
def nova() -> Iterator[tuple[Installation, Stubber]]:
    client = make_bedrock_client("us-east-1", None, ("AKIDEXAMPLE", "not-a-secret"))
    stubber = Stubber(client)
    stubber.activate()

    def factory(settings: Settings, secrets: SecretStore) -> SegmentEngine:
        del secrets
        return NovaEngine(
            client,
            model_id=settings.nova_model_id,
            dimension=settings.nova_dimension,
            max_attempts=2,
            sleep=lambda seconds: None,
        )

    for seed in (1, 2):  # the two segments of the first clip, embedded after its ingest
        stubber.add_response("invoke_model", _answer("VIDEO", _unit(seed)))
    overrides = {"embedding_engines": ["nova"], "nova_region": "us-east-1", "nova_dimension": NOVA_DIMENSION}
    with new_installation("embedded", engine_factories={"nova": factory}, **overrides) as inst:
        result = inst.services.ingest.ingest_file(inst.admin, CLIP_A, IngestOptions(), Unattended())
        assert result.status is IngestStatus.COMPLETED, result
        stubber.assert_no_pending_responses()
        yield inst, stubber
    stubber.deactivate()


def test_nova_ingest_search_and_its_time_are_recorded(nova: tuple[Installation, Stubber]) -> None:
    inst, stubber = nova
    services = inst.services
    index = services.engine_indexes.index_for(services.engines.engine("nova"))
    assert index.count() == 2
    sources = {p.payload["embedding_source"] for p in index.retrieve(_segment_ids(inst))}
    assert sources == {"redacted"}  # a remote service is shown the redacted rendition by default
    stubber.add_response("invoke_model", _answer("TEXT", _unit(2)))  # the query lands on the second segment
    result = services.search.search(inst.admin, SegmentQuery(text="a white car turning"))
    stubber.assert_no_pending_responses()
    assert result.engines == ("offline", "nova")
    second = sorted(index.retrieve(_segment_ids(inst)), key=lambda p: p.payload["start_time"])[1].id
    assert second in [hit.segment_id for hit in result.hits]
    with services.database.transaction() as session:
        logged = session.get(Search, result.search_id)
        assert logged is not None
        assert logged.nova_time_ms is not None
        assert logged.meta is not None
        assert logged.meta["engines"] == ["offline", "nova"]


def test_nova_answers_query_by_image_and_find_similar(
    nova: tuple[Installation, Stubber], tmp_path: Path
) -> None:
    inst, stubber = nova
    services = inst.services
    frame = tmp_path / "frame.jpg"
    capture = cv2.VideoCapture(str(CLIP_A))
    ok, image = capture.read()
    capture.release()
    assert ok
    cv2.imwrite(str(frame), image)
    stubber.add_response("invoke_model", _answer("IMAGE", _unit(1)))
    by_image = services.search.search(inst.admin, SegmentQuery(image_path=frame))
    stubber.assert_no_pending_responses()
    assert by_image.engines == ("offline", "nova")
    first = _segment_ids(inst)[0]
    similar = services.search.search(inst.admin, SegmentQuery(similar_to=first))  # its stored vector: no call
    assert similar.engines == ("offline", "nova")
    assert first not in [hit.segment_id for hit in similar.hits]


def test_a_nova_that_cannot_answer_leaves_the_search_standing(nova: tuple[Installation, Stubber]) -> None:
    inst, stubber = nova
    for _ in range(2):  # the engine's two attempts
        stubber.add_client_error("invoke_model", "ThrottlingException", "Too many requests", 429)
    result = inst.services.search.search(inst.admin, SegmentQuery(text="a car"))
    stubber.assert_no_pending_responses()
    assert result.engines == ("offline",)
    assert result.engines_failed
    assert result.engines_failed[0].startswith("nova:")
    assert result.hits


def test_nova_reembed_costs_calls_stops_on_a_hard_failure_and_resumes(
    nova: tuple[Installation, Stubber],
) -> None:
    inst, stubber = nova
    services, admin = inst.services, inst.admin
    index = services.engine_indexes.index_for(services.engines.engine("nova"))
    ids = _segment_ids(inst)
    index.delete(ids)
    plan = services.embedding.plan(admin, "nova")
    assert (plan.segments, plan.remote_calls, plan.cost(0.00056)) == (2, 2, 0.0011)
    stubber.add_response("invoke_model", _answer("VIDEO", _unit(1)))
    stubber.add_client_error("invoke_model", "AccessDeniedException", "not allowed", 403)
    with pytest.raises(EnvironmentProblemError, match=r"(?i)access"):
        services.embedding.run(admin, "nova", Unattended())
    assert index.count() == 1  # the first stays; the run stopped at the refusal
    stubber.add_response("invoke_model", _answer("VIDEO", _unit(2)))
    report = services.embedding.run(admin, "nova", Unattended())
    stubber.assert_no_pending_responses()
    assert report.embedded == 1
    assert report.remote_calls == 1
    assert index.count() == 2


def test_without_engines_the_offline_default_is_alone() -> None:
    with new_installation("embedded") as inst:
        assert inst.services.engines.configured == ()
        result = inst.services.search.search(inst.admin, SegmentQuery(text="a car"))
        assert result.engines == ("offline",)
        assert result.engines_failed == ()
