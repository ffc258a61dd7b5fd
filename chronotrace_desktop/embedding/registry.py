"""Embedding engines by name, so another engine (CLIP from a local file, Bedrock Nova) plugs in without
callers changing: register an ``Engine`` with a text and/or an image factory, then name it in the settings.

Engines are loaded on first use and shared (loading takes a few hundred ms; every engine here is thread-safe).
A CLIP-style engine that puts text and images in one space registers both factories, sharing its model through
the closure; an engine whose text and image spaces differ (the offline default) registers them under separate
names, because their vectors must never be compared with each other.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.embedding.defaults import DEFAULT_IMAGE_ENGINE, DEFAULT_TEXT_ENGINE

if TYPE_CHECKING:
    from collections.abc import Callable

    from chronotrace_desktop.embedding.port import ImageEmbedder, TextEmbedder


@dataclass(frozen=True, slots=True)
class Engine:
    name: str
    description: str
    text: Callable[[], TextEmbedder] | None = None
    image: Callable[[], ImageEmbedder] | None = None


def _minilm() -> TextEmbedder:
    from chronotrace_desktop.embedding.minilm import MiniLMTextEmbedder

    return MiniLMTextEmbedder()


def _mobilenet() -> ImageEmbedder:
    from chronotrace_desktop.embedding.mobilenet import MobileNetImageEmbedder

    return MobileNetImageEmbedder()


_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_text_instances: dict[str, TextEmbedder] = {}
_image_instances: dict[str, ImageEmbedder] = {}


def register_engine(engine: Engine, *, replace: bool = False) -> None:
    """Add an engine; ``replace`` swaps an existing one (and drops its loaded instances)."""
    if engine.text is None and engine.image is None:
        raise ValueError(f"engine {engine.name!r} embeds neither text nor images")
    with _lock:
        if engine.name in _engines and not replace:
            raise ValueError(f"an embedding engine named {engine.name!r} is already registered")
        _engines[engine.name] = engine
        _text_instances.pop(engine.name, None)
        _image_instances.pop(engine.name, None)


def engine_names() -> tuple[str, ...]:
    with _lock:
        return tuple(sorted(_engines))


def _engine(name: str) -> Engine:
    engine = _engines.get(name)
    if engine is None:
        known = ", ".join(sorted(_engines))
        raise InvalidInputError(f"Unknown embedding engine {name!r}; known engines: {known}")
    return engine


def embedder_for(name: str) -> TextEmbedder:
    """The shared text embedder of engine ``name`` (loaded on first use)."""
    with _lock:
        instance = _text_instances.get(name)
        if instance is not None:
            return instance
        factory = _engine(name).text
        if factory is None:
            raise InvalidInputError(f"Embedding engine {name!r} does not embed text")
        instance = _text_instances[name] = factory()
        return instance


def image_embedder_for(name: str) -> ImageEmbedder:
    """The shared image embedder of engine ``name`` (loaded on first use)."""
    with _lock:
        instance = _image_instances.get(name)
        if instance is not None:
            return instance
        factory = _engine(name).image
        if factory is None:
            raise InvalidInputError(f"Embedding engine {name!r} does not embed images")
        instance = _image_instances[name] = factory()
        return instance


def default_text_embedder() -> TextEmbedder:
    return embedder_for(DEFAULT_TEXT_ENGINE)


def default_image_embedder() -> ImageEmbedder:
    return image_embedder_for(DEFAULT_IMAGE_ENGINE)


def forget_instances() -> None:
    """Drop every loaded engine (tests, or after the model files were reinstalled)."""
    with _lock:
        _text_instances.clear()
        _image_instances.clear()


register_engine(
    Engine(DEFAULT_TEXT_ENGINE, "all-MiniLM-L6-v2, int8 ONNX on onnxruntime, 384-d, offline", text=_minilm)
)
register_engine(
    Engine(
        DEFAULT_IMAGE_ENGINE,
        "MobileNetV2 ImageNet-1k penultimate layer, ONNX on onnxruntime, 1280-d, offline",
        image=_mobilenet,
    )
)
