"""The vector side of a team backup through qdrant-client's snapshot API, on its local mode (the stand-in for a
Qdrant server in these tests: no server binary can be had here). Local mode writes the portable export where a
server writes its own collection snapshot; both go through ``snapshot`` and ``restore_snapshot``."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import numpy as np
import pytest

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.services.backup.vectors import restore_collections, snapshot_collections
from chronotrace_desktop.storage.vectors import CollectionSpec, VectorPoint, open_vector_index

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from chronotrace_desktop.storage.vectors import VectorIndex

SPECS = (
    CollectionSpec("video_segments", dimension=8),
    CollectionSpec("video_segments__appearance", dimension=4),
)
RNG = np.random.default_rng(18)


def local_store(folder: Path) -> Callable[[CollectionSpec], VectorIndex]:
    def open_index(spec: CollectionSpec) -> VectorIndex:
        index = open_vector_index("server", path=folder)
        index.ensure_collection(spec)
        return index

    return open_index


def filled(folder: Path, spec: CollectionSpec, count: int) -> VectorIndex:
    index = local_store(folder / spec.name)(spec)
    index.upsert(
        [
            VectorPoint(uuid.uuid4(), RNG.normal(size=spec.dimension), {"camera_id": f"CAM-{n % 3}", "n": n})
            for n in range(count)
        ]
    )
    return index


def test_collections_snapshotted_with_the_client_restore_into_an_empty_store(tmp_path: Path) -> None:
    sources = [filled(tmp_path / "live", spec, count) for spec, count in zip(SPECS, (40, 12), strict=True)]
    probe = RNG.normal(size=8)
    try:
        expected = [(h.id, round(h.score, 5)) for h in sources[0].search(probe, limit=5)]
        entries = snapshot_collections(sources, tmp_path / "backup", lambda: None)
    finally:
        for index in sources:
            index.close()
    assert [e["points"] for e in entries] == [40, 12]
    assert all(str(e["file"]).startswith("vectors/") for e in entries)

    store = local_store(tmp_path / "restored")
    assert restore_collections(entries, tmp_path / "backup", store, lambda: None) == 52
    restored = store(SPECS[0])
    try:
        assert [(h.id, round(h.score, 5)) for h in restored.search(probe, limit=5)] == expected
    finally:
        restored.close()

    with pytest.raises(InvalidInputError, match="already holds points"):
        restore_collections(entries, tmp_path / "backup", store, lambda: None)
