"""Wiring: one installation's stores and the services over them, for the GUI and the CLI alike."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chronotrace_desktop.config import Paths, Profile, Settings
from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.embedding.defaults import DEFAULT_EMBEDDING_DIMENSION
from chronotrace_desktop.services.access import (
    AuditReader,
    AuditService,
    Authorizer,
    AuthService,
    ReauthService,
)
from chronotrace_desktop.services.admin import (
    InstallationService,
    MaintenanceService,
    SettingsService,
    UserService,
)
from chronotrace_desktop.services.analytics import SearchAnalyticsService
from chronotrace_desktop.services.anomalies import AnomalyService
from chronotrace_desktop.services.anomalies.scan import AnomalyScanner
from chronotrace_desktop.services.api_keys import ApiKeyService
from chronotrace_desktop.services.appearance import AppearanceService
from chronotrace_desktop.services.backup import BackupService
from chronotrace_desktop.services.cameras import CameraService
from chronotrace_desktop.services.cases import BookmarkService, CaseService
from chronotrace_desktop.services.clock import ClockReader, ClockService
from chronotrace_desktop.services.engines import (
    EngineCatalog,
    EngineFactory,
    EngineIndexes,
    EngineSearch,
    SegmentEmbedding,
)
from chronotrace_desktop.services.export import ExportService
from chronotrace_desktop.services.housekeeping import HousekeepingService
from chronotrace_desktop.services.ingest import IngestService
from chronotrace_desktop.services.jobs import IngestQueue
from chronotrace_desktop.services.library import LibraryService
from chronotrace_desktop.services.media_access import MediaAccessService
from chronotrace_desktop.services.playback import PlaybackService
from chronotrace_desktop.services.search import SearchService
from chronotrace_desktop.services.signing import EvidenceSigner
from chronotrace_desktop.services.timeline import TimelineService
from chronotrace_desktop.storage.blobs import BlobStore, LocalBlobStore
from chronotrace_desktop.storage.database import Database, open_database, translate_db_errors
from chronotrace_desktop.storage.migrations import migration_status
from chronotrace_desktop.storage.secrets import SecretStore
from chronotrace_desktop.storage.vectors import (
    DEFAULT_PAYLOAD_INDEXES,
    CollectionSpec,
    PayloadIndex,
    PayloadIndexKind,
    VectorIndex,
    open_vector_index,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

logger = logging.getLogger(__name__)


@dataclass
class AppServices:
    settings: Settings
    paths: Paths
    database: Database
    vectors: VectorIndex
    audit: AuditService
    audit_reader: AuditReader
    authorizer: Authorizer
    auth: AuthService
    reauth: ReauthService
    users: UserService
    installation: InstallationService
    maintenance: MaintenanceService
    blobs: BlobStore
    ingest: IngestService
    media: MediaAccessService
    search: SearchService
    library: LibraryService
    exports: ExportService
    anomalies: AnomalyService
    cameras: CameraService
    cases: CaseService
    bookmarks: BookmarkService
    playback: PlaybackService
    timeline: TimelineService
    settings_admin: SettingsService
    signer: EvidenceSigner
    engines: EngineCatalog
    engine_indexes: EngineIndexes
    embedding: SegmentEmbedding
    clock: ClockService
    clock_reader: ClockReader
    appearance: AppearanceService
    api_keys: ApiKeyService
    analytics: SearchAnalyticsService
    backup: BackupService
    housekeeping: HousekeepingService
    jobs: IngestQueue  # issue 19: the team's ingest queue (the workstation profile ingests locally)

    def close(self) -> None:
        try:
            self.media.end_reveals()  # originals fetched for reveals leave a shared store's cache
            self.engine_indexes.close()
            self.appearance.close()
            self.vectors.close()
        finally:
            self.database.close()


# Beside the schema document's six: what ingest reconciliation and search filters use.
EXTRA_PAYLOAD_INDEXES = (
    PayloadIndex("video_id", PayloadIndexKind.KEYWORD),
    PayloadIndex("objects_detected", PayloadIndexKind.KEYWORD),
    PayloadIndex("has_vehicles", PayloadIndexKind.BOOL),
    PayloadIndex("end_time", PayloadIndexKind.FLOAT),
)


def collection_spec(settings: Settings) -> CollectionSpec:
    return CollectionSpec(
        settings.vector_collection,
        dimension=DEFAULT_EMBEDDING_DIMENSION,
        payload_indexes=DEFAULT_PAYLOAD_INDEXES + EXTRA_PAYLOAD_INDEXES,
    )


def open_vectors(
    settings: Settings, paths: Paths, secrets: SecretStore, spec: CollectionSpec | None = None
) -> tuple[VectorIndex, str]:
    """The profile's vector index bound to ``spec`` (default: the installation's collection), and a display
    string (no key)."""
    if settings.profile is Profile.TEAM and settings.qdrant_url:
        api_key = secrets.get(SecretName.QDRANT_API_KEY, settings.qdrant_url)
        index = open_vector_index("server", url=settings.qdrant_url, api_key=api_key)
        display = f"Qdrant server at {settings.qdrant_url}"
    else:
        index = open_vector_index("edge", path=paths.vectors_dir)
        display = f"Qdrant embedded engine at {paths.vectors_dir}"
    try:
        index.ensure_collection(spec or collection_spec(settings))
    except BaseException:
        index.close()
        raise
    return index, display


def engine_indexes(settings: Settings, paths: Paths, secrets: SecretStore) -> EngineIndexes:
    """The engines' collections, in the same vector store as the default's."""
    return EngineIndexes(
        settings.vector_collection,
        DEFAULT_PAYLOAD_INDEXES + EXTRA_PAYLOAD_INDEXES,
        lambda spec: open_vectors(settings, paths, secrets, spec)[0],
    )


def open_blobs(settings: Settings, paths: Paths, secrets: SecretStore) -> BlobStore:
    """The media store: the team profile's S3 bucket when ``media_store`` is ``s3``, else ``data_dir/media``."""
    if settings.profile is not Profile.TEAM or settings.media_store != "s3":
        return LocalBlobStore(paths.media_dir)
    from chronotrace_desktop.storage.blobs_s3 import S3BlobStore, S3Location, make_s3_client

    secret = (
        secrets.get(SecretName.S3_SECRET_ACCESS_KEY, settings.s3_endpoint_url)
        if settings.s3_endpoint_url
        else None
    )
    client = make_s3_client(
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=secret,
    )
    location = S3Location(settings.s3_bucket, settings.s3_prefix, settings.s3_endpoint_url)
    return S3BlobStore(client, location, paths.cache_dir / "media")


