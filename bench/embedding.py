"""Embedding throughput per engine: the offline default, CLIP from a folder, Amazon Nova (our side only).

    .venv/bin/python bench/embedding.py [--video PATH] [--start 15] [--repeats 5] [--segments 4]
                                        [--queries 20] [--no-vit]

A real 15 s segment is cut from a real clip with the product's own ``cut_segment`` (the original cut, what a
local engine such as CLIP is shown) and rendered as the redacted rendition (``render_redacted_clip``, an empty
plan: the same H.264 encode and size as ingest's; what Nova is shown by default) into a temp folder; nothing is
kept. Each figure is the median of ``--repeats`` rounds.

* offline default: MiniLM (caption at ingest, one per segment; a text query) and MobileNet (an image; the
  8 frames a CLIP segment embeds, for comparison).
* clip: the tests' tiny model (``tests/tiny_clip.build_folder``; meaningless for quality) through the product's
  engine and frame sampler: decoding the original cut, sampling 8 frames, preprocessing, ONNX. It measures OUR
  per-segment overhead; a real CLIP ViT-B/32 costs more, so the bench also times random ONNX graphs with
  ViT-B/32's shapes and multiply-adds (image: 49 patches + 1, width 768, 12 layers; text: 77 tokens, width
  512, 12 layers) as an estimate of a real model's compute on this machine (``--no-vit`` skips it).
* nova: a real ``bedrock-runtime`` client under botocore's ``Stubber`` (no network): reading the redacted
  clip, base64, the JSON request, botocore's parameter validation and serialisation, parsing the 1024-d
  answer. It measures ONLY our overhead; a real call adds the upload and Bedrock's own time (not measured).

Ratios to one MiniLM query are printed too: they drift less than milliseconds when the machine's speed does.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.tiny_clip

from _machine import describe
from botocore.response import StreamingBody
from botocore.stub import Stubber

from chronotrace_desktop.domain.media import RedactionPlan, Window
from chronotrace_desktop.embedding.clip import clip_engine_from_dir
from chronotrace_desktop.embedding.nova import NovaEngine, make_bedrock_client
from chronotrace_desktop.embedding.registry import default_image_embedder, default_text_embedder
from chronotrace_desktop.embedding.segment_port import SegmentMedia
from chronotrace_desktop.media.frames import frame_at
from chronotrace_desktop.media.redaction import render_redacted_clip
from chronotrace_desktop.media.segments import cut_segment
from chronotrace_desktop.services.engines.catalog import CLIP_FRAMES_PER_SEGMENT, segment_frames
from tests.tiny_clip import build_folder

if TYPE_CHECKING:
    from collections.abc import Callable

VIDEO = Path("/work/shared/data/videos/one-by-one-person-detection.mp4")
SEGMENT_S = 15.0
CAPTIONS = [
    "two people walking on a street by day, a white car and a grey truck, motion",
    "an empty car park at night, low activity",
    "a man in a black jacket and blue trousers with a backpack, indoors",
    "a crowd of people near a bus, three cars, a bicycle, busy road",
]
QUERIES = ["white car", "man in a red jacket", "person with a backpack", "two people walking at night"]


def median_ms(work: Callable[[], object], count: int, repeats: int) -> float:
    """Median over ``repeats`` rounds of the mean time of ``count`` calls, in ms."""
    rounds = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(count):
            work()
        rounds.append((time.perf_counter() - started) * 1000 / count)
    return statistics.median(rounds)


def prepare_segment(video: Path, start: float, folder: Path) -> tuple[Path, Path]:
    """A 15 s cut and its redacted rendition, as ingest makes them."""
    cut = cut_segment(video, Window(0, start, start + SEGMENT_S), folder / "cut")
    dest = folder / "redacted.mp4"
    render_redacted_clip(
        cut.path,
        RedactionPlan(),
        dest,
        segment_offset_s=cut.start_s,
        start_s=start,
        end_s=start + SEGMENT_S,
    )
    return cut.path, dest


# ------------------------------------------------------------------ a ViT-B/32-sized random graph


def _transformer(path: Path, tokens: int, width: int, layers: int, in_dim: int, seed: int) -> None:
    """Random weights, ViT/CLIP transformer shapes: LayerNorm, QKV, softmax attention, out proj, 4x MLP."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    heads, head = width // 64, 64
    inits: list[Any] = []
    nodes: list[Any] = []

    def weight(name: str, *shape: int) -> str:
        inits.append(numpy_helper.from_array((rng.standard_normal(shape) * 0.02).astype(np.float32), name))
        return name

    def const(name: str, values: list[int]) -> str:
        inits.append(numpy_helper.from_array(np.array(values, dtype=np.int64), name))
        return name

    ones, zeros = weight("ln_s", width), weight("ln_b", width)
    const("split", [width, width, width])
    const("heads_shape", [0, tokens, heads, head])
    const("flat_shape", [0, tokens, width])
    nodes.append(helper.make_node("MatMul", ["x", weight("embed", in_dim, width)], ["h0"]))
    for i in range(layers):
        h, n = f"h{i}", f"l{i}_"
        nodes += [
            helper.make_node("LayerNormalization", [h, ones, zeros], [n + "ln1"], axis=-1),
            helper.make_node("MatMul", [n + "ln1", weight(n + "qkv", width, 3 * width)], [n + "qkv_out"]),
            helper.make_node("Split", [n + "qkv_out", "split"], [n + "q", n + "k", n + "v"], axis=-1),
        ]
        for part in "qkv":
            nodes += [
                helper.make_node("Reshape", [n + part, "heads_shape"], [n + part + "4"]),
                helper.make_node("Transpose", [n + part + "4"], [n + part + "h"], perm=[0, 2, 1, 3]),
            ]
        nodes += [
            helper.make_node("Transpose", [n + "kh"], [n + "kt"], perm=[0, 1, 3, 2]),
            helper.make_node("MatMul", [n + "qh", n + "kt"], [n + "scores"]),
            helper.make_node("Softmax", [n + "scores"], [n + "attn"], axis=-1),
            helper.make_node("MatMul", [n + "attn", n + "vh"], [n + "ctx"]),
            helper.make_node("Transpose", [n + "ctx"], [n + "ctx_t"], perm=[0, 2, 1, 3]),
            helper.make_node("Reshape", [n + "ctx_t", "flat_shape"], [n + "ctx_f"]),
            helper.make_node("MatMul", [n + "ctx_f", weight(n + "proj", width, width)], [n + "attn_out"]),
            helper.make_node("Add", [h, n + "attn_out"], [n + "res1"]),
            helper.make_node("LayerNormalization", [n + "res1", ones, zeros], [n + "ln2"], axis=-1),
            helper.make_node("MatMul", [n + "ln2", weight(n + "fc1", width, 4 * width)], [n + "fc1_out"]),
            helper.make_node("Tanh", [n + "fc1_out"], [n + "act"]),
            helper.make_node("MatMul", [n + "act", weight(n + "fc2", 4 * width, width)], [n + "fc2_out"]),
            helper.make_node("Add", [n + "res1", n + "fc2_out"], [f"h{i + 1}"]),
        ]
    nodes.append(helper.make_node("ReduceMean", [f"h{layers}", const("axis1", [1])], ["y"], keepdims=0))
    graph = helper.make_graph(
        nodes,
        "vit_like",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", tokens, in_dim])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", width])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=8)
    onnx.save(model, str(path))


