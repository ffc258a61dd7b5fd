"""Ingest stages keep the words front ends printed and decoded before they were an enum."""

from __future__ import annotations

from chronotrace_desktop.domain.ingest import IngestStage
from chronotrace_desktop.ui.formatting import ingest_stage


def test_stage_values_are_the_old_strings() -> None:
    assert [s.value for s in IngestStage] == [
        "queued",
        "probing",
        "hashing",
        "segments",
        "tracks",
        "clock",
        "engines",
        "done",
    ]
    assert f"{IngestStage.TRACKS}" == "tracks"
    assert IngestStage.SEGMENTS == "segments"


def test_stage_words() -> None:
    assert ingest_stage(IngestStage.TRACKS) == "tracking"
    assert ingest_stage(IngestStage.ENGINES) == "embedding (engines)"
    assert ingest_stage(IngestStage.PROBING, "…") == "probing…"
    assert ingest_stage(IngestStage.QUEUED, "…") == "queued"
    assert type(ingest_stage(IngestStage.SEGMENTS)) is str
