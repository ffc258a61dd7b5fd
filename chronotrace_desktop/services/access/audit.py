"""The one way services write ``audit_log``.

Two entry points:

* :meth:`AuditService.record_in` adds the row to the caller's transaction: the action and its audit row
  commit together or not at all (e.g. a new user and its ``user_created`` row);
* :meth:`AuditService.record` writes in a transaction of its own: for refusals and failures, whose row must
  survive although the action itself is rolled back (a failed login, a denied permission).
* :meth:`AuditService.recording` opens a transaction for an action outside the database (a settings file):
  the rows recorded in its body commit only if the body completes, and a caller undoes its action if the
  block raises, commit included (``services.admin.settings``).

``audit_log`` is append-only in the database itself (a trigger rejects UPDATE, DELETE and TRUNCATE).
"""

from __future__ import annotations

import functools
import logging
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa

from chronotrace_desktop.storage.orm import AuditLog

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.audit import AuditAction
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

_AUDIT_TABLE = cast("sa.Table", AuditLog.__table__)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """What happened. ``actor`` is ``None`` when nobody is signed in (e.g. a failed login)."""

    action: AuditAction
    actor: Actor | None = None
    username: str | None = None
    resource_type: str | None = None
    resource_id: uuid.UUID | None = None
    success: bool = True
    error_message: str | None = None
    justification: str | None = None
    metadata: Mapping[str, Any] | None = None
    ip_address: str | None = None
    request_id: str | None = None
    user_agent: str | None = (
        None  # what the client said it is (an API request's header); default: the actor's
    )


class AuditService:
    def __init__(self, database: Database) -> None:
        self._db = database

    def record_in(self, session: Session, event: AuditEvent) -> uuid.UUID:
        """Add ``event`` to the caller's transaction.

        A plain INSERT with the id made here, never INSERT ... RETURNING: row-level security lets a login that
        is not an auditor read back only its own rows, and RETURNING a row in nobody's name (a refused sign-in)
        would be refused."""
        row_id = uuid.uuid4()
        session.execute(
            sa.insert(_AUDIT_TABLE).values(
                id=row_id,
                user_id=event.actor.user_id if event.actor else None,
                username=event.actor.email if event.actor else event.username,
                action=event.action.value,
                resource_type=event.resource_type,
                resource_id=event.resource_id,
                justification=event.justification,
                ip_address=event.ip_address,
                user_agent=event.user_agent or (f"chronotrace-{event.actor.client}" if event.actor else None),
                request_id=event.request_id,
                success=event.success,
                error_message=event.error_message,
                metadata=dict(event.metadata or {}),
            )
        )
        return row_id

    def record(self, event: AuditEvent) -> uuid.UUID:
        """Write ``event`` in a transaction of its own (survives the caller's rollback)."""
        with self._db.transaction() as session:
            return self.record_in(session, event)

    @contextmanager
    def recording(self) -> Iterator[Callable[[AuditEvent], uuid.UUID]]:
        """A transaction of its own; the body records events with the function it is given. They commit when
        the body completes and are rolled back if it raises."""
        with self._db.transaction() as session:
            yield functools.partial(self.record_in, session)
