"""Evidence export: clips, PDF report, CSV and JSON of the segments, and a manifest, as one verifiable package.

``ExportService.export`` runs one request end to end:

1. authorisation: ``export_redacted``, or ``export_unredacted`` and ``reveal_pii`` when the request carries a
   reveal justification (a refusal is audited by the authoriser and nothing is written), and then a fresh
   re-authentication too (``proof``, from ``ReauthService.confirm`` for ``ReauthPurpose.EXPORT_UNREDACTED``):
   every original of the export is revealed under it, however long the export runs;
2. the selection becomes rows (a search is run through ``SearchService`` when the request names one);
3. an ``exports`` row is written ``pending``, then ``processing``;
4. the package is built in a hidden staging folder in the destination (``files``): originals through
   audited reveals and redacted clips (``clips``), CSV and JSON (``report``), the PDF through
   the injected ``ReportRenderer``, then ``manifest.json``; the staging folder is re-verified against its
   manifest (``verify``) and moved into place, or zipped;
5. the row becomes ``completed`` with its path, size and format, together with its ``export_data`` audit row
   (one transaction); a failure or a cancel makes it ``failed`` and writes a failed ``export_data`` row.

A request refused or failing before step 3 (no renderer for a PDF, a short justification, no fresh
re-authentication, an empty selection) writes a failed ``export_data`` row with no export id; a permission refusal
is audited by the authoriser only.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import (
    EnvironmentProblemError,
    InvalidInputError,
    NotFoundError,
    OperationCancelledError,
    PermissionDeniedError,
)
from chronotrace_desktop.domain.export import (
    ExportInfo,
    ExportResult,
    ExportStatus,
    ExportType,
    FileKind,
    SelectionKind,
)
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.domain.users import ReauthPurpose
from chronotrace_desktop.services.access import proof_problem, reauth_needed
from chronotrace_desktop.services.cases import BookmarkService, CaseService
from chronotrace_desktop.services.export import report as documents
from chronotrace_desktop.services.export.bookmarks import PackageBookmarks, gather, write_still, write_stills
from chronotrace_desktop.services.export.clips import RENDER_THREADS, ClipJob, ClipWriter
from chronotrace_desktop.services.export.files import PackageFile, Staging, package_name, remove_package
from chronotrace_desktop.services.export.selection import audit_entries, resolve
from chronotrace_desktop.services.export.tracking import ExportLog
from chronotrace_desktop.services.media_access import MIN_JUSTIFICATION_CHARS
from chronotrace_desktop.services.verification import verify_package

if TYPE_CHECKING:
    import uuid

    from chronotrace_desktop.domain.export import ExportRequest, ExportSelection, ReportRenderer
    from chronotrace_desktop.domain.tasks import ProgressCallback, TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService, Authorizer, ReauthProof
    from chronotrace_desktop.services.export.selection import Resolved
    from chronotrace_desktop.services.media_access import MediaAccessService
    from chronotrace_desktop.services.search import SearchService
    from chronotrace_desktop.services.signing import EvidenceSigner, SignerInfo
    from chronotrace_desktop.storage.blobs import BlobStore
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)


class _Steps:
    """Progress over the whole export, told to the task: one step per file and per finishing stage."""

    def __init__(self, task: TaskControl, total: int) -> None:
        self.task = task
        self.total = total
        self.done = 0

    def step(self, message: str) -> None:
        self.done += 1
        self.task.progress(min(self.done, self.total), self.total, message)

    def phase(self) -> ProgressCallback[str]:
        """The progress callback of one phase (the clips): its ``done`` counts on from the steps before it."""
        before = self.done

        def progress(done: int, total: int, message: str) -> None:
            self.done = before + done
            self.task.progress(min(self.done, self.total), self.total, message)

        return progress


class ExportService:
    """``renderer`` writes PDF reports; the front end injects one (``workers.pdf_report``)."""

    def __init__(
        self,
        database: Database,
        blobs: BlobStore,
        authorizer: Authorizer,
        audit: AuditService,
        media: MediaAccessService,
        signer: EvidenceSigner,
        search: SearchService | None = None,
        *,
        renderer: ReportRenderer | None = None,
        render_threads: int = RENDER_THREADS,
    ) -> None:
        self._db = database
        self._blobs = blobs
        self._authorizer = authorizer
        self._media = media
        self._search = search
        self._signer = signer
        self._log = ExportLog(database, audit)
        self._cases = CaseService(database, authorizer, audit)
        self._bookmarks = BookmarkService(database, authorizer, audit)
        self.renderer = renderer
        self.render_threads = render_threads

    # ------------------------------------------------------------------ export

    def export(
        self,
        actor: Actor,
        request: ExportRequest,
        task: TaskControl | None = None,
        *,
        renderer: ReportRenderer | None = None,
        proof: ReauthProof | None = None,
    ) -> ExportResult:
        """Write the package ``request`` describes. ``proof``: the exporter's fresh re-authentication, needed
        when the request includes the unredacted originals."""
        started = time.perf_counter()
        task = task or Unattended()
        renderer = renderer or self.renderer
        try:
            actor, resolved, marks = self._prepare(actor, request, task, renderer, proof)
        except PermissionDeniedError:  # audited by the authoriser
            raise
        except BaseException as exc:  # refused before its row: the audit row is all that records it
            self._log.refused(actor, request, str(exc) or type(exc).__name__)
            raise
        export_id = self._log.create(actor, request, resolved)
        try:
            self._log.set_status(export_id, ExportStatus.PROCESSING)
            signer = self._signer.ensure(actor)
            final, manifest_sha, files, total_bytes, warnings = self._build(
                export_id, actor, request, resolved, marks, task, renderer, signer, proof
            )
        except OperationCancelledError:
            self._log.fail(export_id, actor, request, resolved, "cancelled", cancelled=True)
            raise
        except BaseException as exc:
            self._log.fail(export_id, actor, request, resolved, str(exc) or type(exc).__name__)
            raise
        result = ExportResult(
            export_id=export_id,
            path=final,
            manifest_sha256=manifest_sha,
            file_count=len(files),
            total_bytes=total_bytes,
            segment_count=len(resolved.segments),
            unredacted=request.unredacted,
            query_id=resolved.query_id,
            elapsed_s=time.perf_counter() - started,
            warnings=tuple(warnings),
            signer_fingerprint=signer.fingerprint,
            case=request.case,
        )
        try:
            self._log.complete(actor, request, resolved, result)
        except BaseException as exc:  # an export nobody can account for must not stay on disk
            remove_package(final)
            self._log.fail(export_id, actor, request, resolved, f"not recorded: {exc}")
            raise
        logger.info(
            "Export %s (case %s): %d segments, %d files, %d bytes in %.2f s -> %s",
            export_id,
            request.case_id,
            result.segment_count,
            result.file_count,
            result.total_bytes,
            result.elapsed_s,
            final,
        )
        return result

    def _prepare(
        self,
        actor: Actor,
        request: ExportRequest,
        task: TaskControl,
        renderer: ReportRenderer | None,
        proof: ReauthProof | None,
    ) -> tuple[Actor, Resolved, PackageBookmarks]:
        """Everything before the ``exports`` row: checks, authorisation, the selection's rows, the case and
        its bookmarks."""
        if ExportType.PDF_REPORT in request.types and renderer is None:
            raise InvalidInputError("This front end cannot write PDF reports: leave out pdf_report.")
        actor = self._authorize(actor, request, proof)
        task.check_cancelled()
        ids, scores, query_id = self._run_search(actor, request.selection)
        with self._db.transaction() as session:
            resolved = resolve(session, request.selection, ids=ids, scores=scores, query_id=query_id)
        return actor, resolved, gather(self._cases, self._bookmarks, actor, request.case, resolved)

    def _authorize(self, actor: Actor, request: ExportRequest, proof: ReauthProof | None) -> Actor:
        if not request.unredacted:
            return self._authorizer.require(actor, Action.EXPORT_REDACTED, resource_type="export")
        actor = self._authorizer.require(actor, Action.EXPORT_UNREDACTED, resource_type="export")
        actor = self._authorizer.require(actor, Action.REVEAL_PII, resource_type="export")
        if len(request.reveal_justification or "") < MIN_JUSTIFICATION_CHARS:
            raise InvalidInputError(
                f"Exporting unredacted clips needs a justification of at least {MIN_JUSTIFICATION_CHARS} "
                "characters (e.g. the case number and why the faces matter)."
            )
        problem = proof_problem(actor, proof, ReauthPurpose.EXPORT_UNREDACTED)
        if problem is not None:  # audited as the refused export (a failed export_data row with the reason)
            raise reauth_needed(problem, ReauthPurpose.EXPORT_UNREDACTED)
        return actor

    def _run_search(
        self, actor: Actor, selection: ExportSelection
    ) -> tuple[list[uuid.UUID], dict[uuid.UUID, float], uuid.UUID | None]:
        if selection.kind is not SelectionKind.SEARCH:
            return [], {}, None
        if self._search is None:
            raise InvalidInputError("Search is not available in this installation.")
        assert selection.search is not None
        result = self._search.search(actor, selection.search)
        if not result.hits:
            raise NotFoundError(f"The search {result.query_text!r} found nothing to export.")
        return (
            [h.segment_id for h in result.hits],
            {h.segment_id: h.score for h in result.hits},
            result.search_id,
        )

    def _build(
        self,
        export_id: uuid.UUID,
        actor: Actor,
        request: ExportRequest,
        resolved: Resolved,
        marks: PackageBookmarks,
        task: TaskControl,
        renderer: ReportRenderer | None,
        signer: SignerInfo,
        proof: ReauthProof | None,
    ) -> tuple[Path, str, list[PackageFile], int, list[str]]:
        created = utcnow()
        ctx = documents.PackageContext(
            export_id, request, actor, created, resolved, signer, marks.case, marks.bookmarks
        )
        jobs = [ClipJob(s, resolved.videos[s.video_id]) for s in resolved.segments]
        clips = ExportType.VIDEO_CLIP in request.types
        total = (
            (len(jobs) * (2 if request.unredacted else 1) if clips else 0)
            + len(request.types - {ExportType.VIDEO_CLIP})
            + 3
        )
        steps = _Steps(task, total)
        task.progress(0, total, "starting")
        staging = Staging(
            request.destination, package_name(request.case_id, created), private=request.unredacted
        )
        files: list[PackageFile] = []
        warnings: list[str] = []
        try:
            if clips:
                writer = ClipWriter(
                    self._blobs, self._media, staging, actor, task, threads=self.render_threads
                )
                originals: list[PackageFile] = []
                if request.unredacted:
                    assert request.reveal_justification is not None
                    reveal = self._media.revealer(
                        actor,
                        request.reveal_justification,
                        proof=proof,
                        purpose=ReauthPurpose.EXPORT_UNREDACTED,
                    )
                    originals, warned = writer.originals(
                        jobs,
                        reveal,
                        recut=request.recut_originals,
                        progress=steps.phase(),
                    )
                    warnings.extend(warned)
                redacted = writer.redacted(jobs, request.watermark, steps.phase())
                for i, clip in enumerate(redacted):
                    files.append(clip)
                    if originals:
                        files.append(originals[i])
            files.extend(self._documents(ctx, staging, files, task, steps, renderer))
            staging.add(*files)
            task.check_cancelled()
            manifest_sha, _ = staging.write_manifest(documents.manifest(ctx, files, warnings))
            signature = self._signer.sign(actor, staging.manifest_bytes())
            staging.write_signature(documents.signature(signer, signature))
            steps.step("manifest")
            check = verify_package(staging.root, required_key=signer.fingerprint)
            if not check.intact:
                problems = "; ".join(str(p) for p in check.problems[:3])
                raise EnvironmentProblemError(f"The package failed its own check after writing: {problems}")
            steps.step("verified")
            task.check_cancelled()
            total_bytes = staging.total_bytes()
            final = staging.publish(as_zip=request.zip)
            if request.zip:
                total_bytes = final.stat().st_size
            steps.step("done")
        except BaseException:
            staging.discard()
            raise
        return final, manifest_sha, files, total_bytes, warnings

    def _documents(
        self,
        ctx: documents.PackageContext,
        staging: Staging,
        clips: list[PackageFile],
        task: TaskControl,
        steps: _Steps,
        renderer: ReportRenderer | None,
    ) -> list[PackageFile]:
        types = ctx.request.types
        written: list[PackageFile] = []
        rows = documents.segment_rows(ctx, clips)
        if ExportType.CSV_DATA in types:
            task.check_cancelled()
            sha, size = staging.write_text("segments.csv", documents.csv_text(rows))
            written.append(PackageFile("segments.csv", FileKind.CSV_DATA, sha, size))
            steps.step("segments.csv")
        if ExportType.JSON_DATA in types:
            task.check_cancelled()
            sha, size = staging.write_text("segments.json", documents.json_text(ctx, rows))
            written.append(PackageFile("segments.json", FileKind.JSON_DATA, sha, size))
            steps.step("segments.json")
        if ExportType.PDF_REPORT in types:
            assert renderer is not None
            task.check_cancelled()
            segments = ctx.resolved.segments
            with self._db.transaction() as session:
                audit = audit_entries(session, [s.id for s in segments])
            # Through the media service, as a viewer gets them: the installation's redaction mode applies.
            thumbnails = {
                s.id: self._media.redacted_thumbnail(ctx.actor, s.id)
                for s in segments
                if s.redacted_thumbnail_key and self._blobs.exists(s.redacted_thumbnail_key)
            }
            with tempfile.TemporaryDirectory(prefix="chronotrace-stills-") as folder:
                stills = write_stills(self._db, self._media, ctx.actor, ctx.bookmarks, Path(folder))
                model = documents.report_model(ctx, [*clips, *written], audit, thumbnails, stills)
                renderer.render(model, staging.path("report.pdf"))
            sha, size = staging.digest("report.pdf")
            written.append(PackageFile("report.pdf", FileKind.PDF_REPORT, sha, size))
            steps.step("report.pdf")
        return written

    # ------------------------------------------------------------------ a bookmarked moment

    def redacted_still(self, actor: Actor, video_id: uuid.UUID, offset_s: float) -> bytes | None:
        """The REDACTED frame of ``video_id`` at ``offset_s`` (seconds from its start) as JPEG bytes, as the
        report shows a bookmark (the bookmark dialog draws its box on it); None when there is none."""
        with tempfile.TemporaryDirectory(prefix="chronotrace-still-") as folder:
            made = write_still(self._db, self._media, actor, video_id, offset_s, Path(folder) / "still.jpg")
            return None if made is None else made.read_bytes()

    # ------------------------------------------------------------------ after the export

    def mark_opened(self, actor: Actor, export_id: uuid.UUID) -> Path:
        """Record that the package was opened from the app (``downloaded_at``, first time); its path.

        Only its examiner or an administrator may; anyone else is refused and the refusal audited.
        """
        actor = self._authorizer.require(
            actor, Action.EXPORT_REDACTED, resource_type="export", resource_id=export_id
        )
        return self._log.opened(actor, export_id)

    def expire(self, actor: Actor, export_id: uuid.UUID) -> ExportInfo:
        """End an export's retention now (its examiner or an administrator; audited): it is no longer opened
        from the app. Refused (``ConflictError``, saying why) while its case is under an evidence hold."""
        actor = self._authorizer.require(
            actor, Action.EXPORT_REDACTED, resource_type="export", resource_id=export_id
        )
        return self._log.expire(actor, export_id)

    def expire_due(self, actor: Actor) -> list[ExportInfo]:
        """Expire every completed export past its retention (administrators); a held case's are kept."""
        actor = self._authorizer.require(actor, Action.MANAGE_DATABASE, resource_type="export")
        return [self._log.expire(actor, export_id) for export_id in self._log.due()]

    def exports(self, actor: Actor, *, limit: int = 100) -> list[ExportInfo]:
        """The actor's exports, newest first (an administrator sees everyone's)."""
        actor = self._authorizer.require(actor, Action.EXPORT_REDACTED, resource_type="export")
        return self._log.listing(actor, limit)
