"""``chronotrace audit verify|list|reveals|export``: the audit log's integrity, and the trail itself.

``verify`` (administrators; audited): exit 0 with the number of rows and the chain head's hash when every link
holds; exit 1 naming the first broken link (a row removed, changed, backdated, or written outside the chain).
Note the head hash somewhere else now and then: a chain rewritten from some row onwards by someone with the
database owner's rights verifies, but no longer ends in a hash noted before.

``list``, ``reveals`` (the PII access trail: camera, the segment's corrected wall-clock start, justification,
address) and ``export --csv FILE`` (audited with the filter and the row count) take the same filters. An
administrator reads every row; an analyst reads only their own (``--by`` another user finds nothing).
``--user`` is who signs in, as everywhere; the user whose rows to show is ``--by``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.arguments import checked
from chronotrace_desktop.cli.output import print_json, print_table
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utc_iso
from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError
from chronotrace_desktop.services.access import AuditChainVerifier, AuditExporter, AuditQuery

if TYPE_CHECKING:
    import argparse

    from chronotrace_desktop.cli.context import CliContext
    from chronotrace_desktop.services.access import AuditEntry, RevealEntry


def register(commands: Any) -> None:
    group = commands.add_parser("audit", help="the audit log: its integrity, the trail, the PII reveals, CSV")
    sub = group.add_subparsers(dest="audit_command", required=True)
    verify = sub.add_parser(
        "verify", help="recompute the audit log's hash chain; exit 1 at the first broken link"
    )
    verify.add_argument("--user", required=True, metavar="E", help="an administrator's e-mail")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=run_verify)

    listing = _filters(sub.add_parser("list", help="the trail, newest first (analysts: their own rows)"))
    listing.add_argument(
        "--limit", type=checked(_limit), default=50, metavar="N", help="rows shown (default 50)"
    )
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_list)

    reveals = _filters(sub.add_parser("reveals", help="the PII reveals: camera, segment time, justification"))
    reveals.add_argument("--limit", type=checked(_limit), default=50, metavar="N")
    reveals.add_argument("--json", action="store_true")
    reveals.set_defaults(handler=run_reveals)

    export = _filters(sub.add_parser("export", help="the filtered trail to a CSV file (audited)"))
    export.add_argument("--csv", required=True, type=Path, metavar="FILE", help="where to write it")
    export.set_defaults(handler=run_export)


def _filters(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--user", required=True, metavar="E", help="who signs in (administrator or analyst)")
    parser.add_argument("--by", metavar="E", help="rows of this user only (e-mail)")
    parser.add_argument(
        "--action", action="append", type=checked(audit_action), metavar="A", help="this action (repeatable)"
    )
    parser.add_argument("--resource", metavar="TYPE[:ID]", help="e.g. segment, or segment:<uuid>")
    parser.add_argument(
        "--from", dest="since", type=checked(moment), metavar="ISO", help="from (inclusive, UTC)"
    )
    parser.add_argument(
        "--to", dest="until", type=checked(moment), metavar="ISO", help="until (exclusive, UTC)"
    )
    outcome = parser.add_mutually_exclusive_group()
    outcome.add_argument("--failed", action="store_true", help="refusals and failures only")
    outcome.add_argument("--succeeded", action="store_true", help="successful actions only")
    parser.add_argument("--text", metavar="T", help="words in the justification or the error message")
    return parser


def audit_action(text: str) -> AuditAction:
    try:
        return AuditAction(text.strip().lower())
    except ValueError:
        names = ", ".join(a.value for a in AuditAction)
        raise InvalidInputError(f"unknown action {text!r}; one of: {names}") from None


def moment(text: str) -> datetime:
    """An ISO date (its start) or date and time, UTC unless it says otherwise; naive UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(f"a time is YYYY-MM-DD or an ISO 8601 date and time, not {text!r}") from None
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def _limit(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 5000:
        raise InvalidInputError(f"--limit is a whole number from 1 to 5000, not {text!r}")
    return int(text)


def query_of(args: argparse.Namespace) -> AuditQuery:
    resource_type, resource_id = None, None
    if args.resource:
        resource_type, _, ident = args.resource.partition(":")
        if ident:
            try:
                resource_id = uuid.UUID(ident)
            except ValueError:
                raise InvalidInputError(
                    f"--resource TYPE:ID takes a UUID after the colon, not {ident!r}"
                ) from None
    return AuditQuery(
        user_email=args.by,
        actions=tuple(args.action or ()),
        resource_type=resource_type or None,
        resource_id=resource_id,
        since=args.since,
        until=args.until,
        success=False if args.failed else True if args.succeeded else None,
        text=args.text,
    )


def run_verify(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    services = ctx.services()
    report = AuditChainVerifier(services.database, services.authorizer, services.audit).verify(actor)
    if ctx.args.json:
        print_json(report.as_json())
    elif report.first_break is None:
        print(f"OK: the audit log's {report.rows} rows form an unbroken chain; head {report.head_hash}")
    else:
        broken = report.first_break
        where = "" if broken.row_id is None else f" (row id {broken.row_id})"
        print(f"BROKEN ({broken.fault.value}): {broken.detail}{where}")
    return ExitCode.OK if report.ok else ExitCode.FAILURE


def run_list(ctx: CliContext) -> ExitCode:
    actor, reader, query = ctx.actor(), ctx.services().audit_reader, query_of(ctx.args)
    entries = reader.entries_by_ids(actor, reader.page_ids(actor, query, limit=ctx.args.limit).ids)
    count = reader.count(actor, query)
    if ctx.args.json:
        print_json(
            {"matching": count.rows, "exact": count.exact, "entries": [_entry_json(e) for e in entries]}
        )
        return ExitCode.OK
    print_table([_entry_row(e) for e in entries], ("at", "user", "action", "resource", "ok", "detail"))
    print(f"{len(entries)} shown of {count} matching rows")
    return ExitCode.OK


def run_reveals(ctx: CliContext) -> ExitCode:
    actor, reader = ctx.actor(), ctx.services().audit_reader
    reveals, _ = reader.reveal_trail(actor, query_of(ctx.args), limit=ctx.args.limit)
    if ctx.args.json:
        print_json([_reveal_json(r) for r in reveals])
        return ExitCode.OK
    columns = ("at", "user", "camera", "segment_start", "video", "justification", "ip")
    print_table([_reveal_row(r) for r in reveals], columns)
    return ExitCode.OK


def run_export(ctx: CliContext) -> ExitCode:
    actor, services = ctx.actor(), ctx.services()
    exporter = AuditExporter(services.database, services.authorizer, services.audit)
    result = exporter.export_csv(actor, query_of(ctx.args), ctx.args.csv)
    print(f"{result.rows} rows written to {result.path}")
    return ExitCode.OK


def _entry_row(entry: AuditEntry) -> dict[str, Any]:
    resource = entry.resource_type or ""
    if entry.resource_id is not None:
        resource = f"{resource}:{entry.resource_id}"
    return {
        "at": entry.created_at,
        "user": entry.username,
        "action": entry.action,
        "resource": resource or None,
        "ok": entry.success,
        "detail": entry.error_message or entry.justification,
    }


def _entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": str(entry.id),
        "created_at": _iso(entry.created_at),
        "user_id": None if entry.user_id is None else str(entry.user_id),
        "username": entry.username,
        "action": entry.action,
        "resource_type": entry.resource_type,
        "resource_id": None if entry.resource_id is None else str(entry.resource_id),
        "success": entry.success,
        "error_message": entry.error_message,
        "justification": entry.justification,
        "ip_address": entry.ip_address,
        "user_agent": entry.user_agent,
        "request_id": entry.request_id,
        "metadata": dict(entry.metadata),
    }


def _reveal_row(reveal: RevealEntry) -> dict[str, Any]:
    return {
        "at": reveal.created_at,
        "user": reveal.username,
        "camera": reveal.camera_id,
        "segment_start": reveal.segment_start,
        "video": reveal.video_filename,
        "justification": reveal.justification,
        "ip": reveal.ip_address,
    }


def _reveal_json(reveal: RevealEntry) -> dict[str, Any]:
    return {
        **_reveal_row(reveal),
        "at": _iso(reveal.created_at),
        "segment_start": _iso(reveal.segment_start),
        "id": str(reveal.id),
        "user_id": None if reveal.user_id is None else str(reveal.user_id),
        "segment_id": None if reveal.segment_id is None else str(reveal.segment_id),
        "success": reveal.success,
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else utc_iso(moment)
