"""Vector index: the port services use and the factory that picks an adapter for the profile.

Workstation: ``open_vector_index("edge", path=paths.vectors_dir)``. Team:
``open_vector_index("server", url=settings.qdrant_url, api_key=<from keyring>)``. Either way, call
``ensure_collection(CollectionSpec("video_segments", dimension=embedder.dimension))`` next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from chronotrace_desktop.config import is_local_host
from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.storage.vectors.port import (
    DEFAULT_BOOL_FIELDS,
    DEFAULT_PAYLOAD_INDEXES,
    AnyOf,
    CollectionInfo,
    CollectionSpec,
    Condition,
    Distance,
    Equals,
    Flag,
    NumberRange,
    PayloadIndex,
    PayloadIndexKind,
    StoredPoint,
    TimeRange,
    VectorFilter,
    VectorHit,
    VectorIndex,
    VectorPoint,
    VectorQuery,
)

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "DEFAULT_BOOL_FIELDS",
    "DEFAULT_PAYLOAD_INDEXES",
    "AnyOf",
    "CollectionInfo",
    "CollectionSpec",
    "Condition",
    "Distance",
    "Equals",
    "Flag",
    "NumberRange",
    "PayloadIndex",
    "PayloadIndexKind",
    "StoredPoint",
    "TimeRange",
    "VectorFilter",
    "VectorHit",
    "VectorIndex",
    "VectorPoint",
    "VectorQuery",
    "open_vector_index",
]


def open_vector_index(
    kind: Literal["edge", "server"],
    *,
    path: Path | None = None,
    url: str | None = None,
    api_key: str | None = None,
) -> VectorIndex:
    """An adapter, not yet bound to a collection.

    ``"edge"`` needs ``path`` (the vectors folder). ``"server"`` needs ``url`` (+ ``api_key``); given a
    ``path`` instead it opens qdrant-client local mode there, which is for development and tests only
    (brute-force search, one process per folder, no payload indexes, no server snapshots).
    """
    if kind == "edge":
        if path is None:
            raise InvalidInputError("the embedded vector store needs a folder")
        from chronotrace_desktop.storage.vectors.edge import EdgeVectorIndex

        return EdgeVectorIndex(path)
    if kind == "server":
        from qdrant_client import QdrantClient

        from chronotrace_desktop.storage.vectors.client import QdrantClientIndex

        if url is not None:
            _check_key_transport(url, api_key)
            return QdrantClientIndex(url=url, api_key=api_key)
        if path is None:
            raise InvalidInputError("the Qdrant server adapter needs a URL (or a folder for local mode)")
        try:
            client = QdrantClient(path=str(path), force_disable_check_same_thread=True)
        except RuntimeError as exc:  # "Storage folder ... is already accessed by another instance"
            raise EnvironmentProblemError(f"cannot open the local Qdrant store at {path}: {exc}") from exc
        return QdrantClientIndex(client=client)
    raise InvalidInputError(f"unknown vector index kind {kind!r} (expected 'edge' or 'server')")


def _check_key_transport(url: str, api_key: str | None) -> None:
    """An API key goes in every request's headers: over plain http to another machine it travels in clear."""
    parts = urlsplit(url if "//" in url else f"//{url}")
    if api_key and parts.scheme.lower() != "https" and not is_local_host(parts.hostname):
        raise EnvironmentProblemError(
            f"The Qdrant API key would travel in clear to {parts.hostname}: give the server an https:// URL "
            "(chronotrace config set qdrant_url https://…), or remove the key from the keyring"
        )
