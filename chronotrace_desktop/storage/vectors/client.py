"""The team adapter: a Qdrant server (or cluster) through ``qdrant-client``.

Build it with ``url`` + ``api_key``, or hand it a ready ``QdrantClient``; tests pass local mode
(``QdrantClient(path=...)`` / ``QdrantClient(location=":memory:")``), which speaks the same client API. Local
mode has no payload indexes (``info().payload_indexes`` is then ``None``) and no snapshots.

Booleans are stored as JSON booleans and indexed as BOOL, exactly as the schema document has them: the server
and local mode both match ``MatchValue(value=True/False)`` correctly (checked with qdrant-client 1.20; the
edge engine's bug is in its own bindings). The collection spec's boolean fields and indexes are kept in the
collection's ``metadata`` so every workstation sees the same contract.

Snapshots, which one when:

* a server: :meth:`QdrantClientIndex.snapshot` asks the server for a collection snapshot
  (``create_snapshot``), downloads it into ``dest_dir`` and deletes the server-side copy; restoring uploads it
  (``recover_from_uploaded_snapshot``, snapshot data wins). If the server refuses to create a snapshot, a
  portable export (``export.py``) is written instead, with a warning in the log;
* local mode: always the portable export;
* :meth:`~QdrantClientIndex.restore_snapshot` takes either kind; a server snapshot into local mode is refused.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.storage.vectors._client_convert import (
    DISTANCES,
    INDEX_TYPES,
    collection_spec,
    index_kinds,
    to_filter,
)
from chronotrace_desktop.storage.vectors._common import (
    as_vector,
    batched,
    check_filter,
    check_query,
    coerce_vector,
    decode_payload,
    merge_specs,
    normalise_payload,
    point_uuid,
    snapshot_file,
)
from chronotrace_desktop.storage.vectors.export import (
    is_portable_export,
    restore_export,
    spec_to_json,
    write_export,
)
from chronotrace_desktop.storage.vectors.port import (
    CollectionInfo,
    CollectionSpec,
    StoredPoint,
    VectorFilter,
    VectorHit,
    VectorIndex,
    VectorLike,
    VectorPoint,
    VectorQuery,
)

if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterable, Iterator, Sequence
    from pathlib import Path
    from types import TracebackType

logger = logging.getLogger(__name__)

SNAPSHOT_SUFFIX = ".snapshot"
METADATA_KEY = "chronotrace"
_HNSW = models.HnswConfigDiff(m=16, ef_construct=100, full_scan_threshold=10_000)
_OPTIMIZERS = models.OptimizersConfigDiff(indexing_threshold=20_000)


@contextmanager
def _server_errors(what: str) -> Iterator[None]:
    """Connection failures, refused credentials and server failures become ``EnvironmentProblemError``."""
    try:
        yield
    except (ResponseHandlingException, httpx.TransportError) as exc:
        cause = getattr(exc, "source", exc)
        raise EnvironmentProblemError(f"{what}: the Qdrant server cannot be reached ({cause})") from exc
    except UnexpectedResponse as exc:
        status = exc.status_code or 0
        if status in (401, 403):
            raise EnvironmentProblemError(
                f"{what}: the Qdrant server refused the API key ({status})"
            ) from exc
        if status == 429 or status >= 500:
            raise EnvironmentProblemError(f"{what}: the Qdrant server failed ({exc})") from exc
        raise


def is_local_mode(client: QdrantClient) -> bool:
    options = client.init_options
    return options.get("location") == ":memory:" or options.get("path") is not None


class QdrantClientIndex:
    """:class:`~chronotrace_desktop.storage.vectors.port.VectorIndex` over ``qdrant_client.QdrantClient``."""

    def __init__(
        self,
        *,
        url: str | None = None,
        api_key: str | None = None,
        client: QdrantClient | None = None,
        timeout: int = 30,
        close_client: bool = True,
    ) -> None:
        if (url is None) == (client is None):
            raise InvalidInputError("give either a Qdrant server URL or a QdrantClient")
        if client is None:
            client = QdrantClient(url=url, api_key=api_key, timeout=timeout, check_compatibility=False)
        self._client = client
        self._api_key = api_key if api_key is not None else client.init_options.get("api_key")
        self._timeout = timeout
        self._close_client = close_client
        self._local = is_local_mode(client)
        self._lock = threading.RLock()
        self._spec: CollectionSpec | None = None

    @property
    def spec(self) -> CollectionSpec:
        if self._spec is None:
            raise RuntimeError("call ensure_collection() before using the vector index")
        return self._spec

    # ------------------------------------------------------------ collection

    def ensure_collection(self, spec: CollectionSpec) -> None:
        with self._lock, _server_errors(f"cannot open vector collection {spec.name!r}"):
            if not self._client.collection_exists(spec.name):
                self._create(spec)
                self._spec = spec
                return
            info = self._client.get_collection(spec.name)
            stored = collection_spec(spec.name, info)
            merged = merge_specs(stored, spec)
            existing = set(info.payload_schema)
            self._spec = merged
            self._create_indexes(merged, existing)
            if merged != stored:
                self._client.update_collection(spec.name, metadata={METADATA_KEY: spec_to_json(merged)})

    def _create(self, spec: CollectionSpec) -> None:
        self._client.create_collection(
            spec.name,
            vectors_config=models.VectorParams(size=spec.dimension, distance=DISTANCES[spec.distance]),
            hnsw_config=_HNSW,
            optimizers_config=_OPTIMIZERS,
            metadata={METADATA_KEY: spec_to_json(spec)},
        )
        self._create_indexes(spec, set())
        logger.info("Created vector collection %s (%d-d, %s)", spec.name, spec.dimension, spec.distance)

    def _create_indexes(self, spec: CollectionSpec, existing: set[str]) -> None:
        if self._local:
            return  # local mode ignores payload indexes (and warns if asked)
        for index in spec.payload_indexes:
            if index.field not in existing:
                self._client.create_payload_index(
                    spec.name, index.field, field_schema=INDEX_TYPES[index.kind], wait=True
                )
                logger.info("Created payload index %s (%s) on %s", index.field, index.kind, spec.name)

    def info(self) -> CollectionInfo:
        spec = self.spec
        with self._lock, _server_errors("cannot read the vector collection"):
            info = self._client.get_collection(spec.name)
            count = self._client.count(spec.name, exact=True).count
        return CollectionInfo(
            name=spec.name,
            dimension=spec.dimension,
            distance=spec.distance,
            points_count=count,
            payload_indexes=None if self._local else index_kinds(info.payload_schema),
        )

    def close(self) -> None:
        with self._lock:
            if self._close_client:
                self._client.close()

    def __enter__(self) -> QdrantClientIndex:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------ points

    def upsert(self, points: Sequence[VectorPoint]) -> None:
        spec = self.spec
        structs = [
            models.PointStruct(
                id=str(p.id),
                vector=coerce_vector(p.vector, spec.dimension),
                payload=normalise_payload(p.payload, spec),
            )
            for p in points
        ]
        with self._lock, _server_errors("cannot store vectors"):
            for batch in batched(structs):
                self._client.upsert(spec.name, points=list(batch), wait=True)

    def delete(self, ids: Iterable[uuid.UUID]) -> None:
        wanted: list[models.ExtendedPointId] = [str(i) for i in dict.fromkeys(ids)]
        with self._lock, _server_errors("cannot delete vectors"):
            for batch in batched(wanted):
                selector = models.PointIdsList(points=list(batch))
                self._client.delete(self.spec.name, points_selector=selector, wait=True)

    def _request(self, query: VectorQuery) -> models.QueryRequest:
        vector = check_query(query, self.spec)
        return models.QueryRequest(
            query=vector,
            filter=to_filter(query.filter),
            limit=query.limit,
            score_threshold=query.score_threshold,
            with_payload=True,
            with_vector=False,
        )

    def _hits(self, points: Sequence[models.ScoredPoint]) -> list[VectorHit]:
        spec = self.spec
        return [VectorHit(point_uuid(p.id), p.score, decode_payload(p.payload, spec)) for p in points]

    def search(
        self,
        vector: VectorLike,
        *,
        limit: int,
        filter: VectorFilter | None = None,
        score_threshold: float | None = None,
    ) -> list[VectorHit]:
        return self.search_batch([VectorQuery(vector, limit, filter, score_threshold)])[0]

    def search_batch(self, queries: Sequence[VectorQuery]) -> list[list[VectorHit]]:
        if not queries:
            return []
        requests = [self._request(q) for q in queries]
        with self._lock, _server_errors("cannot search vectors"):
            responses = self._client.query_batch_points(self.spec.name, requests=requests)
        return [self._hits(response.points) for response in responses]

    def count(self, filter: VectorFilter | None = None) -> int:
        check_filter(filter, self.spec)
        with self._lock, _server_errors("cannot count vectors"):
            return self._client.count(self.spec.name, count_filter=to_filter(filter), exact=True).count

    def _stored(self, record: models.Record, with_vectors: bool) -> StoredPoint:
        vector = as_vector(record.vector) if with_vectors else None
        return StoredPoint(point_uuid(record.id), decode_payload(record.payload, self.spec), vector)

    def retrieve(self, ids: Sequence[uuid.UUID], *, with_vectors: bool = False) -> list[StoredPoint]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        with self._lock, _server_errors("cannot read vectors"):
            records = self._client.retrieve(
                self.spec.name, ids=[str(i) for i in wanted], with_payload=True, with_vectors=with_vectors
            )
        found = {point_uuid(r.id): self._stored(r, with_vectors) for r in records}
        return [found[i] for i in wanted if i in found]

    def iter_points(self, *, batch_size: int = 256, with_vectors: bool = False) -> Iterator[StoredPoint]:
        offset: models.ExtendedPointId | None = None
        while True:
            with self._lock, _server_errors("cannot read vectors"):
                records, offset = self._client.scroll(
                    self.spec.name,
                    limit=batch_size,
                    offset=offset,
                    with_payload=True,
                    with_vectors=with_vectors,
                )
            yield from (self._stored(r, with_vectors) for r in records)
            if offset is None:
                return

    def optimize(self) -> None:
        """A no-op: the server builds its HNSW index in the background; local mode has none."""

    # ------------------------------------------------------------ snapshots

    def snapshot(self, dest_dir: Path) -> Path:
        """A server snapshot downloaded into ``dest_dir``; a portable export in local mode or if refused."""
        spec = self.spec
        with self._lock:
            if self._local:
                return write_export(self, dest_dir)
            started = time.perf_counter()
            try:
                with _server_errors("cannot create a vector snapshot"):
                    description = self._client.create_snapshot(spec.name, wait=True)
            except UnexpectedResponse as exc:
                logger.warning("The Qdrant server refused a snapshot (%s); writing a portable export", exc)
                return write_export(self, dest_dir)
            if description is None:
                raise EnvironmentProblemError("the Qdrant server did not report the snapshot it created")
            target = snapshot_file(dest_dir, spec.name, SNAPSHOT_SUFFIX)
            self._download(f"collections/{spec.name}/snapshots/{quote(description.name)}", target)
            try:
                with _server_errors("cannot delete the server-side snapshot"):
                    self._client.delete_snapshot(spec.name, description.name, wait=True)
            except (EnvironmentProblemError, UnexpectedResponse) as exc:
                logger.warning("Left snapshot %s on the Qdrant server: %s", description.name, exc)
            logger.info(
                "Snapshot of %s saved to %s in %.2f s", spec.name, target, time.perf_counter() - started
            )
            return target

    def _download(self, url_path: str, target: Path) -> None:
        base = self._client.http.client.host.rstrip("/")
        headers = {"api-key": self._api_key} if self._api_key else {}
        partial = target.with_name(target.name + ".partial")
        try:
            with (
                _server_errors("cannot download the vector snapshot"),
                httpx.stream("GET", f"{base}/{url_path}", headers=headers, timeout=self._timeout) as response,
            ):
                if response.status_code != 200:
                    raise EnvironmentProblemError(
                        f"the Qdrant server answered {response.status_code} to a snapshot download"
                    )
                with partial.open("wb") as out:
                    for chunk in response.iter_bytes(1 << 20):
                        out.write(chunk)
            partial.replace(target)
        except OSError as exc:
            raise EnvironmentProblemError(f"cannot write the vector snapshot {target}: {exc}") from exc
        finally:
            partial.unlink(missing_ok=True)

    def restore_snapshot(self, path: Path) -> None:
        """A portable export: recreate the collection, then upload its points (not atomic on a server).
        A server snapshot: upload it to the server, which swaps the collection in."""
        if not path.is_file():
            raise InvalidInputError(f"there is no snapshot file at {path}")
        with self._lock:
            current = self.spec
            if is_portable_export(path):
                self._spec = restore_export(path, current, self._reset)
                return
            if self._local:
                raise InvalidInputError(
                    f"{path} is a server snapshot; local mode restores only portable exports"
                )
            with (
                _server_errors("cannot restore the vector snapshot"),
                path.open("rb") as snapshot,
            ):
                self._client.http.snapshots_api.recover_from_uploaded_snapshot(
                    collection_name=current.name,
                    wait=True,
                    priority=models.SnapshotPriority.SNAPSHOT,
                    snapshot=snapshot,
                )
            self.ensure_collection(current)  # checks the dimension, restores indexes and metadata
            logger.info("Restored %s from snapshot %s", current.name, path)

    def _reset(self, spec: CollectionSpec) -> VectorIndex:
        with _server_errors("cannot recreate the vector collection"):
            self._client.delete_collection(spec.name)
            self._create(spec)
        self._spec = spec
        return self
