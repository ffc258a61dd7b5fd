"""``SearchAnalyticsService``: the search log's figures, for administrators only.

Reading the figures is not a sensitive action (they name no footage and reveal nothing the administrators
could not read in ``searches``), so it writes no audit row; a refusal is audited by the authoriser as always.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.analytics import MAX_ANALYTICS_DAYS
from chronotrace_desktop.domain.cases import parse_case_id
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.services.analytics.store import search_analytics

if TYPE_CHECKING:
    from chronotrace_desktop.domain.analytics import SearchAnalytics
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import Authorizer
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)


class SearchAnalyticsService:
    def __init__(self, database: Database, authorizer: Authorizer) -> None:
        self._db = database
        self._authorizer = authorizer

    def summary(self, actor: Actor, days: int, case_id: str | None = None) -> SearchAnalytics:
        """The last ``days`` days of searches (today included), of one case or of all footage."""
        self._authorizer.require(actor, Action.VIEW_SEARCH_ANALYTICS, resource_type="searches")
        if not 1 <= days <= MAX_ANALYTICS_DAYS:
            raise InvalidInputError(f"the number of days is between 1 and {MAX_ANALYTICS_DAYS}")
        case = None if case_id is None else parse_case_id(case_id)
        with self._db.transaction() as session:
            figures = search_analytics(session, days, case)
        logger.info(
            "search analytics for %s: %d days%s, %d searches",
            actor.email,
            days,
            f" of {case}" if case else "",
            figures.searches,
        )
        return figures
