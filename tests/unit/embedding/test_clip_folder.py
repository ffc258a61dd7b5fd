"""The CLIP folder engine on a tiny model built here: nothing is fetched.

The tiny model is CLIP-shaped and aligned by construction. The image tower averages each normalised colour
channel over the picture and projects the 3 means with a random orthonormal matrix Q (3 x D); the text tower
looks each token up in an embedding table, averages, and projects with the same Q. The words "red", "green"
and "blue" sit where a pure red, green or blue picture lands (with mean = std = 0.5 a red pixel normalises to
(1, -1, -1)); the other words are random. So a query can only rank the red segment first if pixels, tokens,
padding and pooling all go through the engine as they should.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pytest

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.embedding.clip import ClipFolderEngine, clip_engine_from_dir, clip_model_files
from chronotrace_desktop.embedding.segment_port import SegmentEngine, SegmentMedia
from tests.tiny_clip import (
    BGR,
    CONTEXT,
    DIM,
    SIGNS,
    SIZE,
    VOCAB,
    Q,
    build_folder,
    colour,
    expected,
    image_tower,
    text_tower,
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> ClipFolderEngine:
    return ClipFolderEngine(build_folder(tmp_path_factory.mktemp("clip") / "tiny"))


def test_the_engine_names_itself_and_reads_its_dimension_from_the_graph(engine: ClipFolderEngine) -> None:
    assert isinstance(engine, SegmentEngine)
    assert engine.name == "clip"
    assert engine.model_name == "tiny-clip"
    assert engine.model_version.startswith("test1/onnx:")
    assert engine.dimension == DIM
    assert engine.remote_calls_per_segment == 0
    assert engine.image_size == SIZE


def test_vectors_have_the_shape_and_unit_length_and_do_not_change(engine: ClipFolderEngine) -> None:
    frames = [colour("red"), colour("blue", 200, 90)]
    vectors = engine.embed_images(frames)
    text = engine.embed_text_query("red car")
    assert vectors.shape == (2, DIM)
    assert vectors.dtype == np.float32
    assert text.shape == (DIM,)
    assert text.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.linalg.norm(text) == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_array_equal(engine.embed_images(frames), vectors)
    np.testing.assert_array_equal(engine.embed_text_query("red car"), text)
    assert engine.embed_images([]).shape == (0, DIM)


def test_threads_share_one_engine(engine: ClipFolderEngine) -> None:
    names = list(SIGNS) * 8
    with ThreadPoolExecutor(max_workers=4) as pool:
        images = list(pool.map(lambda name: engine.embed_image(colour(name)), names))
        texts = list(pool.map(engine.embed_text_query, names))
    for name, image, text in zip(names, images, texts, strict=True):
        np.testing.assert_allclose(image, expected(name), atol=1e-5)
        np.testing.assert_allclose(text, expected(name), atol=1e-5)


def test_pictures_and_words_land_where_the_model_puts_them(engine: ClipFolderEngine) -> None:
    for name in SIGNS:
        assert float(engine.embed_image(colour(name)) @ expected(name)) == pytest.approx(1.0, abs=1e-5)
        assert float(engine.embed_text_query(name) @ expected(name)) == pytest.approx(1.0, abs=1e-5)


def test_grey_bgra_and_large_frames_are_prepared_like_colour_frames(engine: ClipFolderEngine) -> None:
    red = engine.embed_image(colour("red"))
    bgra = cv2.cvtColor(colour("red", 720, 1280), cv2.COLOR_BGR2BGRA)
    np.testing.assert_allclose(engine.embed_image(bgra), red, atol=1e-5)
    grey = engine.embed_image(np.full((40, 40), 255, dtype=np.uint8))
    white = np.asarray((1.0, 1.0, 1.0), dtype=np.float32) @ Q
    assert float(grey @ (white / np.linalg.norm(white))) == pytest.approx(1.0, abs=1e-5)


def test_the_picture_is_centre_cropped_after_the_shorter_side_is_resized(engine: ClipFolderEngine) -> None:
    wide = np.zeros((SIZE, SIZE * 3, 3), dtype=np.uint8)
    wide[:, :SIZE] = BGR["red"]
    wide[:, SIZE : 2 * SIZE] = BGR["green"]
    wide[:, 2 * SIZE :] = BGR["blue"]
    assert float(engine.embed_image(wide) @ expected("green")) == pytest.approx(1.0, abs=1e-4)
    tall = np.zeros((SIZE * 6, SIZE * 2, 3), dtype=np.uint8)  # shrunk to 32 x 96, the middle third kept
    tall[:] = BGR["red"]
    tall[SIZE * 2 : SIZE * 4] = BGR["blue"]
    assert float(engine.embed_image(tall) @ expected("blue")) > 0.99


def test_a_text_query_ranks_the_segment_it_describes_first(engine: ClipFolderEngine, tmp_path: Path) -> None:
    segments = {
        name: engine.embed_segment(SegmentMedia(tmp_path / f"{name}.mp4", 0.0, 15.0, (colour(name),) * 3))
        for name in SIGNS
    }
    for query in ("red", "a green car", "blue person"):
        scores = {name: float(vector @ engine.embed_text_query(query)) for name, vector in segments.items()}
        colour_named = next(name for name in SIGNS if name in query)
        assert max(scores, key=scores.__getitem__) == colour_named, scores


def test_a_segment_is_the_mean_of_its_frames_made_unit_length(
    engine: ClipFolderEngine, tmp_path: Path
) -> None:
    frames = (colour("red"), colour("red"), colour("blue"))
    vector = engine.embed_segment(SegmentMedia(tmp_path / "mixed.mp4", 30.0, 45.0, frames))
    mean = 2 * expected("red") + expected("blue")
    np.testing.assert_allclose(vector, mean / np.linalg.norm(mean), atol=1e-5)
    assert float(vector @ engine.embed_text_query("red")) > float(vector @ engine.embed_text_query("blue"))
    many = (colour("green"),) * 40  # thinned to a few frames; same vector
    thinned = engine.embed_segment(SegmentMedia(tmp_path / "long.mp4", 0.0, 15.0, many))
    np.testing.assert_allclose(thinned, expected("green"), atol=1e-5)


def test_a_segment_without_frames_is_sampled_from_its_clip(engine: ClipFolderEngine, tmp_path: Path) -> None:
    clip = tmp_path / "blue.mp4"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (64, 48))
    for _ in range(30):
        writer.write(colour("blue"))
    writer.release()
    vector = engine.embed_segment(SegmentMedia(clip, 0.0, 3.0))
    assert float(vector @ expected("blue")) > 0.99
    with pytest.raises(InvalidInputError, match="cannot be opened"):
        engine.embed_segment(SegmentMedia(tmp_path / "absent.mp4", 0.0, 3.0))


def test_a_frame_sampler_given_by_the_caller_is_used(tmp_path: Path) -> None:
    asked: list[SegmentMedia] = []

    def sampler(media: SegmentMedia) -> list[np.ndarray]:
        asked.append(media)
        return [colour("green")]

    engine = ClipFolderEngine(build_folder(tmp_path / "m"), frame_sampler=sampler)
    media = SegmentMedia(tmp_path / "never-opened.mp4", 15.0, 30.0)
    np.testing.assert_allclose(engine.embed_segment(media), expected("green"), atol=1e-5)
    assert asked == [media]


def test_text_is_wrapped_in_bos_and_eos_then_padded_to_the_context_length(engine: ClipFolderEngine) -> None:
    ids, mask = engine.tokens.encode(["red car", " ".join(["blue"] * 40)])
    assert ids.shape == (2, CONTEXT)
    assert ids.dtype == np.int64
    start, end = VOCAB["<|startoftext|>"], VOCAB["<|endoftext|>"]
    assert ids[0, :4].tolist() == [start, VOCAB["red"], VOCAB["car"], end]
    assert ids[0, 4:].tolist() == [0] * (CONTEXT - 4)
    assert mask[0].tolist() == [1] * 4 + [0] * (CONTEXT - 4)
    assert ids[1, 0] == start
    assert ids[1, -1] == end
    assert mask[1].all()


def test_a_tokenizer_without_a_post_processor_gets_bos_and_eos_added(tmp_path: Path) -> None:
    engine = ClipFolderEngine(build_folder(tmp_path / "plain", post_processor=False))
    ids, _ = engine.tokens.encode(["green", " ".join(["red"] * 40)])
    start, end = VOCAB["<|startoftext|>"], VOCAB["<|endoftext|>"]
    assert ids[0, :3].tolist() == [start, VOCAB["green"], end]
    assert ids[1, 0] == start
    assert ids[1, -1] == end
    assert float(engine.embed_text_query("green") @ expected("green")) == pytest.approx(1.0, abs=1e-5)


def test_a_text_graph_with_an_attention_mask_is_fed_one(tmp_path: Path) -> None:
    """Its pad token's embedding is loud: only a correct mask keeps it out of the vector."""
    engine = ClipFolderEngine(build_folder(tmp_path / "masked", with_mask=True))
    for name in SIGNS:
        assert float(engine.embed_text_query(name) @ expected(name)) == pytest.approx(1.0, abs=1e-5)
    vectors = engine.embed_texts(["red", "blue car", "green"])
    assert vectors.shape == (3, DIM)


