"""Amazon Nova multimodal embeddings on Bedrock: segments (as video), text queries and images in one space.

``make_nova_engine(region, profile, model_id, dimension, credentials)`` builds the engine from the settings;
``NovaEngine(client, ...)`` takes any ``bedrock-runtime`` client (botocore's ``Stubber`` in tests and benches).
``schema`` holds the documented request and response bodies and the choices made in them.
"""

from chronotrace_desktop.embedding.nova.client import make_bedrock_client, make_nova_engine
from chronotrace_desktop.embedding.nova.engine import DEFAULT_MODEL_ID, NovaEngine
from chronotrace_desktop.embedding.nova.schema import DIMENSIONS, MAX_CLIP_SECONDS, MAX_INLINE_BYTES

__all__ = [
    "DEFAULT_MODEL_ID",
    "DIMENSIONS",
    "MAX_CLIP_SECONDS",
    "MAX_INLINE_BYTES",
    "NovaEngine",
    "make_bedrock_client",
    "make_nova_engine",
]
