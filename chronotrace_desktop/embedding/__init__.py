"""Embedder port and engines (ingestion issue)."""