def test_an_int32_text_graph_of_fixed_length_sets_the_context_length(tmp_path: Path) -> None:
    folder = build_folder(tmp_path / "int32", config={"context_length": None, "image_size": None})
    text_tower(folder / "text.onnx", with_mask=True, int32=True, fixed_length=9)
    image_tower(folder / "image.onnx", fixed_size=24)
    engine = ClipFolderEngine(folder)
    assert engine.tokens.context_length == 9
    assert engine.image_size == 24
    assert float(engine.embed_text_query("blue") @ expected("blue")) == pytest.approx(1.0, abs=1e-5)


def test_defaults_apply_without_config_json_and_the_version_follows_the_files(tmp_path: Path) -> None:
    folder = build_folder(tmp_path / "ViT-tiny")
    (folder / "config.json").unlink()
    engine = ClipFolderEngine(folder)
    assert engine.model_name == "ViT-tiny"
    assert engine.model_version.startswith("onnx:")
    assert engine.image_size == 224
    assert engine.tokens.context_length == 77
    other = build_folder(tmp_path / "other")
    (other / "config.json").unlink()
    text_tower(other / "text.onnx", with_mask=True)  # another model's bytes: another version
    assert ClipFolderEngine(other).model_version != engine.model_version


def test_bad_input_is_refused(engine: ClipFolderEngine) -> None:
    with pytest.raises(InvalidInputError):
        engine.embed_text_query("   ")
    with pytest.raises(InvalidInputError):
        engine.embed_image(np.zeros((10, 10, 3), dtype=np.float32))


