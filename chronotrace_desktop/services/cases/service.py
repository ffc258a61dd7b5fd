"""Cases: open, read, edit, close; the videos they hold; the evidence hold. Every change is audited.

Viewers read cases (``VIEW_CASES``); analysts and administrators open and change them (``MANAGE_CASES``) and
may set an evidence hold; only administrators release one (``RELEASE_EVIDENCE_HOLD``). Case numbers run per
year (``CASE-2026-0001``, ``-0002`` ...) and are taken atomically from ``case_numbers``, so two workstations
opening cases at once never get the same id; a case may also be opened under an id the agency already gave it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.cases import (
    CaseInfo,
    CaseStatus,
    check_note,
    check_title,
    format_case_id,
    parse_case_id,
)
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import ConflictError, InvalidInputError, NotFoundError
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.storage.orm import Export, Video
from chronotrace_desktop.storage.orm_cases import BookmarkRow, Case, CaseNumber, CaseVideo

if TYPE_CHECKING:
    import uuid
    from collections.abc import Mapping, Sequence

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService, Authorizer
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CaseChanges:
    """What to change; ``None`` leaves a field as it is."""

    title: str | None = None
    status: CaseStatus | None = None
    notes: str | None = None


def require_case(session: Session, case_id: str, *, for_update: bool = False) -> Case:
    row = session.get(Case, parse_case_id(case_id), with_for_update=for_update)
    if row is None:
        raise NotFoundError(f"no case {case_id.strip().upper()}")
    return row


def case_video_ids(session: Session, case_id: str) -> list[uuid.UUID]:
    """The ids of the (not deleted) videos a case holds."""
    require_case(session, case_id)
    return list(
        session.scalars(
            sa.select(CaseVideo.video_id)
            .join(Video, Video.id == CaseVideo.video_id)
            .where(CaseVideo.case_id == parse_case_id(case_id), Video.deleted_at.is_(None))
            .order_by(Video.recorded_at.nulls_last(), Video.id)
        )
    )


def held_by(session: Session, video_id: uuid.UUID) -> str | None:
    """The id of a held case that holds this video, or None."""
    return session.scalars(
        sa.select(Case.id)
        .join(CaseVideo, CaseVideo.case_id == Case.id)
        .where(CaseVideo.video_id == video_id, Case.evidence_hold.is_(True))
        .order_by(Case.id)
        .limit(1)
    ).first()


def put_in_case(
    session: Session,
    audit: AuditService,
    actor: Actor,
    case_id: str,
    video_ids: Sequence[uuid.UUID],
    *,
    by: str | None = None,
) -> list[uuid.UUID]:
    """Add videos to a case in the caller's transaction (those already in it are left as they are); the ones
    added are audited as ``case_videos_changed`` (``by``: what added them, e.g. a bookmark)."""
    added = list(
        session.scalars(
            insert(CaseVideo)
            .values([{"case_id": case_id, "video_id": v, "added_by": actor.user_id} for v in video_ids])
            .on_conflict_do_nothing()
            .returning(CaseVideo.video_id)
        )
    )
    if added:
        metadata = {"case_id": case_id, "added": [str(v) for v in added], **({"by": by} if by else {})}
        audit.record_in(
            session,
            AuditEvent(AuditAction.CASE_VIDEOS_CHANGED, actor=actor, resource_type="case", metadata=metadata),
        )
    return added


class CaseService:
    def __init__(self, database: Database, authorizer: Authorizer, audit: AuditService) -> None:
        self._db = database
        self._authorizer = authorizer
        self._audit = audit

    # ------------------------------------------------------------------ reading
    def list_cases(self, actor: Actor, *, include_closed: bool = True) -> list[CaseInfo]:
        self._authorizer.require(actor, Action.VIEW_CASES, resource_type="case")
        query = sa.select(Case).order_by(Case.status != CaseStatus.OPEN.value, Case.id.desc())
        if not include_closed:
            query = query.where(Case.status == CaseStatus.OPEN.value)
        with self._db.transaction() as session:
            rows = list(session.scalars(query))
            return [self._info(session, row) for row in rows]

    def get(self, actor: Actor, case_id: str) -> CaseInfo:
        self._authorizer.require(actor, Action.VIEW_CASES, resource_type="case")
        with self._db.transaction() as session:
            return self._info(session, require_case(session, case_id))

    def video_ids(self, actor: Actor, case_id: str) -> list[uuid.UUID]:
        """The case's videos (not deleted), oldest recording first."""
        self._authorizer.require(actor, Action.VIEW_CASES, resource_type="case")
        with self._db.transaction() as session:
            return case_video_ids(session, case_id)

    def cases_of_video(self, actor: Actor, video_id: uuid.UUID) -> list[str]:
        self._authorizer.require(actor, Action.VIEW_CASES, resource_type="case")
        with self._db.transaction() as session:
            return list(
                session.scalars(
                    sa.select(CaseVideo.case_id)
                    .where(CaseVideo.video_id == video_id)
                    .order_by(CaseVideo.case_id)
                )
            )

    # ------------------------------------------------------------------ changing
    def create(self, actor: Actor, title: str, *, notes: str = "", case_id: str | None = None) -> CaseInfo:
        """Open a case under the next number of this year, or under ``case_id`` when the agency gave one."""
        actor = self._authorizer.require(actor, Action.MANAGE_CASES, resource_type="case")
        title, notes = check_title(title), check_note(notes)
        with self._db.transaction() as session:
            if case_id is None:
                new_id = self._next_id(session)
            else:
                new_id = parse_case_id(case_id)
                if session.get(Case, new_id) is not None:
                    raise ConflictError(f"case {new_id} already exists")
            row = Case(
                id=new_id,
                title=title,
                notes=notes,
                created_by=actor.user_id,
                meta={"created_by_email": actor.email},
            )
            session.add(row)
            session.flush()
            self._record(session, actor, AuditAction.CASE_CREATED, new_id, {"title": title})
            info = self._info(session, row)
        logger.info("%s opened case %s", actor.email, new_id)
        return info

    def update(self, actor: Actor, case_id: str, changes: CaseChanges) -> CaseInfo:
        actor = self._authorizer.require(actor, Action.MANAGE_CASES, resource_type="case")
        with self._db.transaction() as session:
            row = require_case(session, case_id, for_update=True)
            before = {"title": row.title, "status": row.status, "notes": row.notes}
            if changes.title is not None:
                row.title = check_title(changes.title)
            if changes.notes is not None:
                row.notes = check_note(changes.notes)
            if changes.status is not None:
                row.status = CaseStatus(changes.status).value
            after = {"title": row.title, "status": row.status, "notes": row.notes}
            if after == before:
                return self._info(session, row)
            row.updated_at = utcnow()
            changed = {k: {"before": before[k], "after": after[k]} for k in after if after[k] != before[k]}
            self._record(session, actor, AuditAction.CASE_UPDATED, row.id, changed)
            return self._info(session, row)

    def add_videos(self, actor: Actor, case_id: str, video_ids: Sequence[uuid.UUID]) -> CaseInfo:
        """Put videos in a case (those already in it are left as they are). Unknown or deleted ids are refused."""
        actor = self._authorizer.require(actor, Action.MANAGE_CASES, resource_type="case")
        wanted = list(dict.fromkeys(video_ids))
        if not wanted:
            raise InvalidInputError("name at least one video to add to the case")
        with self._db.transaction() as session:
            row = require_case(session, case_id, for_update=True)
            known = set(
                session.scalars(sa.select(Video.id).where(Video.id.in_(wanted), Video.deleted_at.is_(None)))
            )
            missing = [str(v) for v in wanted if v not in known]
            if missing:
                raise NotFoundError(f"no such video(s): {', '.join(missing[:5])}")
            if put_in_case(session, self._audit, actor, row.id, wanted):
                row.updated_at = utcnow()
            return self._info(session, row)

    def remove_videos(self, actor: Actor, case_id: str, video_ids: Sequence[uuid.UUID]) -> CaseInfo:
        """Take videos out of a case; refused while the case is held (the hold covers what it holds)."""
        actor = self._authorizer.require(actor, Action.MANAGE_CASES, resource_type="case")
        with self._db.transaction() as session:
            row = require_case(session, case_id, for_update=True)
            if row.evidence_hold:
                raise ConflictError(
                    f"case {row.id} is under an evidence hold: its videos stay in it until an administrator "
                    "releases the hold"
                )
            removed = session.scalars(
                sa.delete(CaseVideo)
                .where(CaseVideo.case_id == row.id, CaseVideo.video_id.in_(list(video_ids)))
                .returning(CaseVideo.video_id)
            ).all()
            if removed:
                row.updated_at = utcnow()
                self._record(
                    session,
                    actor,
                    AuditAction.CASE_VIDEOS_CHANGED,
                    row.id,
                    {"removed": [str(v) for v in removed]},
                )
            return self._info(session, row)

    def set_hold(self, actor: Actor, case_id: str, reason: str) -> CaseInfo:
        """Put the case's media under an evidence hold: no deletion of its videos, no expiry of its exports."""
        actor = self._authorizer.require(actor, Action.MANAGE_CASES, resource_type="case")
        reason = check_note(reason)
        if not reason:
            raise InvalidInputError("say why the case's media is held (for example the court order)")
        with self._db.transaction() as session:
            row = require_case(session, case_id, for_update=True)
            row.evidence_hold, row.hold_reason = True, reason
            row.hold_set_by, row.hold_set_at = actor.user_id, utcnow()
            row.updated_at = utcnow()
            self._record(session, actor, AuditAction.EVIDENCE_HOLD_SET, row.id, {"reason": reason})
            return self._info(session, row)

    def release_hold(self, actor: Actor, case_id: str, reason: str) -> CaseInfo:
        actor = self._authorizer.require(actor, Action.RELEASE_EVIDENCE_HOLD, resource_type="case")
        reason = check_note(reason)
        if not reason:
            raise InvalidInputError("say why the hold is released")
        with self._db.transaction() as session:
            row = require_case(session, case_id, for_update=True)
            if not row.evidence_hold:
                raise ConflictError(f"case {row.id} has no evidence hold")
            previous = row.hold_reason
            row.evidence_hold, row.hold_reason = False, None
            row.hold_set_by, row.hold_set_at = None, None
            row.updated_at = utcnow()
            self._record(
                session,
                actor,
                AuditAction.EVIDENCE_HOLD_RELEASED,
                row.id,
                {"reason": reason, "hold_reason": previous},
            )
            return self._info(session, row)

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _next_id(session: Session) -> str:
        year = utcnow().year
        while True:
            number = session.scalars(
                insert(CaseNumber)
                .values(year=year, last=1)
                .on_conflict_do_update(index_elements=[CaseNumber.year], set_={"last": CaseNumber.last + 1})
                .returning(CaseNumber.last)
            ).one()
            candidate = format_case_id(year, number)
            if session.get(Case, candidate) is None:  # skip a number an agency id already took
                return candidate

    def _record(
        self, session: Session, actor: Actor, action: AuditAction, case_id: str, details: Mapping[str, object]
    ) -> None:
        self._audit.record_in(
            session,
            AuditEvent(action, actor=actor, resource_type="case", metadata={"case_id": case_id, **details}),
        )

    @staticmethod
    def _info(session: Session, row: Case) -> CaseInfo:
        videos = session.scalar(
            sa.select(sa.func.count())
            .select_from(CaseVideo)
            .join(Video, Video.id == CaseVideo.video_id)
            .where(CaseVideo.case_id == row.id, Video.deleted_at.is_(None))
        )
        bookmarks = session.scalar(
            sa.select(sa.func.count()).select_from(BookmarkRow).where(BookmarkRow.case_id == row.id)
        )
        exports = session.scalar(
            sa.select(sa.func.count()).select_from(Export).where(Export.case_id == row.id)
        )
        creator = (row.meta or {}).get(
            "created_by_email"
        )  # not users.email: others' rows are hidden from viewers
        return CaseInfo(
            case_id=row.id,
            title=row.title,
            status=CaseStatus(row.status),
            notes=row.notes,
            evidence_hold=row.evidence_hold,
            hold_reason=row.hold_reason,
            created_by=creator,
            created_at=row.created_at,
            updated_at=row.updated_at,
            video_count=int(videos or 0),
            bookmark_count=int(bookmarks or 0),
            export_count=int(exports or 0),
        )
