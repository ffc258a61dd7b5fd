"""Ingest: files and folders → probed, segmented, analysed, embedded and stored videos, resumable.

Callers import from here. Inside: ``inputs`` collects the files a request names, ``segments`` is the per-window
pipeline (cut, analyse, redact, embed), ``records`` holds the SQL of video and segment rows, ``lease`` the lock
that lets one session at a time ingest the same bytes, ``duplicates`` the answers for bytes already in the
library or being ingested elsewhere, ``service`` the :class:`IngestService` facade that runs a
batch and reports progress.
"""

from chronotrace_desktop.services.ingest.service import IngestService

__all__ = ["IngestService"]