@pytest.mark.parametrize("missing", ["image.onnx", "text.onnx", "tokenizer.json"])
def test_a_missing_file_is_named_with_the_layout(tmp_path: Path, missing: str) -> None:
    folder = build_folder(tmp_path / "broken")
    (folder / missing).unlink()
    with pytest.raises(EnvironmentProblemError, match=rf"lacks {missing}.*tokenizer\.json"):
        ClipFolderEngine(folder)
    assert [item.present for item in clip_model_files(folder)].count(False) == 1


def test_a_missing_or_unset_folder_is_an_environment_problem(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentProblemError, match=r"does not exist.*image\.onnx"):
        ClipFolderEngine(tmp_path / "nowhere")
    with pytest.raises(EnvironmentProblemError, match="clip_model_dir is not set"):
        clip_engine_from_dir(None)
    assert not clip_model_files(None)[0].present


def test_towers_of_different_dimensions_are_refused(tmp_path: Path) -> None:
    folder = build_folder(tmp_path / "mixed")
    image_tower(folder / "image.onnx", dim=DIM + 4)
    with pytest.raises(EnvironmentProblemError, match=r"gives 12-d vectors and its text tower 8-d"):
        ClipFolderEngine(folder)


def test_a_malformed_config_or_model_is_an_environment_problem(tmp_path: Path) -> None:
    folder = build_folder(tmp_path / "bad", config={"mean": [0.5, 0.5]})
    with pytest.raises(EnvironmentProblemError, match=r"config\.json is not valid"):
        ClipFolderEngine(folder)
    folder = build_folder(tmp_path / "worse")
    (folder / "image.onnx").write_bytes(b"not a model")
    with pytest.raises(EnvironmentProblemError, match="cannot be loaded"):
        ClipFolderEngine(folder)
    folder = build_folder(tmp_path / "mismatch", config={"image_size": 64})
    image_tower(folder / "image.onnx", fixed_size=SIZE)
    with pytest.raises(EnvironmentProblemError, match="image_size 64"):
        ClipFolderEngine(folder)
