"""Database administration: schema migrations and their status."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.services.audit import AuditEvent, AuditService
from chronotrace_desktop.storage.database import Database, translate_db_errors
from chronotrace_desktop.storage.migrations import MigrationState, apply_migrations, migration_status

if TYPE_CHECKING:
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.authorization import Authorizer

logger = logging.getLogger(__name__)


class MaintenanceService:
    def __init__(self, database: Database, audit: AuditService, authorizer: Authorizer) -> None:
        self._db = database
        self._audit = audit
        self._authorizer = authorizer

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
