"""Embedding engines beside the offline default (Amazon Nova on Bedrock, CLIP from a local folder): which are
configured, their collections, filling them (ingest, ``chronotrace reembed``), and their answers to a search."""

from chronotrace_desktop.services.engines.catalog import ENGINE_DESCRIPTIONS, EngineCatalog, EngineFactory
from chronotrace_desktop.services.engines.embedding import EmbedPlan, EmbedReport, SegmentEmbedding
from chronotrace_desktop.services.engines.indexes import EngineIndexes, engine_collection
from chronotrace_desktop.services.engines.search import (
    DEFAULT_ENGINE,
    EngineAnswer,
    EngineAnswers,
    EngineSearch,
    fuse_ranks,
)

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINE_DESCRIPTIONS",
    "EmbedPlan",
    "EmbedReport",
    "EngineAnswer",
    "EngineAnswers",
    "EngineCatalog",
    "EngineFactory",
    "EngineIndexes",
    "EngineSearch",
    "SegmentEmbedding",
    "engine_collection",
    "fuse_ranks",
]
