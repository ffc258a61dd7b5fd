"""``NovaEngine``: the ``SegmentEngine`` port over Amazon Nova multimodal embeddings on Bedrock.

One ``invoke_model`` call per segment, per text query and per query image (no batching: the synchronous API
embeds one input per call). Transient failures are retried here with exponential backoff and jitter, a bounded
number of times (the client's own botocore retries are off, see ``client.py``, so attempts do not multiply);
hard failures become the product's errors (see ``errors.py``). Nothing is returned until a whole, checked
vector is in hand, so a failure leaves the segment unembedded and a later run embeds it.

The client is any object with boto3's ``invoke_model``: tests and the bench pass a real ``bedrock-runtime``
client wrapped in botocore's ``Stubber``.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Protocol

import cv2
from botocore.exceptions import ClientError

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.embedding.nova import errors, schema
from chronotrace_desktop.embedding.port import Image, Vector, validate_image, validate_texts

if TYPE_CHECKING:
    from collections.abc import Callable

    from chronotrace_desktop.embedding.segment_port import SegmentMedia

logger = logging.getLogger(__name__)

DEFAULT_MODEL_ID = "amazon.nova-2-multimodal-embeddings-v1:0"
DEFAULT_MAX_ATTEMPTS = 6
"""With the default delays a call gives up after about 15-30 s of backoff (1, 2, 4, 8, 16 s, each jittered)."""
JPEG_QUALITY = 95
_MODEL_VERSION = re.compile(r"v\d+(?::\d+)?$")


class BedrockRuntime(Protocol):
    """What the engine uses of a boto3 ``bedrock-runtime`` client."""

    def invoke_model(self, **kwargs: Any) -> Any: ...


class NovaEngine:
    """Segments, text queries and images in one Nova space. Thread-safe if the client is (boto3 clients are)."""

    def __init__(
        self,
        client: BedrockRuntime,
        *,
        model_id: str = DEFAULT_MODEL_ID,
        dimension: int = 1024,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        base_delay_s: float = 1.0,
        max_delay_s: float = 20.0,
        max_inline_bytes: int = schema.MAX_INLINE_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if dimension not in schema.DIMENSIONS:
            raise InvalidInputError(
                f"Nova embeds into {', '.join(map(str, schema.DIMENSIONS))} dimensions, not {dimension}"
            )
        if not model_id.strip():
            raise InvalidInputError("the Nova model id is empty")
        self._client = client
        self._model_id = model_id
        self._dimension = dimension
        self._max_attempts = max(1, max_attempts)
        self._base_delay_s = base_delay_s
        self._max_delay_s = max_delay_s
        self._max_inline_bytes = max_inline_bytes
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        self._last = threading.local()
        match = _MODEL_VERSION.search(model_id)
        self._version = f"{match.group(0) if match else model_id}/{dimension}"
        meta = getattr(client, "meta", None)
        self._region = str(getattr(meta, "region_name", None) or "the configured region")

    # ---------------------------------------------------------------- the port's properties

    @property
    def name(self) -> str:
        return "nova"

    @property
    def model_name(self) -> str:
        return self._model_id

    @property
    def model_version(self) -> str:
        """The model's version and the dimension ("v1:0/1024"): vectors of another dimension never mix."""
        return self._version

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def remote_calls_per_segment(self) -> int:
        return 1

    @property
    def last_call_ms(self) -> float | None:
        """Milliseconds the calling thread's last embedding spent with Bedrock, retries and their pauses
        included (what a search waited for Nova: its ``nova_time_ms``); ``None`` before any call."""
        value: float | None = getattr(self._last, "ms", None)
        return value

    @property
    def last_attempts(self) -> int:
        """Attempts the calling thread's last embedding took (1 when nothing was retried)."""
        value: int = getattr(self._last, "attempts", 0)
        return value

    # ---------------------------------------------------------------- embedding

    def embed_segment(self, media: SegmentMedia) -> Vector:
        duration = media.end_s - media.start_s
        if duration > schema.MAX_CLIP_SECONDS:
            raise InvalidInputError(
                f"segment of {duration:.1f} s: Nova embeds at most {schema.MAX_CLIP_SECONDS:.0f} s of video per call"
            )
        clip = media.clip
        try:
            size = clip.stat().st_size
        except FileNotFoundError:
            raise InvalidInputError(f"the segment clip {clip} does not exist") from None
        except OSError as exc:
            raise EnvironmentProblemError(f"the segment clip {clip} cannot be read: {exc.strerror}") from exc
        if schema.encoded_size(size) >= self._max_inline_bytes:
            raise InvalidInputError(
                f"the segment clip {clip.name} is {size / 1e6:.1f} MB ({schema.encoded_size(size) / 1e6:.1f} MB "
                f"in base64); Bedrock takes inline video only under {self._max_inline_bytes / 1e6:g} MB "
                "encoded. Re-cut the segment shorter or at a lower bit rate."
            )
        try:
            data = clip.read_bytes()
        except OSError as exc:
            raise EnvironmentProblemError(f"the segment clip {clip} cannot be read: {exc.strerror}") from exc
        if data[4:8] != b"ftyp":
            raise InvalidInputError(f"the segment clip {clip.name} is not an MP4 file")
        body = schema.segment_request(base64.b64encode(data).decode("ascii"), self._dimension)
        return self._embed(body, "VIDEO")

    def embed_text_query(self, text: str) -> Vector:
        (checked,) = validate_texts([text])
        return self._embed(schema.text_query_request(checked, self._dimension), "TEXT")

    def embed_image(self, image: Image) -> Vector:
        checked = validate_image(image)
        if checked.ndim == 3 and checked.shape[2] == 4:
            checked = cv2.cvtColor(checked, cv2.COLOR_BGRA2BGR)
        ok, encoded = cv2.imencode(".jpg", checked, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise InvalidInputError("the image could not be encoded as JPEG")
        jpeg = encoded.tobytes()
        if schema.encoded_size(len(jpeg)) >= self._max_inline_bytes:
            raise InvalidInputError(
                f"the image is {len(jpeg) / 1e6:.1f} MB as JPEG; Nova takes inline images only under "
                f"{self._max_inline_bytes / 1e6:g} MB encoded. Use a crop or a smaller frame."
            )
        body = schema.image_query_request(base64.b64encode(jpeg).decode("ascii"), self._dimension)
        return self._embed(body, "IMAGE")

    # ---------------------------------------------------------------- the remote call

    def _embed(self, body: dict[str, Any], expected: schema.EmbeddingType) -> Vector:
        payload = self._invoke(json.dumps(body, separators=(",", ":")).encode("utf-8"))
        return schema.parse_embedding(payload, expected, self._dimension, self._model_id)

    def _invoke(self, body: bytes) -> object:
        """The decoded JSON answer, after as many attempts as transient failures need (bounded)."""
        self._last.ms = None
        started = time.perf_counter()
        last_failure = ""
        for attempt in range(1, self._max_attempts + 1):
            self._last.attempts = attempt
            try:
                response = self._client.invoke_model(
                    modelId=self._model_id,
                    body=body,
                    contentType="application/json",
                    accept="application/json",
                )
                raw = response["body"].read()
            except ClientError as exc:
                code = errors.error_code(exc)
                if code not in errors.RETRYABLE_CODES:
                    raise errors.classify(exc, self._model_id, self._region) from exc
                last_failure = code
            except errors.CREDENTIAL_ERRORS as exc:
                raise errors.no_credentials(exc) from exc
            except errors.TRANSPORT_ERRORS as exc:
                last_failure = type(exc).__name__
            else:
                self._last.ms = (time.perf_counter() - started) * 1000.0
                try:
                    return json.loads(raw)
                except ValueError as exc:
                    raise EnvironmentProblemError(
                        f"Amazon Nova ({self._model_id}) answered with something that is not JSON."
                    ) from exc
            if attempt < self._max_attempts:
                delay = self._backoff(attempt)
                logger.warning(
                    "Amazon Nova call failed (%s), attempt %d of %d; retrying in %.1f s",
                    last_failure,
                    attempt,
                    self._max_attempts,
                    delay,
                )
                self._sleep(delay)
        seconds = time.perf_counter() - started
        self._last.ms = seconds * 1000.0
        raise errors.gave_up(last_failure, self._max_attempts, seconds, self._model_id, self._region)

    def _backoff(self, attempt: int) -> float:
        """Exponential, capped, with "equal jitter": between half and all of ``base * 2**(attempt-1)``."""
        ceiling = min(self._max_delay_s, self._base_delay_s * 2.0 ** (attempt - 1))
        with self._rng_lock:
            return ceiling / 2 + self._rng.uniform(0, ceiling / 2)
