"""Scheduled upkeep: search retention, audit archive, expired exports, VACUUM/REINDEX; each run recorded."""
