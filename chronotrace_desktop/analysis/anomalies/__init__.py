"""Anomaly rules over one video's tracks and detections: one module per anomaly type, run by ``runner``.

Pure Python over plain data (``evidence.VideoEvidence`` in, ``domain.anomalies.AnomalyCandidate`` out); the
service layer loads the evidence and stores the results. ``crowd_count`` is the one part that looks at
pixels: a denser person count for busy frames, where the ingest detector undercounts small people.
"""
