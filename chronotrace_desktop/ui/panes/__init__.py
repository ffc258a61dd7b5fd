"""The main window's panes (library, search, player, anomaly queue, timeline, bookmarks, multi-camera)."""

from __future__ import annotations

from dataclasses import dataclass

# Every pane's minimum size: a dock may be squeezed below its layout's wish (small screens); it clips then,
# never widens the window.
PANE_MIN_WIDTH = 200
PANE_MIN_HEIGHT = 140


@dataclass(frozen=True, slots=True)
class PaneSpec:
    key: str
    title: str
    explanation: str


PANES = (
    PaneSpec(
        "library", "Library", "Videos you ingest appear here, with their camera, place, time span and status."
    ),
    PaneSpec(
        "search",
        "Search",
        "Describe what you are looking for in plain words; the matching 15-second segments are listed "
        "here with the reasons they matched.",
    ),
    PaneSpec("player", "Player", "The segment you pick plays here, with faces blurred."),
    PaneSpec(
        "anomalies",
        "Anomaly queue",
        "Events the analysis flags as unusual wait here for an analyst to confirm or dismiss.",
    ),
    PaneSpec(
        "timeline",
        "Timeline",
        "Every camera as a lane on one wall-clock axis: activity, anomalies, bookmarks and the current search's "
        "hits. Wheel to zoom, drag to pan, click to play, Shift+drag a range to export it.",
    ),
    PaneSpec(
        "bookmarks",
        "Bookmarks",
        "Moments marked with M in the player, with their notes; double-click one to see it again.",
    ),
    PaneSpec(
        "multicam",
        "Multi-camera",
        "Two to four cameras played side by side, locked to one wall-clock time; each stays faces-blurred.",
    ),
)
