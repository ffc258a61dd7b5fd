"""Who may do what, and the record of it: sign-in, role checks on every call, the append-only audit log.

``auth`` signs users in (bcrypt via ``passwords``; repeated failures slowed by ``throttle``), ``authorization``
checks an actor's role against ``domain.roles`` on every service call, ``audit`` writes ``audit_log`` rows,
``audit_trail`` reads them back for the roles allowed to (administrators every row, analysts their own; paged by
``audit_query``, the PII access trail in ``audit_reveals``), ``audit_export`` writes them to CSV,
``audit_chain`` checks the hash chain the database keeps over them. ``reauth`` asks a signed-in user's password
again before a reveal (a short-lived proof).
"""

from chronotrace_desktop.services.access.audit import AuditEvent, AuditService
from chronotrace_desktop.services.access.audit_chain import AuditChainVerifier, ChainBreak, ChainReport
from chronotrace_desktop.services.access.audit_export import CSV_COLUMNS as AUDIT_CSV_COLUMNS
from chronotrace_desktop.services.access.audit_export import AuditExport, AuditExporter
from chronotrace_desktop.services.access.audit_query import AuditCount, AuditCursor, AuditPage, AuditQuery
from chronotrace_desktop.services.access.audit_reveals import RevealEntry
from chronotrace_desktop.services.access.audit_trail import AuditEntry, AuditReader
from chronotrace_desktop.services.access.auth import WRONG_CREDENTIALS, AuthService
from chronotrace_desktop.services.access.authorization import Authorizer
from chronotrace_desktop.services.access.reauth import (
    ReauthProof,
    ReauthService,
    proof_problem,
    reauth_needed,
)
from chronotrace_desktop.services.access.throttle import SignInThrottle, attempt_source

__all__ = [
    "AUDIT_CSV_COLUMNS",
    "WRONG_CREDENTIALS",
    "AuditChainVerifier",
    "AuditCount",
    "AuditCursor",
    "AuditEntry",
    "AuditEvent",
    "AuditExport",
    "AuditExporter",
    "AuditPage",
    "AuditQuery",
    "AuditReader",
    "AuditService",
    "AuthService",
    "Authorizer",
    "ChainBreak",
    "ChainReport",
    "ReauthProof",
    "ReauthService",
    "RevealEntry",
    "SignInThrottle",
    "attempt_source",
    "proof_problem",
    "reauth_needed",
]
