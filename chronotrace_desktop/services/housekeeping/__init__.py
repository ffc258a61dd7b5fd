"""Scheduled upkeep: search retention, audit archive, expired exports, VACUUM/REINDEX; each run recorded.

Callers import from here. Inside: ``service`` is the :class:`HousekeepingService` facade (due, run, history),
``records`` the ``maintenance_runs`` rows, ``removals`` the tasks that remove or move rows (old searches, the
audit archive through the database's one way out of ``audit_log``, expired exports and their packages),
``upkeep`` VACUUM ANALYZE and REINDEX on an autocommit connection as a role that may run them.
"""

from chronotrace_desktop.services.housekeeping.service import HousekeepingService

__all__ = ["HousekeepingService"]
