"""The Nova engine against botocore's Stubber on a real bedrock-runtime client (built by the production factory).

Requests are compared with the documented schema (https://docs.aws.amazon.com/nova/latest/userguide/
embeddings-schema.html) after decoding the JSON body; responses have the documented shape
``{"embeddings": [{"embeddingType": ..., "embedding": [...]}]}``. Nothing leaves the machine.
"""

from __future__ import annotations

import base64
import io
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.embedding.nova import (
    DEFAULT_MODEL_ID,
    MAX_INLINE_BYTES,
    NovaEngine,
    make_bedrock_client,
    make_nova_engine,
)
from chronotrace_desktop.embedding.segment_port import SegmentEngine, SegmentMedia
from tests.conftest import VIDEOS_DIR

DIMENSION = 256


class JsonBody:
    """Equal to a request body (bytes or str) whose JSON decodes to ``expected``: Stubber compares with ``!=``."""

    def __init__(self, expected: dict[str, Any]) -> None:
        self.expected = expected

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, bytes | str):
            return False
        return bool(json.loads(other) == self.expected)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"JsonBody({self.expected!r})"


def expected_params(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "modelId": DEFAULT_MODEL_ID,
        "contentType": "application/json",
        "accept": "application/json",
        "body": JsonBody(body),
    }


def answer_json(payload: object) -> dict[str, Any]:
    """An ``invoke_model`` response carrying ``payload`` as its JSON body."""
    data = json.dumps(payload).encode()
    return {"body": StreamingBody(io.BytesIO(data), len(data)), "contentType": "application/json"}


def answer(*embeddings: tuple[str, list[float]]) -> dict[str, Any]:
    """The documented answer: ``{"embeddings": [{"embeddingType": ..., "embedding": [...]}, ...]}``."""
    return answer_json({"embeddings": [{"embeddingType": t, "embedding": v} for t, v in embeddings]})


def request(purpose: str, **field: Any) -> dict[str, Any]:
    return {
        "schemaVersion": "nova-multimodal-embed-v1",
        "taskType": "SINGLE_EMBEDDING",
        "singleEmbeddingParams": {"embeddingPurpose": purpose, "embeddingDimension": DIMENSION, **field},
    }


def a_vector(seed: int, dimension: int = DIMENSION) -> list[float]:
    return [float(v) for v in np.random.default_rng(seed).normal(size=dimension)]


@pytest.fixture
def client() -> Any:
    return make_bedrock_client("us-east-1", None, ("AKIDEXAMPLE", "not-a-secret"))


