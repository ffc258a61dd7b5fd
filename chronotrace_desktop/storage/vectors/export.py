"""The portable export: a collection as a gzip'd JSON-lines file any adapter can write and restore.

Line 1 is a header (format, version and the collection spec), then one line per point
(``{"id", "v": base64 of little-endian float32, "p": payload}`` with real booleans), then a trailer with the
point count so a truncated file is refused before anything is replaced. It is what qdrant-client local mode
uses for snapshots, the fallback when a server refuses snapshots, and the way to move a collection between the
workstation engine and a team server (:func:`write_export` on one, ``restore_snapshot`` on the other).
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import uuid
import zlib
from typing import TYPE_CHECKING, Any

import numpy as np

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.storage.vectors._common import UPSERT_BATCH, snapshot_file
from chronotrace_desktop.storage.vectors.port import (
    CollectionSpec,
    Distance,
    PayloadIndex,
    PayloadIndexKind,
    VectorIndex,
    VectorPoint,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

logger = logging.getLogger(__name__)

FORMAT = "chronotrace-vector-export"
VERSION = 1
SUFFIX = ".vectors.jsonl.gz"
_GZIP_MAGIC = b"\x1f\x8b"


def spec_to_json(spec: CollectionSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "dimension": spec.dimension,
        "distance": spec.distance.value,
        "payload_indexes": [[i.field, i.kind.value] for i in spec.payload_indexes],
        "bool_fields": list(spec.bool_fields),
    }


def spec_from_json(data: dict[str, Any]) -> CollectionSpec:
    try:
        return CollectionSpec(
            name=str(data["name"]),
            dimension=int(data["dimension"]),
            distance=Distance(data["distance"]),
            payload_indexes=tuple(PayloadIndex(f, PayloadIndexKind(k)) for f, k in data["payload_indexes"]),
            bool_fields=tuple(data["bool_fields"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInputError(f"the stored collection description is malformed ({exc})") from exc


def write_export(index: VectorIndex, dest_dir: Path) -> Path:
    """Write every point of ``index`` to a new portable export file in ``dest_dir``; its path."""
    spec = index.spec
    path = snapshot_file(dest_dir, spec.name, SUFFIX)
    partial = path.with_name(path.name + ".partial")
    count = 0
    try:
        with gzip.open(partial, "wt", encoding="utf-8", compresslevel=3) as out:
            out.write(json.dumps({"format": FORMAT, "version": VERSION, "spec": spec_to_json(spec)}) + "\n")
            for point in index.iter_points(batch_size=UPSERT_BATCH, with_vectors=True):
                raw = np.asarray(point.vector, dtype="<f4").tobytes()
                line = {"id": str(point.id), "v": base64.b64encode(raw).decode("ascii"), "p": point.payload}
                out.write(json.dumps(line, separators=(",", ":")) + "\n")
                count += 1
            out.write(json.dumps({"end": True, "count": count}) + "\n")
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise EnvironmentProblemError(f"cannot write the vector export {path}: {exc.strerror}") from exc
    logger.info("Exported %d vectors of %s to %s", count, spec.name, path)
    return path


def is_portable_export(path: Path) -> bool:
    try:
        with path.open("rb") as raw:
            if raw.read(2) != _GZIP_MAGIC:
                return False
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            header = json.loads(lines.readline())
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(header, dict) and header.get("format") == FORMAT


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                yield json.loads(line)
    except (EOFError, gzip.BadGzipFile, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInputError(f"the vector export {path} is damaged ({exc})") from exc
    except OSError as exc:
        raise EnvironmentProblemError(f"cannot read the vector export {path}: {exc}") from exc


def _point(line: dict[str, Any]) -> VectorPoint:
    vector = np.frombuffer(base64.b64decode(line["v"]), dtype="<f4")
    return VectorPoint(id=uuid.UUID(line["id"]), vector=vector, payload=line["p"])


def verify_export(path: Path) -> tuple[CollectionSpec, int]:
    """The export's spec and point count, after reading it through (``InvalidInputError`` if damaged)."""
    lines = _lines(path)
    header = next(lines, None)
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("version") != VERSION:
        raise InvalidInputError(f"{path} is not a ChronoTrace vector export this version can read")
    spec = spec_from_json(header.get("spec") or {})
    for count, line in enumerate(lines):
        if line.get("end"):
            if line.get("count") != count:
                break
            return spec, count
        try:
            point = _point(line)
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"the vector export {path} has a malformed point ({exc})") from exc
        if len(point.vector) != spec.dimension:
            raise InvalidInputError(f"the vector export {path} has a vector of the wrong dimension")
    raise InvalidInputError(f"the vector export {path} is incomplete (no end marker)")


def restore_export(
    path: Path, current: CollectionSpec, reset: Callable[[CollectionSpec], VectorIndex]
) -> CollectionSpec:
    """Check the export against ``current``, then ``reset`` the collection empty and load every point.

    Refuses (``InvalidInputError``) an export of another dimension or distance before touching anything.
    ``reset`` empties the collection and returns the index to upsert into. Returns the restored spec.
    """
    spec, count = verify_export(path)
    if (spec.dimension, spec.distance) != (current.dimension, current.distance):
        raise InvalidInputError(
            f"the export holds {spec.dimension}-d {spec.distance} vectors; collection {current.name!r} "
            f"is {current.dimension}-d {current.distance}"
        )
    merged = CollectionSpec(
        name=current.name,
        dimension=current.dimension,
        distance=current.distance,
        payload_indexes=tuple(dict.fromkeys(current.payload_indexes + spec.payload_indexes)),
        bool_fields=tuple(set(current.bool_fields) | set(spec.bool_fields)),
    )
    index = reset(merged)
    batch: list[VectorPoint] = []
    for line in _lines(path):
        if "id" not in line:
            continue  # header and trailer
        batch.append(_point(line))
        if len(batch) >= UPSERT_BATCH:
            index.upsert(batch)
            batch = []
    if batch:
        index.upsert(batch)
    logger.info("Restored %d vectors into %s from %s", count, current.name, path)
    return merged
