"""A tiny CLIP-shaped model, aligned by construction, built on disk with ``onnx`` and ``tokenizers``: for the
CLIP engine's tests and for the tests that run it inside the app. Nothing is fetched.

The image tower averages each normalised colour channel over the picture and projects the 3 means with a random
orthonormal matrix Q (3 x D); the text tower looks each token up in an embedding table, averages, and projects
with the same Q. The words "red", "green" and "blue" sit where a pure red, green or blue picture lands (with
mean = std = 0.5 a red pixel normalises to (1, -1, -1)); the other words are random.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer, models, pre_tokenizers, processors

DIM = 8
SIZE = 32
CONTEXT = 12
WORDS = ["<pad>", "<|startoftext|>", "<|endoftext|>", "[UNK]", "red", "green", "blue", "car", "person", "a"]
VOCAB = {word: index for index, word in enumerate(WORDS)}
BGR = {"red": (0, 0, 255), "green": (0, 255, 0), "blue": (255, 0, 0)}
SIGNS = {"red": (1.0, -1.0, -1.0), "green": (-1.0, 1.0, -1.0), "blue": (-1.0, -1.0, 1.0)}

RNG = np.random.default_rng(14)
Q = np.linalg.qr(RNG.normal(size=(DIM, 3)))[0].T.astype(np.float32)  # (3, DIM), orthonormal rows
# The other words' random places, drawn once: every model built here is the same, whichever test builds first.
NOISE_WORDS = ("car", "person", "a", "[UNK]")
NOISE = {word: RNG.normal(size=3) for word in NOISE_WORDS}


def token_table(pad_noise: bool) -> np.ndarray:
    """(vocab, 3): colours at their pictures' place; specials zero (the pad too, unless ``pad_noise``)."""
    table = np.zeros((len(WORDS), 3), dtype=np.float32)
    for word, signs in SIGNS.items():
        table[VOCAB[word]] = signs
    for word in NOISE_WORDS:
        table[VOCAB[word]] = NOISE[word]
    if pad_noise:  # a graph that reads the mask must ignore these
        table[VOCAB["<pad>"]] = (5.0, 5.0, -5.0)
    return table


def save(graph: onnx.GraphProto, path: Path) -> None:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def image_tower(path: Path, dim: int = DIM, fixed_size: int | None = None) -> None:
    side: int | str = fixed_size or "H"
    pixels = helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["N", 3, side, side])
    embeds = helper.make_tensor_value_info("image_embeds", TensorProto.FLOAT, ["N", dim])
    hidden = helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["N", 1, dim])
    other = np.random.default_rng(dim)  # a tower of another size: its own fixed projection
    projection = Q if dim == DIM else other.normal(size=(3, dim)).astype(np.float32)
    nodes = [
        helper.make_node("ReduceMean", ["pixel_values"], ["means"], axes=[2, 3], keepdims=0),
        helper.make_node("MatMul", ["means", "projection"], ["image_embeds"]),
        helper.make_node("Unsqueeze", ["image_embeds", "one"], ["last_hidden_state"]),
    ]
    initialisers = [
        numpy_helper.from_array(projection, "projection"),
        numpy_helper.from_array(np.array([1]), "one"),
    ]
    save(helper.make_graph(nodes, "image", [pixels], [hidden, embeds], initialisers), path)


def text_tower(path: Path, *, with_mask: bool, int32: bool = False, fixed_length: int | None = None) -> None:
    """input_ids (+ attention_mask) -> Gather -> (masked) mean over tokens -> MatMul Q -> text_embeds."""
    kind = TensorProto.INT32 if int32 else TensorProto.INT64
    length: int | str = fixed_length or "L"
    inputs = [helper.make_tensor_value_info("input_ids", kind, ["N", length])]
    table = numpy_helper.from_array(token_table(pad_noise=with_mask), "table")
    initialisers = [table, numpy_helper.from_array(Q, "projection")]
    nodes = [helper.make_node("Gather", ["table", "input_ids"], ["tokens"], axis=0)]
    if with_mask:
        inputs.append(helper.make_tensor_value_info("attention_mask", kind, ["N", length]))
        initialisers.append(numpy_helper.from_array(np.array([2]), "two"))
        nodes += [
            helper.make_node("Cast", ["attention_mask"], ["maskf"], to=TensorProto.FLOAT),
            helper.make_node("Unsqueeze", ["maskf", "two"], ["mask3"]),
            helper.make_node("Mul", ["tokens", "mask3"], ["kept"]),
            helper.make_node("ReduceSum", ["kept", "axis1"], ["pooled"], keepdims=0),
        ]
        initialisers.append(numpy_helper.from_array(np.array([1]), "axis1"))
    else:
        nodes.append(helper.make_node("ReduceMean", ["tokens"], ["pooled"], axes=[1], keepdims=0))
    nodes.append(helper.make_node("MatMul", ["pooled", "projection"], ["text_embeds"]))
    embeds = helper.make_tensor_value_info("text_embeds", TensorProto.FLOAT, ["N", DIM])
    save(helper.make_graph(nodes, "text", inputs, [embeds], initialisers), path)


def tokenizer_file(path: Path, *, post_processor: bool = True) -> None:
    tokenizer = Tokenizer(models.WordLevel(VOCAB, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    if post_processor:
        tokenizer.post_processor = processors.TemplateProcessing(
            single="<|startoftext|> $A <|endoftext|>",
            special_tokens=[
                ("<|startoftext|>", VOCAB["<|startoftext|>"]),
                ("<|endoftext|>", VOCAB["<|endoftext|>"]),
            ],
        )
    tokenizer.save(str(path))


def build_folder(
    folder: Path,
    *,
    with_mask: bool = False,
    post_processor: bool = True,
    config: dict[str, object] | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    image_tower(folder / "image.onnx")
    text_tower(folder / "text.onnx", with_mask=with_mask)
    tokenizer_file(folder / "tokenizer.json", post_processor=post_processor)
    settings = {"model_name": "tiny-clip", "model_version": "test1", "image_size": SIZE, "mean": [0.5] * 3}
    settings |= {"std": [0.5] * 3, "context_length": CONTEXT}
    (folder / "config.json").write_text(json.dumps(settings | (config or {})), encoding="utf-8")
    return folder


def colour(name: str, height: int = 48, width: int = 64) -> np.ndarray:
    return np.full((height, width, 3), BGR[name], dtype=np.uint8)


def expected(name: str) -> np.ndarray:
    vector = np.asarray(SIGNS[name], dtype=np.float32) @ Q
    return vector / np.linalg.norm(vector)
