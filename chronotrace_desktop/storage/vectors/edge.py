"""The workstation adapter: Qdrant's in-process engine (``qdrant-edge-py``), one shard folder per collection.

Layout: ``<root>/<collection>/`` is the engine's shard (``segments/``, ``wal/``, ``edge_config.json``)
plus ``chronotrace-collection.json``, the collection spec (dimension, distance, payload indexes, boolean
fields), so a reopen knows what it holds. ``root`` is normally ``Paths.vectors_dir``.

Booleans are stored as 0/1 because of a binding bug (see ``_edge_convert``); callers never see it.

Snapshots: the engine can *read* a Qdrant server's shard snapshots (``EdgeShard.unpack_snapshot``,
``update_from_snapshot``; ``snapshot_manifest`` serves partial downloads from a server) but has no call that
writes one. So :meth:`EdgeVectorIndex.snapshot` flushes and closes the shard, writes its folder (with the
description) as a gzip'd tar and reopens it: the shard preallocates ~130 MB of zeros (WAL, mmap chunks)
that gzip level 1 shrinks to almost nothing in a fraction of a second. ``restore_snapshot`` extracts into a
staging folder, checks the description and that the shard loads, then swaps folders (rolling back if the
new one does not open). A portable export (``export.py``) restores too.

Threads: every engine call holds the GIL for its whole duration (the bindings never release it), so calls
from several threads run one at a time anyway; a lock keeps close/restore from racing a search. Beware that
``optimize()`` can take seconds and freezes every Python thread meanwhile, the UI thread included.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
import uuid
from typing import TYPE_CHECKING

import qdrant_edge as qe

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.storage.vectors import _edge_convert as conv
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
from chronotrace_desktop.storage.vectors._edge_files import (
    environment_problem,
    extract_archive,
    read_meta,
    write_archive,
    write_meta,
)
from chronotrace_desktop.storage.vectors.export import is_portable_export, restore_export
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
    from collections.abc import Iterable, Iterator, Sequence
    from pathlib import Path
    from types import TracebackType

logger = logging.getLogger(__name__)

SNAPSHOT_SUFFIX = ".edge-snapshot.tar.gz"
# The schema document's HNSW and optimizer settings (Qdrant units: thresholds in KB).
_HNSW_M, _HNSW_EF_CONSTRUCT, _FULL_SCAN_THRESHOLD_KB = 16, 100, 10_000
_INDEXING_THRESHOLD_KB = 20_000


class EdgeVectorIndex:
    """:class:`~chronotrace_desktop.storage.vectors.port.VectorIndex` over ``qdrant_edge`` at ``root``."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._lock = threading.RLock()
        self._shard: qe.EdgeShard | None = None
        self._spec: CollectionSpec | None = None

    # ------------------------------------------------------------ lifecycle

    @property
    def spec(self) -> CollectionSpec:
        if self._spec is None:
            raise RuntimeError("call ensure_collection() before using the vector index")
        return self._spec

    @property
    def folder(self) -> Path:
        return self._root / self.spec.name

    def ensure_collection(self, spec: CollectionSpec) -> None:
        with self._lock:
            if self._shard is not None and self.spec.name != spec.name:
                self.close()
            folder = self._root / spec.name
            stored: CollectionSpec | None
            if self._shard is not None:
                stored = self.spec
                merged = merge_specs(stored, spec)
            elif (folder / "segments").exists():
                stored = read_meta(folder)
                if stored is None:
                    raise EnvironmentProblemError(f"{folder} holds a vector shard without its description")
                merged = merge_specs(stored, spec)
                self._shard = self._open(folder)
            else:  # new (or a crash came between writing the description and creating the shard)
                stored, merged = None, spec
                self._shard = self._open(folder, create=spec)
                logger.info("Created vector collection %s (%d-d) in %s", spec.name, spec.dimension, folder)
            self._spec = merged
            self._sync_indexes(merged)
            if merged != stored:
                write_meta(folder, merged)

    def _open(self, folder: Path, create: CollectionSpec | None = None) -> qe.EdgeShard:
        started = time.perf_counter()
        try:
            if create is None:
                shard = qe.EdgeShard.load(str(folder))
            else:
                folder.mkdir(parents=True, exist_ok=True)
                write_meta(folder, create)
                params = qe.EdgeVectorParams(size=create.dimension, distance=conv.DISTANCES[create.distance])
                shard = qe.EdgeShard.create(
                    str(folder),
                    qe.EdgeConfig(
                        vectors=params,
                        hnsw_config=qe.HnswIndexConfig(_HNSW_M, _HNSW_EF_CONSTRUCT, _FULL_SCAN_THRESHOLD_KB),
                        optimizers=qe.EdgeOptimizersConfig(indexing_threshold=_INDEXING_THRESHOLD_KB),
                    ),
                )
        except Exception as exc:
            what = f"cannot open the vector store at {folder}"
            raise environment_problem(exc, what) or EnvironmentProblemError(f"{what}: {exc}") from exc
        logger.debug("Opened vector shard %s in %.3f s", folder, time.perf_counter() - started)
        return shard

    def _sync_indexes(self, spec: CollectionSpec) -> None:
        shard = self._require()
        existing = shard.info().payload_schema
        for index in spec.payload_indexes:
            if index.field not in existing:
                self._update(qe.UpdateOperation.create_field_index(index.field, conv.INDEX_TYPES[index.kind]))
                logger.info("Created payload index %s (%s) on %s", index.field, index.kind, spec.name)

    def _require(self) -> qe.EdgeShard:
        if self._shard is None:
            raise RuntimeError("the vector index is closed or ensure_collection() was not called")
        return self._shard

    def _update(self, operation: qe.UpdateOperation) -> None:
        try:
            self._require().update(operation)
        except Exception as exc:
            problem = environment_problem(exc, "cannot update the vector store")
            if problem is None:
                raise
            raise problem from exc

    def close(self) -> None:
        with self._lock:
            shard, self._shard = self._shard, None
            if shard is not None:
                try:
                    shard.flush()
                finally:
                    shard.close()

    def __enter__(self) -> EdgeVectorIndex:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------ points

    def info(self) -> CollectionInfo:
        with self._lock:
            spec = self.spec
            shard = self._require()
            schema = shard.info().payload_schema
            kinds = {name: conv.index_kind(item.data_type, name, spec) for name, item in schema.items()}
            return CollectionInfo(
                name=spec.name,
                dimension=spec.dimension,
                distance=spec.distance,
                points_count=shard.count(qe.CountRequest(exact=True)),
                payload_indexes={name: kind for name, kind in kinds.items() if kind is not None},
            )

    def upsert(self, points: Sequence[VectorPoint]) -> None:
        with self._lock:
            spec = self.spec
            converted = [
                qe.Point(
                    p.id,
                    coerce_vector(p.vector, spec.dimension),
                    conv.encode_payload(normalise_payload(p.payload, spec), spec),
                )
                for p in points
            ]
            for batch in batched(converted):
                self._update(qe.UpdateOperation.upsert_points(list(batch)))

    def delete(self, ids: Iterable[uuid.UUID]) -> None:
        with self._lock:
            wanted: list[qe.PointId] = list(dict.fromkeys(ids))
            for batch in batched(wanted):
                self._update(qe.UpdateOperation.delete_points(list(batch)))

    def _request(self, query: VectorQuery) -> qe.QueryRequest:
        vector = check_query(query, self.spec)
        return qe.QueryRequest(
            limit=query.limit,
            query=qe.Query.Nearest(vector),
            filter=conv.to_filter(query.filter),
            score_threshold=query.score_threshold,
            with_payload=True,
            with_vector=False,
        )

    def _hits(self, points: list[qe.ScoredPoint]) -> list[VectorHit]:
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
        with self._lock:
            request = self._request(VectorQuery(vector, limit, filter, score_threshold))
            return self._hits(self._require().query(request))

    def search_batch(self, queries: Sequence[VectorQuery]) -> list[list[VectorHit]]:
        if not queries:
            return []
        with self._lock:
            requests = [self._request(q) for q in queries]
            results = self._require().query_batch(qe.QueryBatchRequest(requests))
            return [self._hits(points) for points in results]

    def count(self, filter: VectorFilter | None = None) -> int:
        with self._lock:
            check_filter(filter, self.spec)
            return self._require().count(qe.CountRequest(exact=True, filter=conv.to_filter(filter)))

    def _stored(self, record: qe.Record, with_vectors: bool) -> StoredPoint:
        vector = as_vector(record.vector) if with_vectors else None
        return StoredPoint(point_uuid(record.id), decode_payload(record.payload, self.spec), vector)

    def retrieve(self, ids: Sequence[uuid.UUID], *, with_vectors: bool = False) -> list[StoredPoint]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        with self._lock:
            point_ids: list[qe.PointId] = list(wanted)
            records = self._require().retrieve(point_ids, True, with_vectors)
            found = {point_uuid(r.id): self._stored(r, with_vectors) for r in records}
        return [found[i] for i in wanted if i in found]

    def iter_points(self, *, batch_size: int = 256, with_vectors: bool = False) -> Iterator[StoredPoint]:
        offset: qe.PointId | None = None
        while True:
            with self._lock:
                request = qe.ScrollRequest(
                    offset=offset, limit=batch_size, with_payload=True, with_vector=with_vectors
                )
                records, offset = self._require().scroll(request)
                batch = [self._stored(r, with_vectors) for r in records]
            yield from batch
            if offset is None:
                return

    def optimize(self) -> None:
        with self._lock:
            started = time.perf_counter()
            changed = self._require().optimize()
            logger.info(
                "Optimized %s (changed: %s) in %.2f s", self.spec.name, changed, time.perf_counter() - started
            )

    # ------------------------------------------------------------ snapshots

    def snapshot(self, dest_dir: Path) -> Path:
        """Flush, close, tar the shard folder (with its description) into ``dest_dir``, reopen."""
        with self._lock:
            folder, spec = self.folder, self.spec
            target = snapshot_file(dest_dir, spec.name, SNAPSHOT_SUFFIX)
            partial = target.with_name(target.name + ".partial")
            started = time.perf_counter()
            self.close()
            try:
                write_archive(folder, partial)
                partial.replace(target)
            except OSError as exc:
                partial.unlink(missing_ok=True)
                raise EnvironmentProblemError(f"cannot write the vector snapshot {target}: {exc}") from exc
            finally:
                self._shard = self._open(folder)
            logger.info(
                "Snapshot of %s written to %s in %.2f s", spec.name, target, time.perf_counter() - started
            )
            return target

    def restore_snapshot(self, path: Path) -> None:
        if not path.is_file():
            raise InvalidInputError(f"there is no snapshot file at {path}")
        with self._lock:
            try:
                if is_portable_export(path):
                    self._restore_portable(path)
                else:
                    self._restore_native(path)
            except OSError as exc:
                raise EnvironmentProblemError(f"cannot restore the vector snapshot {path}: {exc}") from exc

    def _swap_in(self, staged: Path) -> None:
        """Replace the live shard folder by ``staged`` (closed), rolling back if the new one does not open."""
        folder = self.folder
        aside = self._root / f".{folder.name}.old-{uuid.uuid4().hex[:8]}"
        self.close()
        folder.rename(aside)
        staged.rename(folder)
        try:
            self._shard = self._open(folder)
        except EnvironmentProblemError:
            shutil.rmtree(folder, ignore_errors=True)
            aside.rename(folder)
            self._shard = self._open(folder)
            raise
        shutil.rmtree(aside, ignore_errors=True)

    def _restore_native(self, path: Path) -> None:
        current = self.spec
        staging = self._root / f".{current.name}.restore-{uuid.uuid4().hex[:8]}"
        try:
            extract_archive(path, staging)
            stored = read_meta(staging)
            if stored is None:
                raise InvalidInputError(
                    f"{path} is not a ChronoTrace vector snapshot (no collection description)"
                )
            merged = merge_specs(stored, current)
            try:  # refuse a damaged snapshot before touching the live shard
                self._open(staging).close()
            except EnvironmentProblemError as exc:
                raise InvalidInputError(f"the vector snapshot {path} does not load: {exc}") from exc
            self._swap_in(staging)
            self._spec = merged
            self._sync_indexes(merged)
            write_meta(self.folder, merged)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        logger.info("Restored %s from snapshot %s", current.name, path)

    def _restore_portable(self, path: Path) -> None:
        current = self.spec
        aside: Path | None = None

        def reset(spec: CollectionSpec) -> VectorIndex:
            nonlocal aside
            self.close()
            aside = self._root / f".{current.name}.old-{uuid.uuid4().hex[:8]}"
            self.folder.rename(aside)
            self._shard = self._open(self.folder, create=spec)
            self._spec = spec
            self._sync_indexes(spec)
            return self

        try:
            restore_export(path, current, reset)
        except BaseException:
            if aside is not None:
                self.close()
                shutil.rmtree(self.folder, ignore_errors=True)
                aside.rename(self.folder)
                self._shard = self._open(self.folder)
                self._spec = current
            raise
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
