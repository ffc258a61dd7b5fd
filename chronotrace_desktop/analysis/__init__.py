"""Frame analysis: detectors, attributes, tracking, anomaly rules, captions (ingestion issue)."""
