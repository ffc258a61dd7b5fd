"""Cases and bookmarks: the investigation an analyst works in, and the moments they marked with a note.

``service`` opens, reads and changes cases (their videos, the evidence hold); ``bookmarks`` marks moments.
``case_video_ids`` and ``held_by`` let other capabilities follow a case (search, timeline) and honour a hold
(deletion, export expiry).
"""

from chronotrace_desktop.services.cases.bookmarks import BookmarkService, NewBookmark, parse_box
from chronotrace_desktop.services.cases.service import CaseChanges, CaseService, case_video_ids, held_by

__all__ = [
    "BookmarkService",
    "CaseChanges",
    "CaseService",
    "NewBookmark",
    "case_video_ids",
    "held_by",
    "parse_box",
]
