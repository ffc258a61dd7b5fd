"""Synchronised playback: which footage of each camera covers a wall-clock moment.

``PlaybackService`` answers for a grid of players locked to one clock (the cameras with dated footage, the
span a slider covers, each camera's segment at a moment); the types it returns are in ``domain.playback``.
"""

from chronotrace_desktop.services.playback.service import PlaybackService

__all__ = ["PlaybackService"]
