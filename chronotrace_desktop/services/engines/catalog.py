"""The multimodal engines this installation runs beside the offline default, built from its settings.

``settings.embedding_engines`` names them ("nova", "clip"); each is built on first use and shared (a Bedrock
client, or two ONNX sessions). A factory may be replaced (``factories``) to point an engine at another client,
e.g. botocore's Stubber in tests; the code path is the product's own.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, TypeAlias

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.domain.secrets import SecretName

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from chronotrace_desktop.config import Settings
    from chronotrace_desktop.embedding.port import Image
    from chronotrace_desktop.embedding.segment_port import SegmentEngine, SegmentMedia
    from chronotrace_desktop.storage.secrets import SecretStore


ENGINE_DESCRIPTIONS = {
    "nova": "Amazon Nova multimodal embeddings on Bedrock (segments as video, text, images)",
    "clip": "a CLIP-style model in clip_model_dir (frames, text, images), offline",
}


def _nova(settings: Settings, secrets: SecretStore) -> SegmentEngine:
    from chronotrace_desktop.embedding.nova import make_nova_engine

    credentials = None
    if settings.nova_access_key_id:
        secret = secrets.get(SecretName.BEDROCK_SECRET_ACCESS_KEY, settings.nova_access_key_id)
        if not secret:
            raise EnvironmentProblemError(
                "nova_access_key_id is set but its secret is not in the keyring: "
                "chronotrace config set-secret bedrock-secret-access-key"
            )
        credentials = (settings.nova_access_key_id, secret)
    return make_nova_engine(
        region=settings.nova_region,
        profile=settings.nova_profile,
        model_id=settings.nova_model_id,
        dimension=settings.nova_dimension,
        credentials=credentials,
    )


def _clip(settings: Settings, secrets: SecretStore) -> SegmentEngine:
    del secrets  # a local model needs none
    from chronotrace_desktop.embedding.clip import clip_engine_from_dir

    if not settings.clip_model_dir:
        raise EnvironmentProblemError(
            "the clip engine needs its model folder: chronotrace config set clip_model_dir /path/to/clip"
        )
    return clip_engine_from_dir(settings.clip_model_dir, frame_sampler=segment_frames)


CLIP_FRAMES_PER_SEGMENT = 8


def segment_frames(media: SegmentMedia) -> Sequence[Image]:
    """About eight frames spread over a segment's clip, decoded by the product's own sampler (it survives
    damaged packets and never blocks on a stalled file)."""
    from chronotrace_desktop.media.frames import sample_frames

    duration = max(1.0, media.end_s - media.start_s)
    frames = sample_frames(media.clip, fps=CLIP_FRAMES_PER_SEGMENT / duration, max_side=448)
    return [frame.image for frame in frames]  # about eight; the engine thins a longer list evenly


EngineFactory: TypeAlias = "Callable[[Settings, SecretStore], SegmentEngine]"
DEFAULT_FACTORIES: dict[str, EngineFactory] = {"nova": _nova, "clip": _clip}


class EngineCatalog:
    """The configured engines, built lazily and shared by ingest, re-embedding and search."""

    def __init__(
        self,
        settings: Settings,
        secrets: SecretStore,
        factories: Mapping[str, EngineFactory] | None = None,
    ) -> None:
        self._settings = settings
        self._secrets = secrets
        self._factories = dict(DEFAULT_FACTORIES if factories is None else factories)
        self._built: dict[str, SegmentEngine] = {}
        self._lock = threading.Lock()

    @property
    def configured(self) -> tuple[str, ...]:
        """The engines the settings turn on, in their order (the offline default always runs too)."""
        return tuple(dict.fromkeys(self._settings.embedding_engines))

    @property
    def source(self) -> str:
        """What a segment engine is shown of a segment: ``redacted`` (default) or ``original``."""
        return self._settings.nova_segment_source

    def engine(self, name: str) -> SegmentEngine:
        """Engine ``name`` (built on first use); :class:`InvalidInputError` for a name no factory knows."""
        with self._lock:
            built = self._built.get(name)
            if built is not None:
                return built
            factory = self._factories.get(name)
            if factory is None:
                known = ", ".join(sorted(self._factories))
                raise InvalidInputError(f"unknown embedding engine {name!r}; known: {known}")
            built = self._built[name] = factory(self._settings, self._secrets)
            return built
