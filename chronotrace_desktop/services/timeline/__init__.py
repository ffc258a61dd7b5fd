"""The timeline: cameras as lanes on one wall-clock axis, with activity, anomalies, bookmarks and search hits.

``service`` answers the pane (extent, a window of time, the segments of a dragged range); ``store`` holds its
SQL. The dataclasses it returns live in ``domain.timeline`` and are named here too.
"""

from chronotrace_desktop.domain.timeline import (
    ActivityBucket,
    AnomalyMarker,
    BookmarkMarker,
    Lane,
    SegmentSpan,
    TimelineExtent,
    TimelineWindow,
    VideoSpan,
)
from chronotrace_desktop.services.timeline.service import TimelineService

__all__ = [
    "ActivityBucket",
    "AnomalyMarker",
    "BookmarkMarker",
    "Lane",
    "SegmentSpan",
    "TimelineExtent",
    "TimelineService",
    "TimelineWindow",
    "VideoSpan",
]
