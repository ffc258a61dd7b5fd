"""The image embedder on real footage: frames of one clip are closer to each other than to other clips."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from chronotrace_desktop.config import MODELS_DIR_ENV
from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.embedding.defaults import DEFAULT_IMAGE_EMBEDDING_DIMENSION
from chronotrace_desktop.embedding.mobilenet import MobileNetImageEmbedder
from chronotrace_desktop.embedding.port import Image, ImageEmbedder
from chronotrace_desktop.media.stills import read_still
from tests.conftest import VIDEOS_DIR

# uav-clips.mp4 is a compilation of unrelated shots, so two of its frames need not look alike.
CLIPS = [
    "car-detection.mp4",
    "bottle-detection.mp4",
    "one-by-one-person-detection.mp4",
    "aerial_crossing_pedestrians_bikes_cropped.mp4",
    "2018-03-11.16-20-00.16-25-00.school.G330.annotated.mp4",
    "video02.avi",
    "video03.avi",
    "store-aisle-detection.gif",
    "worker-zone-detection.gif",
]


def read_frames(name: str, indices: tuple[int, ...] = (5, 35)) -> list[Image]:
    capture = cv2.VideoCapture(str(VIDEOS_DIR / name))
    frames: list[Image] = []
    try:
        for index in indices:
            capture.set(cv2.CAP_PROP_POS_FRAMES, index)
            ok, frame = capture.read()
            assert ok, f"cannot read frame {index} of {name}"
            frames.append(frame)
    finally:
        capture.release()
    return frames


@pytest.fixture(scope="module")
def mobilenet() -> MobileNetImageEmbedder:
    return MobileNetImageEmbedder()


@pytest.fixture(scope="module")
def clip_frames() -> dict[str, list[Image]]:
    return {name: read_frames(name) for name in CLIPS}


def test_is_an_image_embedder(mobilenet: MobileNetImageEmbedder) -> None:
    assert isinstance(mobilenet, ImageEmbedder)
    assert mobilenet.dimension == DEFAULT_IMAGE_EMBEDDING_DIMENSION == 1280
    assert mobilenet.model_version.startswith("onnx:")


def test_frames_of_one_clip_are_closer_than_frames_of_other_clips(
    mobilenet: MobileNetImageEmbedder, clip_frames: dict[str, list[Image]]
) -> None:
    frames = [frame for name in CLIPS for frame in clip_frames[name]]
    vectors = mobilenet.embed_images(frames)
    assert vectors.shape == (len(frames), 1280)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    for clip, name in enumerate(CLIPS):
        first, second = 2 * clip, 2 * clip + 1
        others = [index for index in range(len(frames)) if index // 2 != clip]
        nearest_other = max(similarity[first, others].max(), similarity[second, others].max())
        assert similarity[first, second] > nearest_other + 0.1, name


def test_deterministic_and_batch_equals_single(
    mobilenet: MobileNetImageEmbedder, clip_frames: dict[str, list[Image]]
) -> None:
    frames = clip_frames["car-detection.mp4"] + clip_frames["video02.avi"]
    batch = mobilenet.embed_images(frames)
    np.testing.assert_array_equal(batch, mobilenet.embed_images(frames))
    singles = np.stack([mobilenet.embed_images([frame])[0] for frame in frames])
    np.testing.assert_allclose(batch, singles, atol=1e-5)


def test_labels_name_what_is_in_the_frame(
    mobilenet: MobileNetImageEmbedder, clip_frames: dict[str, list[Image]]
) -> None:
    (labels,) = mobilenet.top_labels(clip_frames["bottle-detection.mp4"][:1], top_k=5)
    assert len(labels) == 5
    assert any("bottle" in label.label for label in labels), labels
    assert all(0.0 <= label.score <= 1.0 for label in labels)
    assert [label.score for label in labels] == sorted((label.score for label in labels), reverse=True)


def test_one_pass_gives_vectors_and_labels(
    mobilenet: MobileNetImageEmbedder, clip_frames: dict[str, list[Image]]
) -> None:
    frames = clip_frames["video03.avi"]
    vectors, labels = mobilenet.embed_and_label(frames, top_k=3)
    np.testing.assert_array_equal(vectors, mobilenet.embed_images(frames))
    assert [len(item) for item in labels] == [3, 3]


def test_grey_bgra_and_tiny_images_are_accepted(mobilenet: MobileNetImageEmbedder) -> None:
    frame = read_frames("car-detection.mp4", (5,))[0]
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    bgra = cv2.cvtColor(frame, cv2.COLOR_BGR2BGRA)
    tiny = frame[:12, :7]
    vectors = mobilenet.embed_images([frame, bgra, grey, tiny])
    assert float(vectors[0] @ vectors[1]) > 0.9999
    assert float(vectors[0] @ vectors[2]) > 0.8
    assert vectors.shape == (4, 1280)


def test_image_file_round_trip(mobilenet: MobileNetImageEmbedder, tmp_path: Path) -> None:
    frame = read_frames("bottle-detection.mp4", (5,))[0]
    path = tmp_path / "évidence still.png"
    ok, encoded = cv2.imencode(".png", frame)
    assert ok
    path.write_bytes(encoded.tobytes())
    loaded = read_still(path)
    np.testing.assert_array_equal(loaded, frame)
    np.testing.assert_allclose(mobilenet.embed_images([loaded]), mobilenet.embed_images([frame]), atol=1e-6)


@pytest.mark.parametrize("content", [b"", b"not an image at all"])
def test_undecodable_image_file_is_invalid_input(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError, match="not an image"):
        read_still(path)


def test_missing_image_file_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="Cannot read image"):
        read_still(tmp_path / "nope.png")


def test_bad_images_are_invalid_input(mobilenet: MobileNetImageEmbedder) -> None:
    with pytest.raises(InvalidInputError, match="image 1"):
        mobilenet.embed_images([np.zeros((8, 8, 3), np.uint8), np.zeros((8, 8, 3), np.float32)])
    with pytest.raises(InvalidInputError, match="top_k"):
        mobilenet.top_labels([np.zeros((8, 8, 3), np.uint8)], top_k=1001)
    assert mobilenet.embed_images([]).shape == (0, 1280)


def test_missing_models_dir_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MODELS_DIR_ENV, str(tmp_path / "empty"))
    with pytest.raises(EnvironmentProblemError, match=r"chronotrace models install --only embedder"):
        MobileNetImageEmbedder()
