"""Synchronised playback: which footage of each camera covers a wall-clock moment."""