def vit_estimate(folder: Path, repeats: int) -> tuple[float, float]:
    """ms for 8 frames through a ViT-B/32-sized image graph and for one query through its text graph."""
    import onnxruntime as ort  # type: ignore[import-untyped]

    image, text = folder / "vit_image.onnx", folder / "vit_text.onnx"
    _transformer(image, tokens=50, width=768, layers=12, in_dim=3 * 32 * 32, seed=1)
    _transformer(text, tokens=77, width=512, layers=12, in_dim=512, seed=2)
    options = ort.SessionOptions()
    image_session = ort.InferenceSession(str(image), options, providers=["CPUExecutionProvider"])
    text_session = ort.InferenceSession(str(text), options, providers=["CPUExecutionProvider"])
    frames = np.random.default_rng(0).standard_normal((CLIP_FRAMES_PER_SEGMENT, 50, 3072)).astype(np.float32)
    query = np.random.default_rng(1).standard_normal((1, 77, 512)).astype(np.float32)
    image_session.run(None, {"x": frames})
    text_session.run(None, {"x": query})
    return (
        median_ms(lambda: image_session.run(None, {"x": frames}), 2, repeats),
        median_ms(lambda: text_session.run(None, {"x": query}), 5, repeats),
    )


# ------------------------------------------------------------------ Nova under the Stubber