def _require_current_schema(database: Database) -> None:
    """The team profile never migrates at start (its login owns nothing): say who must, and how."""
    with translate_db_errors(database.display_url):
        states = migration_status(database.engine)
    pending = [state.name for state in states if not state.applied]
    if len(pending) == len(states):
        raise EnvironmentProblemError(
            f"The database at {database.display_url} is not set up for ChronoTrace yet. Its owner sets it up "
            "and creates the first administrator: chronotrace --profile team init --admin-email E --owner ROLE"
        )
    if pending:
        raise EnvironmentProblemError(
            f"The database at {database.display_url} needs migrations this program brings "
            f"({', '.join(pending)}). An administrator applies them with the owner's credentials: "
            "chronotrace db migrate --owner OWNER_ROLE --user ADMIN_EMAIL"
        )


def open_app(
    settings: Settings,
    paths: Paths,
    *,
    migrate: bool = True,
    engine_factories: Mapping[str, EngineFactory] | None = None,
) -> AppServices:
    """Open the installation at ``paths``: database (starting the embedded server), migrations, vectors.

    ``migrate``: the workstation migrates its own database at start; a team database is migrated by an
    administrator (``chronotrace db migrate``) and is refused at start while it is behind.
    ``engine_factories``: how the configured engines are built (default: from the settings; a test gives
    Nova a stubbed Bedrock client this way, on the product's own code path)."""
    paths.ensure()
    secrets = SecretStore()
    database = open_database(settings, paths, secrets, migrate=migrate)
    try:
        if migrate and settings.profile is Profile.TEAM:
            _require_current_schema(database)
        vectors, vector_display = open_vectors(settings, paths, secrets)
    except BaseException:
        database.close()
        raise
    audit = AuditService(database)
    authorizer = Authorizer(database, audit)
    blobs = open_blobs(settings, paths, secrets)
    media = MediaAccessService(
        database,
        blobs,
        authorizer,
        audit,
        redaction_mode=settings.redaction_mode,
        viewers_render=settings.profile is not Profile.TEAM,
    )
    catalog = EngineCatalog(settings, secrets, engine_factories)
    indexes = engine_indexes(settings, paths, secrets)
    embedding = SegmentEmbedding(database, vectors, catalog, indexes, media, blobs, authorizer, audit)
    engines_on = bool(catalog.configured)
    search = SearchService(
        database, vectors, authorizer, audit, engines=EngineSearch(catalog, indexes) if engines_on else None
    )
    signer = EvidenceSigner(secrets, str(paths.data_dir.resolve()), audit)

    def engine_collections() -> list[VectorIndex]:
        return [indexes.index_for(catalog.engine(name)) for name in catalog.configured]

    scanner = AnomalyScanner(database, audit)
    clock = ClockService(
        database,
        vectors,
        authorizer,
        audit,
        engine_indexes=engine_collections if engines_on else None,
        rescan=lambda actor, video_id: scanner.scan(actor, video_id),
    )
    clock_reader = ClockReader(database, blobs, authorizer, clock)
    appearance = AppearanceService(
        database, blobs, authorizer, audit, lambda spec: open_vectors(settings, paths, secrets, spec)[0],
        settings.vector_collection,
    )  # fmt: skip
    exports = ExportService(database, blobs, authorizer, audit, media, signer, search)
    return AppServices(
        settings=settings,
        paths=paths,
        database=database,
        vectors=vectors,
        audit=audit,
        audit_reader=AuditReader(database, authorizer),
        authorizer=authorizer,
        auth=AuthService(database, audit, settings),
        reauth=ReauthService(database, audit, settings),
        users=UserService(database, audit, authorizer, settings),
        installation=InstallationService(database, audit, settings, paths, vector_display),
        maintenance=MaintenanceService(database, audit, authorizer, vectors),
        blobs=blobs,
        ingest=IngestService(
            database,
            vectors,
            blobs,
            authorizer,
            audit,
            settings,
            engines=embedding if engines_on else None,
            clock=clock_reader if settings.read_clock_at_ingest else None,
            appearance=appearance,
        ),
        media=media,
        search=search,
        # PDF reports need a renderer from the front end: the CLI passes one per call, the GUI sets
        # ``exports.renderer`` (reports.QtPdfReportRenderer). Packages are signed with this data folder's key.
        exports=exports,
        library=LibraryService(database, vectors, authorizer, audit),
        anomalies=AnomalyService(database, settings, authorizer, audit),
        cameras=CameraService(database, authorizer, audit),
        cases=CaseService(database, authorizer, audit),
        bookmarks=BookmarkService(database, authorizer, audit),
        playback=PlaybackService(database, authorizer),
        timeline=TimelineService(database, authorizer),
        settings_admin=SettingsService(settings, paths, authorizer, audit),
        signer=signer,
        engines=catalog,
        engine_indexes=indexes,
        embedding=embedding,
        clock=clock,
        clock_reader=clock_reader,
        appearance=appearance,
        api_keys=ApiKeyService(database, authorizer, audit),
        analytics=SearchAnalyticsService(database, authorizer),
        # Every collection the installation uses: search, appearance, each configured engine's.
        backup=BackupService(
            database,
            settings,
            paths,
            authorizer,
            audit,
            lambda: [vectors, appearance.index(), *engine_collections()],
        ),
        housekeeping=HousekeepingService(database, authorizer, audit, exports, settings),
        jobs=IngestQueue(database, authorizer, audit),
    )
