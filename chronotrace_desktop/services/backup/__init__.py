"""Backup and restore of a whole installation: database dump, vector snapshot, settings, manifest of hashes."""
