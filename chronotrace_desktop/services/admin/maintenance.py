"""Database administration: schema migrations and their status."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.services.access import AuditEvent, AuditService
from chronotrace_desktop.storage.database import Database, owner_engine, translate_db_errors
from chronotrace_desktop.storage.db_roles import migrate_database
from chronotrace_desktop.storage.migrations import MigrationState, migration_status

if TYPE_CHECKING:
    from sqlalchemy import URL

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import Authorizer
    from chronotrace_desktop.storage.vectors import VectorIndex

logger = logging.getLogger(__name__)

OWNER_PASSWORD_HINT = "CHRONOTRACE_DB_OWNER_PASSWORD"


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

    def migrate(self, actor: Actor, owner_url: URL | None = None) -> list[str]:
        """Apply pending migrations and bring the database roles in step, as the migration owner: the
        workstation's own (the embedded superuser) or, in the team profile, ``owner_url`` (the owner's
        credentials, given for this run only). The names applied (empty when up to date); always audited."""
        actor = self._authorizer.require(actor, Action.MANAGE_DATABASE, resource_type="database")
        owner = owner_url or self._db.owner_url
        if owner is None:
            raise InvalidInputError(
                "Migrating a team database needs the owner's credentials: chronotrace db migrate --owner ROLE "
                f"(the password from {OWNER_PASSWORD_HINT} or a prompt)"
            )
        engine = owner_engine(owner)
        try:
            with translate_db_errors(owner.render_as_string(hide_password=True)):
                applied = migrate_database(engine, with_runtime_login=self._db.owner_url is not None)
                owner_name = str(engine.url.username or "")
        finally:
            engine.dispose()
        self._audit.record(
            AuditEvent(
                AuditAction.DATABASE_MIGRATED,
                actor=actor,
                resource_type="database",
                metadata={"applied": applied, "owner": owner_name},
            )
        )
        return applied

    def status(self, actor: Actor) -> list[MigrationState]:
        self._authorizer.require(actor, Action.MANAGE_DATABASE, resource_type="database")
        with translate_db_errors(self._db.display_url):
            return migration_status(self._db.engine)
