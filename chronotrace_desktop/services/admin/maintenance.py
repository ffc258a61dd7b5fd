"""Database administration: schema migrations and their status."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.services.access import AuditEvent, AuditService
from chronotrace_desktop.storage.database import Database, translate_db_errors
from chronotrace_desktop.storage.migrations import MigrationState, apply_migrations, migration_status

if TYPE_CHECKING:
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import Authorizer
    from chronotrace_desktop.storage.vectors import VectorIndex

logger = logging.getLogger(__name__)


# Below this many points the embedded engine's exact search is already fast (~2 ms at 10k); above it, an
# HNSW index keeps search within its latency target.
INDEX_BUILD_THRESHOLD = 20_000


class MaintenanceService:
    def __init__(
        self, database: Database, audit: AuditService, authorizer: Authorizer, vectors: VectorIndex
    ) -> None:
        self._db = database
        self._audit = audit
        self._authorizer = authorizer
        self._vectors = vectors

    def build_search_index(self, actor: Actor, *, force: bool = False) -> bool:
        """Build the vector index (HNSW) when the library is large enough; whether it ran.

        The embedded engine blocks every Python thread while it builds (minutes at 100k points), so only
        front ends that can afford to wait call this: the CLI after an ingest, or an administrator's
        ``chronotrace db optimize-vectors``. Never on the search path.
        """
        actor = self._authorizer.require(actor, Action.INGEST_VIDEO, resource_type="database")
        points = self._vectors.count()
        if not force and points < INDEX_BUILD_THRESHOLD:
            return False
        started = time.perf_counter()
        self._vectors.optimize()
        logger.info(
            "Built the vector search index over %d points in %.1f s", points, time.perf_counter() - started
        )
        return True

    def migrate(self, actor: Actor) -> list[str]:
        """Apply pending migrations; the names applied (empty when up to date)."""
        actor = self._authorizer.require(actor, Action.MANAGE_DATABASE, resource_type="database")
        with translate_db_errors(self._db.display_url):
            applied = apply_migrations(self._db.engine)
        if applied:
            self._audit.record(
                AuditEvent(
                    AuditAction.DATABASE_MIGRATED,
                    actor=actor,
                    resource_type="database",
                    metadata={"applied": applied},
                )
            )
        return applied

    def status(self, actor: Actor) -> list[MigrationState]:
        self._authorizer.require(actor, Action.MANAGE_DATABASE, resource_type="database")
        with translate_db_errors(self._db.display_url):
            return migration_status(self._db.engine)
