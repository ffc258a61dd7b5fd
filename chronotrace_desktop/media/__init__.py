"""Media handling: probe, hash, lossless cuts, thumbnails, redaction encode (ingestion issue)."""