@pytest.fixture
def stub(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def engine(client: Any, sleeps: list[float]) -> NovaEngine:
    return NovaEngine(client, dimension=DIMENSION, max_attempts=4, sleep=sleeps.append, rng=random.Random(7))


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 2 s of real CCTV-like footage, cut without re-encoding (H.264 in MP4, as the segmenter writes)."""
    target = tmp_path_factory.mktemp("nova") / "segment.mp4"
    with av.open(str(VIDEOS_DIR / "car-detection.mp4")) as source, av.open(str(target), "w") as out:
        video = source.streams.video[0]
        copied = out.add_stream_from_template(video)
        for packet in source.demux(video):
            if packet.dts is None:
                continue
            if packet.pts is not None and packet.time_base is not None and packet.pts * packet.time_base > 2:
                break
            packet.stream = copied
            out.mux(packet)
    return target


def segment(clip: Path, seconds: float = 2.0) -> SegmentMedia:
    return SegmentMedia(clip=clip, start_s=30.0, end_s=30.0 + seconds)


# ---------------------------------------------------------------- requests and answers as documented


def test_a_segment_is_sent_as_inline_mp4_for_the_index_and_its_video_vector_kept(
    engine: NovaEngine, stub: Stubber, clip: Path
) -> None:
    video = {
        "format": "mp4",
        "embeddingMode": "AUDIO_VIDEO_SEPARATE",
        "source": {"bytes": base64.b64encode(clip.read_bytes()).decode()},
    }
    stub.add_response(
        "invoke_model",
        answer(("AUDIO", a_vector(1)), ("VIDEO", a_vector(2))),
        expected_params(request("GENERIC_INDEX", video=video)),
    )

    vector = engine.embed_segment(segment(clip))

    assert vector.dtype == np.float32
    assert vector.shape == (DIMENSION,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-6)
    expected = np.asarray(a_vector(2), dtype=np.float32)
    np.testing.assert_allclose(vector, expected / np.linalg.norm(expected), rtol=1e-5)
    assert engine.last_call_ms is not None
    assert engine.last_call_ms >= 0
    assert engine.last_attempts == 1


def test_a_text_query_retrieves_videos(engine: NovaEngine, stub: Stubber) -> None:
    body = request("VIDEO_RETRIEVAL", text={"truncationMode": "END", "value": "white car turning left"})
    stub.add_response("invoke_model", answer(("TEXT", a_vector(3))), expected_params(body))

    vector = engine.embed_text_query("white car turning left")

    assert vector.shape == (DIMENSION,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-6)


class _AnyJson:
    """Accepts any JSON body and keeps it, for requests whose bytes (a JPEG) are checked after decoding."""

    seen: dict[str, Any] | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, bytes | str):
            return False
        _AnyJson.seen = json.loads(other)
        return True

    def __hash__(self) -> int:
        return 0


_ANY_JSON = _AnyJson()


def test_a_query_image_is_sent_as_jpeg_to_retrieve_videos(engine: NovaEngine, stub: Stubber) -> None:
    image = np.full((48, 64, 4), 200, dtype=np.uint8)  # BGRA: sent as a 3-channel JPEG
    image[10:30, 20:40] = (0, 0, 255, 255)
    params = expected_params({})
    stub.add_response("invoke_model", answer(("IMAGE", a_vector(4))), {**params, "body": _ANY_JSON})

    vector = engine.embed_image(image)

    assert vector.shape == (DIMENSION,)
    sent = _ANY_JSON.seen
    assert sent is not None
    image_field = sent["singleEmbeddingParams"].pop("image")
    assert sent == request("VIDEO_RETRIEVAL")
    assert set(image_field) == {"format", "detailLevel", "source"}
    assert (image_field["format"], image_field["detailLevel"]) == ("jpeg", "STANDARD_IMAGE")
    decoded = cv2.imdecode(np.frombuffer(base64.b64decode(image_field["source"]["bytes"]), np.uint8), -1)
    assert decoded.shape == (48, 64, 3)
    assert abs(int(decoded[20, 30, 2]) - 255) < 10  # red stayed red (BGR order kept)


def test_the_engine_names_its_space_and_fits_the_port(client: Any) -> None:
    engine = NovaEngine(client, dimension=1024)
    assert isinstance(engine, SegmentEngine)
    assert (engine.name, engine.model_name, engine.model_version) == ("nova", DEFAULT_MODEL_ID, "v1:0/1024")
    assert (engine.dimension, engine.remote_calls_per_segment) == (1024, 1)
    assert NovaEngine(client, dimension=256).model_version == "v1:0/256"
    assert engine.last_call_ms is None


def test_the_factory_builds_a_client_with_timeouts_and_without_botocore_retries() -> None:
    client = make_bedrock_client("eu-west-1", None, ("AKIDEXAMPLE", "not-a-secret"))
    assert client.meta.region_name == "eu-west-1"
    assert (
        client.meta.config.retries["total_max_attempts"] == 1
    )  # NovaEngine retries, attempts do not multiply
    assert (client.meta.config.connect_timeout, client.meta.config.read_timeout) == (10, 120)
    engine = make_nova_engine("eu-west-1", None, "amazon.nova-2-multimodal-embeddings-v1:0", 3072, None)
    assert (engine.dimension, engine.model_version) == (3072, "v1:0/3072")


def test_an_unknown_profile_names_the_setting() -> None:
    with pytest.raises(EnvironmentProblemError, match="nova_profile"):
        make_bedrock_client("us-east-1", "no-such-profile-here", None)


def test_a_dimension_nova_does_not_offer_is_refused(client: Any) -> None:
    with pytest.raises(InvalidInputError, match="256, 384, 1024, 3072"):
        NovaEngine(client, dimension=512)


# ---------------------------------------------------------------- retries


def test_throttling_is_retried_with_growing_jittered_pauses_then_succeeds(
    engine: NovaEngine, stub: Stubber, sleeps: list[float]
) -> None:
    for code in ("ThrottlingException", "ServiceUnavailableException", "ModelNotReadyException"):
        stub.add_client_error(
            "invoke_model", service_error_code=code, service_message="slow down", http_status_code=429
        )
    stub.add_response("invoke_model", answer(("TEXT", a_vector(5))))

    vector = engine.embed_text_query("person with a red bag")

    assert vector.shape == (DIMENSION,)
    assert engine.last_attempts == 4
    assert len(sleeps) == 3
    for attempt, pause in enumerate(sleeps, start=1):
        ceiling = 2.0 ** (attempt - 1)
        assert ceiling / 2 <= pause <= ceiling


@pytest.mark.parametrize("code", ["InternalServerException", "ModelTimeoutException"])
def test_server_side_hiccups_are_retried(engine: NovaEngine, stub: Stubber, code: str) -> None:
    stub.add_client_error(
        "invoke_model", service_error_code=code, service_message="oops", http_status_code=500
    )
    stub.add_response("invoke_model", answer(("TEXT", a_vector(6))))
    engine.embed_text_query("bicycle")
    assert engine.last_attempts == 2


def test_connection_errors_are_retried(client: Any, sleeps: list[float]) -> None:
    from botocore.exceptions import EndpointConnectionError

    calls: list[int] = []
    data = json.dumps({"embeddings": [{"embeddingType": "TEXT", "embedding": a_vector(8)}]}).encode()

    class Flaky:
        meta = client.meta

        def invoke_model(self, **kwargs: Any) -> Any:
            calls.append(1)
            if len(calls) < 3:
                raise EndpointConnectionError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com")
            return {"body": StreamingBody(io.BytesIO(data), len(data))}

    engine = NovaEngine(Flaky(), dimension=DIMENSION, sleep=sleeps.append)
    assert engine.embed_text_query("van").shape == (DIMENSION,)
    assert (len(calls), len(sleeps)) == (3, 2)


def test_throttling_that_outlasts_the_retries_is_an_environment_problem(
    engine: NovaEngine, stub: Stubber, sleeps: list[float], clip: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(4):
        stub.add_client_error("invoke_model", service_error_code="ThrottlingException", http_status_code=429)

    with pytest.raises(EnvironmentProblemError, match=r"kept throttling .* us-east-1 \(4 attempts"):
        engine.embed_segment(segment(clip))
    assert len(sleeps) == 3  # no pause after the last attempt
    assert engine.last_call_ms is not None
    assert len(caplog.records) == 3
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "ThrottlingException" in logged
    clip_base64 = base64.b64encode(clip.read_bytes()).decode()
    assert clip_base64[:64] not in logged  # neither the media bytes...
    assert "not-a-secret" not in logged  # ...nor the credentials are logged


# ---------------------------------------------------------------- hard failures by blame


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("AccessDeniedException", r"Enable model access .* Bedrock console for region us-east-1"),
        ("UnrecognizedClientException", r"credentials were not accepted"),
        ("ResourceNotFoundException", r"not found in us-east-1.*nova_region"),
    ],
)
def test_refusals_are_environment_problems_that_name_the_fix(
    engine: NovaEngine, stub: Stubber, sleeps: list[float], code: str, message: str
) -> None:
    stub.add_client_error("invoke_model", service_error_code=code, service_message="no", http_status_code=403)
    with pytest.raises(EnvironmentProblemError, match=message):
        engine.embed_text_query("car")
    assert sleeps == []  # not retried


def test_missing_credentials_are_an_environment_problem(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    engine = make_nova_engine("us-east-1", None, DEFAULT_MODEL_ID, DIMENSION, None)
    with pytest.raises(EnvironmentProblemError, match="no usable AWS credentials"):
        engine.embed_text_query("car")


def test_a_validation_error_is_invalid_input_with_the_services_message(
    engine: NovaEngine, stub: Stubber
) -> None:
    stub.add_client_error(
        "invoke_model",
        service_error_code="ValidationException",
        service_message="Video duration exceeds 30 seconds",
        http_status_code=400,
    )
    with pytest.raises(InvalidInputError, match="Video duration exceeds 30 seconds"):
        engine.embed_text_query("car")


@pytest.mark.parametrize(
    "payload",
    [
        {"embeddings": [{"embeddingType": "TEXT", "embedding": a_vector(9, DIMENSION + 1)}]},
        {"embeddings": [{"embeddingType": "IMAGE", "embedding": a_vector(9)}]},
        {"embedding": a_vector(9)},
        {"embeddings": [{"embeddingType": "TEXT", "embedding": [0.0] * DIMENSION}]},
    ],
    ids=["wrong-length", "wrong-type", "undocumented-shape", "zero-vector"],
)
def test_an_answer_that_is_not_the_asked_vector_is_refused(
    engine: NovaEngine, stub: Stubber, payload: dict[str, Any]
) -> None:
    stub.add_response("invoke_model", answer_json(payload))
    with pytest.raises(EnvironmentProblemError, match="unexpected answer"):
        engine.embed_text_query("car")


# ---------------------------------------------------------------- input refused before any call


def test_a_clip_over_the_inline_limit_is_refused_naming_it(client: Any, stub: Stubber, clip: Path) -> None:
    small_limit = NovaEngine(client, dimension=DIMENSION, max_inline_bytes=clip.stat().st_size)
    with pytest.raises(InvalidInputError, match=r"only under [\d.]+ MB encoded"):
        small_limit.embed_segment(segment(clip))
    assert MAX_INLINE_BYTES == 25_000_000


def test_a_segment_longer_than_30_seconds_is_refused(engine: NovaEngine, stub: Stubber, clip: Path) -> None:
    with pytest.raises(InvalidInputError, match="at most 30 s"):
        engine.embed_segment(segment(clip, seconds=31))


def test_a_clip_that_is_not_mp4_or_missing_is_refused(
    engine: NovaEngine, stub: Stubber, tmp_path: Path
) -> None:
    fake = tmp_path / "segment.mp4"
    fake.write_bytes(b"\x00" * 64)
    with pytest.raises(InvalidInputError, match="not an MP4"):
        engine.embed_segment(segment(fake))
    with pytest.raises(InvalidInputError, match="does not exist"):
        engine.embed_segment(segment(tmp_path / "gone.mp4"))


def test_an_empty_query_is_refused(engine: NovaEngine, stub: Stubber) -> None:
    with pytest.raises(InvalidInputError, match="empty"):
        engine.embed_text_query("  ")