def nova_answer(kind: str, dimension: int) -> dict[str, Any]:
    vector = np.random.default_rng(3).standard_normal(dimension)
    data = json.dumps(
        {
            "embeddings": [
                {"embeddingType": kind, "embedding": [float(v) for v in vector / np.linalg.norm(vector)]}
            ]
        }
    ).encode()
    return {"body": StreamingBody(io.BytesIO(data), len(data)), "contentType": "application/json"}


def nova_ms(media: SegmentMedia, frame: np.ndarray, count: int, repeats: int) -> tuple[float, float, float]:
    client = make_bedrock_client("us-east-1", None, ("AKIDEXAMPLE", "not-a-secret"))
    engine = NovaEngine(client, dimension=1024, max_attempts=1)
    results = []
    calls: tuple[tuple[str, Callable[[], object]], ...] = (
        ("VIDEO", lambda: engine.embed_segment(media)),
        ("TEXT", lambda: engine.embed_text_query("a man in a red jacket")),
        ("IMAGE", lambda: engine.embed_image(frame)),
    )
    with Stubber(client) as stubber:
        for kind, work in calls:
            for _ in range(count * repeats + 1):
                stubber.add_response("invoke_model", nova_answer(kind, 1024))
            work()
            results.append(median_ms(work, count, repeats))
            stubber.assert_no_pending_responses()
    return results[0], results[1], results[2]


# ------------------------------------------------------------------ the run


