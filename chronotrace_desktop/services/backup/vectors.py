"""The vector side of a backup: a snapshot file per collection, through the vector index port.

Every collection the installation uses is snapshotted: the search collection, ``<collection>__appearance`` and
each configured engine's. The port's ``snapshot`` is the store's own where it has one: a Qdrant server writes a
collection snapshot that is downloaded (``create_snapshot``, restored with ``recover_from_uploaded_snapshot``);
the embedded engine (``qdrant-edge``) can read shard snapshots but not write one, so its adapter flushes and
closes the shard, tars the shard folder while nothing writes to it, and reopens it. Both restore through
``restore_snapshot``. A collection's spec and point count go in the manifest, so a restore checks the count.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.storage.vectors.export import spec_from_json, spec_to_json

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path

    from chronotrace_desktop.storage.vectors import CollectionSpec, VectorIndex

logger = logging.getLogger(__name__)

VECTORS = "vectors"


def snapshot_collections(
    indexes: Sequence[VectorIndex], folder: Path, check: Callable[[], None]
) -> list[dict[str, Any]]:
    """Snapshot each index into ``folder/vectors``; the manifest's entries (spec, file, points)."""
    entries: list[dict[str, Any]] = []
    for index in indexes:
        check()
        points = index.count()
        path = index.snapshot(folder / VECTORS)
        entries.append({"spec": spec_to_json(index.spec), "file": f"{VECTORS}/{path.name}", "points": points})
        logger.info("Backed up %d vectors of %s", points, index.spec.name)
    return entries


def restore_collections(
    entries: Sequence[Mapping[str, Any]],
    folder: Path,
    open_index: Callable[[CollectionSpec], VectorIndex],
    check: Callable[[], None],
) -> int:
    """Restore each collection of the manifest into the store ``open_index`` opens; the points restored.

    A collection that already holds points there is refused (a restore never overwrites live vectors)."""
    total = 0
    for entry in entries:
        check()
        spec = spec_from_json(dict(entry["spec"]))
        index = open_index(spec)
        try:
            if index.count() > 0:
                raise InvalidInputError(
                    f"The vector collection {spec.name} already holds points; a restore builds a new "
                    "installation and never overwrites one (use an empty vector store)"
                )
            index.restore_snapshot(folder / str(entry["file"]))
            restored = index.count()
        finally:
            index.close()
        if restored != int(entry["points"]):
            raise EnvironmentProblemError(
                f"The vector collection {spec.name} restored {restored} points, the backup holds {entry['points']}"
            )
        total += restored
    return total
