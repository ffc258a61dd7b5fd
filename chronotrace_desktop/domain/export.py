"""Evidence export as the front ends and the services see it: requests, results, the report model and the
report-renderer port, the package manifest's names and the verifier's findings. Plain data; no I/O.

An export is a *package*: a folder (or a zip of it) holding the requested artefacts and ``manifest.json``,
which lists every other file with its SHA-256 and size. The four artefact types are the schema's
``exports.export_type`` values; asking for more than one makes an ``evidence_package`` row.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from chronotrace_desktop.domain.cases import parse_case_id
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.identifiers import check_identifier, printable

if TYPE_CHECKING:
    import uuid
    from collections.abc import Mapping
    from datetime import datetime
    from pathlib import Path

    from chronotrace_desktop.domain.media import Box
    from chronotrace_desktop.domain.search import SegmentQuery

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "chronotrace-evidence-package"
MANIFEST_VERSION = 2  # 2: the manifest names its signer and is signed (1: hashes only)
READABLE_MANIFEST_VERSIONS = (1, 2)
HASH_ALGORITHM = "sha256"
SIGNATURE_NAME = "manifest.sig"  # beside manifest.json: the Ed25519 signature over its exact bytes
SIGNATURE_FORMAT = "chronotrace-manifest-signature"
SIGNATURE_ALGORITHM = "Ed25519"
PACKAGE_TYPE = "evidence_package"
MAX_SEGMENTS = 500
MAX_WATERMARK_CHARS = 80
DEFAULT_RETENTION_DAYS = 30
_CASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:# -]{0,99}")
# Burned into video frames with OpenCV's Hershey font, which draws printable ASCII only.
_WATERMARK = re.compile(r"[\x20-\x7e]+")


class ExportType(StrEnum):
    """``exports.export_type`` of a single-artefact export (schema-reference.md)."""

    VIDEO_CLIP = "video_clip"
    PDF_REPORT = "pdf_report"
    CSV_DATA = "csv_data"
    JSON_DATA = "json_data"

    @property
    def file_format(self) -> str:
        return {"video_clip": "mp4", "pdf_report": "pdf", "csv_data": "csv", "json_data": "json"}[self.value]


ALL_TYPES: frozenset[ExportType] = frozenset(ExportType)


def parse_types(text: str) -> frozenset[ExportType]:
    """``video_clip,pdf_report`` (commas or spaces; ``all`` or ``package`` for the four)."""
    names = [n for n in re.split(r"[,\s]+", text.strip().lower()) if n]
    if not names:
        raise InvalidInputError("name at least one export type")
    if any(n in {"all", "package", PACKAGE_TYPE} for n in names):
        return ALL_TYPES
    try:
        return frozenset(ExportType(n) for n in names)
    except ValueError:
        valid = ", ".join(t.value for t in ExportType)
        raise InvalidInputError(f"unknown export type in {text!r}; choose from: {valid} (or all)") from None


class FileKind(StrEnum):
    """What a file in a package is (``manifest.json``'s ``files[].kind``)."""

    REDACTED_CLIP = "redacted_clip"
    ORIGINAL_CLIP = "original_clip"
    PDF_REPORT = "pdf_report"
    CSV_DATA = "csv_data"
    JSON_DATA = "json_data"


class SelectionKind(StrEnum):
    SEGMENTS = "segments"  # ids picked by hand (search hits, the player)
    SEARCH = "search"  # a search run now; its hits are exported
    ANOMALY = "anomaly"  # an anomaly's segment
    CAMERA_RANGE = "camera_range"  # a camera's segments within a wall-clock range


class ExportStatus(StrEnum):
    """An ``exports`` row's ``status``: pending -> processing -> completed | failed (a cancel is failed too)."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"  # the reason is in ``metadata.error``
    EXPIRED = "expired"  # past its retention (listed so), or ended by ``ExportService.expire``


@dataclass(frozen=True, slots=True)
class ExportSelection:
    """Which segments to export. Build one with the class methods."""

    kind: SelectionKind
    segment_ids: tuple[uuid.UUID, ...] = ()
    query_id: uuid.UUID | None = None  # the ``searches`` row that found the segments, when known
    scores: tuple[tuple[uuid.UUID, float], ...] = ()  # search scores of the segments, when known
    search: SegmentQuery | None = None
    anomaly_id: uuid.UUID | None = None
    camera_id: str | None = None
    recorded_from: datetime | None = None  # naive UTC
    recorded_to: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "segment_ids", tuple(dict.fromkeys(self.segment_ids)))
        if self.kind is SelectionKind.SEGMENTS and not self.segment_ids:
            raise InvalidInputError("select at least one segment to export")
        if len(self.segment_ids) > MAX_SEGMENTS:
            raise InvalidInputError(f"an export holds at most {MAX_SEGMENTS} segments")
        if self.kind is SelectionKind.SEARCH and self.search is None:
            raise InvalidInputError("a search selection needs the search to run")
        if self.kind is SelectionKind.ANOMALY and self.anomaly_id is None:
            raise InvalidInputError("an anomaly selection needs the anomaly's id")
        if self.kind is SelectionKind.CAMERA_RANGE:
            if not self.camera_id or self.recorded_from is None or self.recorded_to is None:
                raise InvalidInputError("a camera selection needs the camera id and a from/to time range")
            if self.recorded_from >= self.recorded_to:
                raise InvalidInputError("the time range ends before it starts")

    @classmethod
    def of_segments(
        cls,
        segment_ids: tuple[uuid.UUID, ...] | list[uuid.UUID],
        *,
        query_id: uuid.UUID | None = None,
        scores: Mapping[uuid.UUID, float] | None = None,
    ) -> ExportSelection:
        return cls(
            SelectionKind.SEGMENTS,
            segment_ids=tuple(segment_ids),
            query_id=query_id,
            scores=tuple((scores or {}).items()),
        )

    @classmethod
    def of_search(cls, query: SegmentQuery) -> ExportSelection:
        return cls(SelectionKind.SEARCH, search=query)

    @classmethod
    def of_anomaly(cls, anomaly_id: uuid.UUID) -> ExportSelection:
        return cls(SelectionKind.ANOMALY, anomaly_id=anomaly_id)

    @classmethod
    def of_camera_range(cls, camera_id: str, start: datetime, end: datetime) -> ExportSelection:
        return cls(SelectionKind.CAMERA_RANGE, camera_id=camera_id, recorded_from=start, recorded_to=end)


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """One export. Redacted clips always; the lossless originals only with a PII-reveal justification.

    ``watermark``: burned (with the clip's wall-clock start) into fresh redacted renditions, and printed in
    the report's header and footer. Without it the cached redacted renditions the player uses are copied.
    ``recut_originals``: originals are re-cut from the source video (its SHA-256 checked first) instead of
    copied from the cuts made at ingest.
    ``case``: the investigation (``CASE-2024-0001``) the export belongs to (``exports.case_id``); its bookmarks
    go in the report and the JSON. ``case_id`` is the reference printed on the package (defaults to ``case``).
    """

    case_id: str
    selection: ExportSelection
    destination: Path
    types: frozenset[ExportType] = ALL_TYPES
    watermark: str | None = None
    reveal_justification: str | None = None
    recut_originals: bool = False
    zip: bool = False
    retention_days: int = DEFAULT_RETENTION_DAYS
    case: str | None = None

    def __post_init__(self) -> None:
        if self.case is not None:
            object.__setattr__(self, "case", parse_case_id(self.case))
            if not self.case_id.strip():
                object.__setattr__(self, "case_id", self.case)
        case = check_identifier("case id", self.case_id).strip()
        if not _CASE_ID.fullmatch(case):
            raise InvalidInputError(
                f"case id {self.case_id!r} is not valid: 1 to 100 letters, digits and . _ / : # - or spaces"
            )
        object.__setattr__(self, "case_id", case)
        if not self.types:
            raise InvalidInputError("choose at least one thing to export")
        object.__setattr__(self, "types", frozenset(self.types))
        if self.watermark is not None:
            mark = " ".join(self.watermark.split())
            if mark and (len(mark) > MAX_WATERMARK_CHARS or not _WATERMARK.fullmatch(mark)):
                raise InvalidInputError(
                    f"a watermark is 1 to {MAX_WATERMARK_CHARS} plain ASCII characters (letters, digits, "
                    "punctuation): it is drawn into the video frames"
                )
            object.__setattr__(self, "watermark", mark or None)
        if self.reveal_justification is not None:
            reason = " ".join(self.reveal_justification.split())
            object.__setattr__(self, "reveal_justification", reason or None)
        if self.reveal_justification and ExportType.VIDEO_CLIP not in self.types:
            raise InvalidInputError("a reveal justification applies to exported clips: add video_clip")
        if self.recut_originals and not self.reveal_justification:
            raise InvalidInputError("re-cut originals are unredacted: give a reveal justification")
        if not 1 <= self.retention_days <= 3650:
            raise InvalidInputError("keep an export between 1 and 3650 days")

    @property
    def unredacted(self) -> bool:
        return bool(self.reveal_justification)

    @property
    def export_type(self) -> str:
        """The ``exports.export_type`` of this request."""
        if len(self.types) == 1:
            return next(iter(self.types)).value
        return PACKAGE_TYPE

    @property
    def header_text(self) -> str:
        """What the report prints in its header and footer."""
        return self.watermark or f"EVIDENCE - {self.case_id}"


@dataclass(frozen=True, slots=True)
class ExportResult:
    export_id: uuid.UUID
    path: Path  # the package folder, or the zip
    manifest_sha256: str
    file_count: int  # files listed in the manifest (the manifest itself not counted)
    total_bytes: int  # every file, the manifest included (the zip's size for a zip)
    segment_count: int
    unredacted: bool
    query_id: uuid.UUID | None
    elapsed_s: float
    warnings: tuple[str, ...] = ()
    signer_fingerprint: str | None = None  # the installation key that signed the manifest
    case: str | None = None  # the case the export is filed in


@dataclass(frozen=True, slots=True)
class ExportInfo:
    """One ``exports`` row as the front ends list it."""

    id: uuid.UUID
    export_type: str
    status: ExportStatus
    case_id: str | None
    path: Path | None
    format: str | None
    size_bytes: int | None
    segment_count: int
    created_at: datetime | None
    completed_at: datetime | None
    expires_at: datetime | None
    downloaded_at: datetime | None
    error: str | None
    case: str | None = None  # the investigation it belongs to (``exports.case_id``)
    held: bool = False  # that case is under an evidence hold: the export does not expire


# ---------------------------------------------------------------- the report: a model and the renderer port


@dataclass(frozen=True, slots=True)
class ReportFile:
    path: str  # inside the package, "/"-separated
    kind: FileKind
    sha256: str
    size_bytes: int


@dataclass(frozen=True, slots=True)
class ReportSegment:
    number: int
    segment_id: uuid.UUID
    video_filename: str
    segment_index: int
    camera_id: str | None
    location: str | None
    start_s: float  # offsets into the source video
    end_s: float
    wall_start: datetime | None  # naive UTC; None when the recording time is unknown
    wall_end: datetime | None
    recorder_start: datetime | None  # the recorder's clock at wall_start, when an offset corrects it
    score: float | None
    detections: str  # one line: people, faces, vehicles, objects
    caption: str | None
    thumbnail: Path | None  # the REDACTED thumbnail
    files: tuple[ReportFile, ...]


@dataclass(frozen=True, slots=True)
class ReportVideo:
    video_id: uuid.UUID
    filename: str
    sha256: str | None
    size_bytes: int | None
    recorded_at: datetime | None  # corrected for the recorder's clock
    camera_id: str | None
    location: str | None
    recorder_recorded_at: datetime | None = None  # what the recorder's clock said
    clock_offset_s: float | None = None
    clock_source: str | None = None


@dataclass(frozen=True, slots=True)
class ReportAuditEntry:
    at: datetime | None
    username: str | None
    action: str
    resource: str
    justification: str | None
    detail: str


@dataclass(frozen=True, slots=True)
class ReportBookmark:
    """A bookmark as the report lists it: when, where, the note and a REDACTED still with its box drawn."""

    number: int
    wall_time: datetime | None  # naive UTC, None when the video's start is unknown
    recorder_time: datetime | None  # the recorder's clock then, when an offset corrects it
    offset_s: float  # seconds from the start of the video
    video_filename: str
    camera_id: str | None
    note: str
    author: str | None
    still: Path | None  # the redacted frame (JPEG); None when none could be made
    box: Box | None = None  # normalised; drawn on the still


@dataclass(frozen=True, slots=True)
class ReportCase:
    case_id: str
    title: str
    evidence_hold: bool
    hold_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ReportModel:
    """Everything the PDF report shows, ready to lay out: no database, no media store."""

    case_id: str
    package_id: uuid.UUID
    examiner: str  # name and e-mail
    examiner_role: str
    created_at: datetime  # naive UTC
    header_text: str  # the watermark
    selection: str  # how the segments were chosen, in words
    query_text: str | None
    filters: tuple[tuple[str, str], ...]
    redaction: str  # in words
    segments: tuple[ReportSegment, ...]
    videos: tuple[ReportVideo, ...]
    audit: tuple[ReportAuditEntry, ...]
    other_files: tuple[ReportFile, ...]  # CSV, JSON
    application: str
    notes: tuple[str, ...] = ()
    signer_fingerprint: str | None = None  # the installation key that signs the package's manifest
    case: ReportCase | None = None  # the investigation the export belongs to
    bookmarks: tuple[ReportBookmark, ...] = ()


class ReportRenderer(Protocol):
    """Writes a ``ReportModel`` as a PDF at ``dest`` (the front end supplies one; Qt's in ``workers``)."""

    def render(self, model: ReportModel, dest: Path) -> None: ...


# ---------------------------------------------------------------- verifying a package


class ProblemKind(StrEnum):
    MISMATCH = "mismatch"  # the file's SHA-256 differs from the manifest's
    SIZE = "size"  # the file's size differs from the manifest's
    MISSING = "missing"  # listed in the manifest, not in the package
    EXTRA = "extra"  # in the package, not listed in the manifest
    MANIFEST = "manifest"  # the manifest is missing, unreadable or inconsistent
    SOURCE = "source"  # a source video's SHA-256 differs from the one recorded
    SIGNATURE = "signature"  # not signed, the signature does not verify, or not by the required key
    DUPLICATE = "duplicate"  # a zip holds two members of one name (which one is read depends on the tool)


@dataclass(frozen=True, slots=True)
class VerifyProblem:
    kind: ProblemKind
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind.value.upper()} {printable(self.path)}: {printable(self.detail)}"


@dataclass(frozen=True, slots=True)
class VerifyReport:
    package: Path
    manifest_sha256: str | None
    case_id: str | None
    files_checked: int
    sources_checked: int
    problems: tuple[VerifyProblem, ...] = field(default_factory=tuple)
    signer_fingerprint: str | None = None  # the key whose signature verified (compare it out of band)

    @property
    def intact(self) -> bool:
        return not self.problems and self.manifest_sha256 is not None


def key_fingerprint(public_key: bytes) -> str:
    """The fingerprint people compare out of band: SHA-256 of the raw public key, hex, in groups of four."""
    digest = hashlib.sha256(public_key).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def normalise_fingerprint(text: str) -> str:
    """A fingerprint as typed (spaces, colons, any case) → lower-case hex only."""
    return "".join(ch for ch in text.lower() if ch in "0123456789abcdef")