def row(label: str, ms: float, unit: str, base: float) -> None:
    rate = f"{1000 / ms:8.1f} {unit}/s" if unit else " " * 19
    print(f"  {label:58} {ms:9.2f} ms  {rate}  ({ms / base:7.2f}x a MiniLM query)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=VIDEO, help="a real clip to cut a segment from")
    parser.add_argument("--start", type=float, default=15.0, help="where the 15 s segment starts (s)")
    parser.add_argument("--repeats", type=int, default=5, help="rounds; each figure is their median")
    parser.add_argument("--segments", type=int, default=4, help="segments embedded per round")
    parser.add_argument("--queries", type=int, default=20, help="queries embedded per round")
    parser.add_argument("--no-vit", action="store_true", help="skip the ViT-B/32-sized compute estimate")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory(prefix="ct-bench-embedding-") as tmp:
        folder = Path(tmp)
        original, redacted = prepare_segment(args.video, args.start, folder)
        media = SegmentMedia(original, args.start, args.start + SEGMENT_S)
        frame = frame_at(original, SEGMENT_S / 2)
        print(
            f"segment: {SEGMENT_S:.0f} s of {args.video.name} from {args.start:g} s; original cut "
            f"{original.stat().st_size / 1e6:.2f} MB, redacted rendition {redacted.stat().st_size / 1e6:.2f} MB; "
            f"query frame {frame.shape[1]}x{frame.shape[0]}; median of {args.repeats} rounds"
        )

        text = default_text_embedder()
        images = default_image_embedder()
        frames = list(segment_frames(media))
        text.embed_texts(CAPTIONS)
        images.embed_images(frames[:1])
        counter = itertools.count()

        def new_query() -> object:
            number = next(counter)
            return text.embed_query(f"{QUERIES[number % len(QUERIES)]} {number}")  # never a repeat

        query_ms = median_ms(new_query, args.queries, args.repeats)
        print(f"offline default ({text.model_name}; {images.model_name}):")
        row("MiniLM text query (new text each time)", query_ms, "queries", query_ms)
        caption_ms = median_ms(lambda: text.embed_texts(CAPTIONS[:1]), args.queries, args.repeats)
        row("MiniLM caption, one per segment (ingest)", caption_ms, "segments", query_ms)
        batch_ms = median_ms(lambda: text.embed_texts(CAPTIONS * 8), 2, args.repeats) / 32
        row("MiniLM captions in batches of 32 (per caption)", batch_ms, "captions", query_ms)
        image_ms = median_ms(lambda: images.embed_images(frames[:1]), args.queries // 2, args.repeats)
        row("MobileNet one image (query by image)", image_ms, "images", query_ms)
        eight_ms = median_ms(lambda: images.embed_images(frames), args.segments, args.repeats)
        row(f"MobileNet {len(frames)} frames of the segment (for comparison)", eight_ms, "segments", query_ms)

        engine = clip_engine_from_dir(build_folder(folder / "tiny-clip"), frame_sampler=segment_frames)
        engine.embed_segment(media)
        print(f"clip (the tests' tiny model {engine.model_name}: our overhead, not a real model's compute):")
        sample_ms = median_ms(lambda: segment_frames(media), args.segments, args.repeats)
        row(f"decode + sample {len(frames)} frames of the original cut", sample_ms, "segments", query_ms)
        segment_ms = median_ms(lambda: engine.embed_segment(media), args.segments, args.repeats)
        row("segment: sampling + preprocessing + tiny ONNX", segment_ms, "segments", query_ms)
        clip_query_ms = median_ms(lambda: engine.embed_text_query("a red car"), args.queries, args.repeats)
        row("text query: tokenizer + tiny ONNX", clip_query_ms, "queries", query_ms)
        clip_image_ms = median_ms(lambda: engine.embed_image(frame), args.queries, args.repeats)
        row("query image: preprocessing + tiny ONNX", clip_image_ms, "images", query_ms)
        if args.no_vit:
            print("  a real CLIP ViT-B/32 costs more: about 4.4 G multiply-adds per frame, 2.9 G per query")
        else:
            vit_image_ms, vit_text_ms = vit_estimate(folder, args.repeats)
            print(
                "  estimate for a real CLIP ViT-B/32 (random graphs of its shapes, ~4.4 GMAC/frame, ~2.9/query):"
            )
            row(f"  image tower, {CLIP_FRAMES_PER_SEGMENT} frames", vit_image_ms, "", query_ms)
            row("  segment = sampling + image tower", sample_ms + vit_image_ms, "segments", query_ms)
            row("  text query through the text tower", vit_text_ms, "queries", query_ms)

        shown = SegmentMedia(redacted, args.start, args.start + SEGMENT_S)
        seg_ms, nova_text_ms, nova_image_ms = nova_ms(shown, frame, args.segments * 2, args.repeats)
        print(
            "nova (botocore Stubber, no network: ONLY our overhead; Bedrock's time and the upload come on top):"
        )
        row("segment: read + base64 + JSON + botocore + parse 1024-d", seg_ms, "segments", query_ms)
        row("text query: JSON + botocore + parse", nova_text_ms, "queries", query_ms)
        row("query image: JPEG + base64 + JSON + botocore + parse", nova_image_ms, "images", query_ms)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
