"""Search: query words → criteria, vector and attribute ranking, the search log; and its evaluation.

Callers (``ui``, ``cli``, other services) import from here. Inside: ``parse`` turns a query into criteria and a
caption rewrite, reading it word by word (``words``, ``reader``, ``mentions``, with the words of
``vocabulary``); ``criteria`` and ``looks`` score a segment's ``segment_attributes`` (weights and partial
credit in ``weights``); ``filters`` builds a vector-store filter, ``rank`` fuses vector and attribute scores,
``similar`` builds criteria from an example segment, ``store`` holds the SQL (candidate rows and log rows),
``service`` the :class:`SearchService` facade, ``evaluation`` the metrics behind ``chronotrace eval``.
"""

from chronotrace_desktop.services.search.evaluation import METRICS, evaluate_search, load_queries, per_clip
from chronotrace_desktop.services.search.parse import parse_query
from chronotrace_desktop.services.search.service import SearchService

__all__ = ["METRICS", "SearchService", "evaluate_search", "load_queries", "parse_query", "per_clip"]
