"""Settings and on-disk locations.

Precedence, highest first: command-line flags, ``CHRONOTRACE_*`` environment variables, the installation's
``settings.json``, defaults. ``--data-dir DIR`` (or ``CHRONOTRACE_DATA_DIR``) isolates a whole installation:
database, vectors, media, cache, logs and the settings file all live below DIR.

Secrets are never settings: passwords and API keys live in the system keyring (``storage.secrets``).
"""

from __future__ import annotations

import ipaddress
import json
import os
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, urlsplit

import platformdirs
from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    JsonConfigSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from chronotrace_desktop.domain.identifiers import control_character

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

APP_NAME = "ChronoTrace"
ENV_PREFIX = "CHRONOTRACE_"
DATA_DIR_ENV = f"{ENV_PREFIX}DATA_DIR"
# bcrypt's cost has a floor of MIN_BCRYPT_ROUNDS (issue 13 item 6). The one escape is for the test suite and
# the developer tools, which hash many throw-away passwords: they set this variable to exactly "1" (see
# tests/conftest.py, tools/screenshots.py). It is deliberately not a setting (no CHRONOTRACE_ prefix, no
# settings.json key, not shown by 'config show'), so no configuration an installation keeps can reach it.
WEAK_BCRYPT_ENV = "CT_TESTS_ALLOW_WEAK_BCRYPT"
MIN_BCRYPT_ROUNDS = 12
# Every database connection's limits, in seconds (issue 13): a statement waits at most this long for a lock
# (another session's), and runs at most this long. Migrations lift both for their own transactions.
DEFAULT_LOCK_TIMEOUT = 10.0
DEFAULT_STATEMENT_TIMEOUT = 300.0
# libpq's sslmode values, weakest first; the ones before "require" may send everything in clear.
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_CLEAR_SSLMODES = frozenset(SSLMODES[:3])


class Profile(StrEnum):
    WORKSTATION = "workstation"
    TEAM = "team"


class RedactionMode(StrEnum):
    """What redacted media blur. ``heads``: every detected person's head region and every detected face.
    ``upper_body``: that and every detected person's whole upper body too, fail-closed for sites that must
    not show clothing, tattoos or badges either (cached renditions are kept per mode)."""

    HEADS = "heads"
    UPPER_BODY = "upper_body"


class SmtpSecurity(StrEnum):
    """How alert e-mail reaches the SMTP server. Both TLS modes verify the server's certificate and name
    (against the system's trust store, or ``smtp_ca_file``)."""

    STARTTLS = "starttls"  # a plain connection upgraded by STARTTLS (ports 587, 25); no upgrade, no mail
    SMTPS = "smtps"  # TLS from the first byte (implicit TLS, port 465)
    NONE = "none"  # in clear: a relay on a trusted network only; never with smtp_username (refused)


_settings_file: ContextVar[Path | None] = ContextVar("_settings_file", default=None)


class Settings(BaseSettings):
    """Everything configurable that is not a secret."""

    # Errors never echo the value refused: it may be a URL with a password in it (or a secret in the wrong key).
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", validate_default=True, hide_input_in_errors=True
    )

    profile: Profile = Profile.WORKSTATION
    data_dir: Path | None = None

    # Workstation profile: the embedded server's database.
    database_name: str = Field(default="chronotrace", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    # Team profile: e.g. postgresql://chronotrace@db.example.org:5432/chronotrace. The password is in keyring.
    database_url: str | None = None
    qdrant_url: str | None = None
    vector_collection: str = "video_segments"
    # Team profile media: "s3" keeps clips and thumbnails in the bucket (a local cache under cache_dir holds
    # what this workstation reads or writes); "local" keeps them under data_dir/media as the workstation does.
    media_store: Literal["local", "s3"] = "local"
    s3_bucket: str = Field(default="chronotrace-videos", pattern=r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
    s3_prefix: str = Field(default="media/", pattern=r"^([A-Za-z0-9._\-]+/)*$")
    s3_endpoint_url: str | None = None  # e.g. https://s3.eu-west-1.amazonaws.com or a MinIO/Ceph server
    s3_region: str | None = None
    s3_access_key_id: str | None = None  # the secret key is in the keyring (target: s3_endpoint_url)
    # Seconds (see DEFAULT_LOCK_TIMEOUT): a statement blocked on a lock longer fails with a plain message
    # instead of hanging the app; so does one that runs longer than the statement limit.
    database_lock_timeout: float = Field(default=DEFAULT_LOCK_TIMEOUT, gt=0, le=3600)
    database_statement_timeout: float = Field(default=DEFAULT_STATEMENT_TIMEOUT, gt=0, le=86400)

    log_level: str = "INFO"
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: float = Field(default=15.0, gt=0)
    # The desktop locks (panes hidden, password to come back) after this long without input; 0: never.
    idle_lock_minutes: float = Field(default=10.0, ge=0, le=24 * 60)
    # A password re-entered before a reveal or an unredacted export is good for this long (services.access.
    # reauth): the dialogs ask again for every reveal, so it only has to cover starting the operation.
    reauth_minutes: float = Field(default=5.0, gt=0, le=60)
    min_free_disk_mb: int = Field(default=2048, ge=0)
    # Seconds between detector runs on changing frames. 1 s keeps a passer-by from going unseen (and so
    # unblurred); 2 s ingests ~35 % faster but can miss someone who crosses the view in under 2 s.
    ingest_detect_interval: float = Field(default=1.0, ge=0.25, le=5.0)
    # Files ingested side by side; one per core up to two (each runs its own detector).
    ingest_workers: int = Field(default_factory=lambda: max(1, min(2, os.cpu_count() or 1)), ge=1, le=16)
    # After each file, read the recorder's clock burnt into the picture (a few seconds per video, at most 32
    # OCR calls): a video with no known start takes an unambiguous reading as its start.
    read_clock_at_ingest: bool = True
    # The frame rate assumed for a raw .h264/.265 stream that carries none (ingest --frame-rate overrides it);
    # unset: 25 fps. Either way the video records the assumption as a warning.
    raw_stream_fps: float | None = Field(default=None, gt=0, lt=1000)
    # Redacted clips and thumbnails blur heads and faces, or (upper_body) whole upper bodies as well.
    redaction_mode: RedactionMode = RedactionMode.HEADS
    # Database maintenance (services.housekeeping, issue 18): searches older than this many days are removed
    # (daily), and audit rows older than audit_archive_days move to audit_log_archive (monthly).
    search_retention_days: int = Field(default=90, ge=1, le=36500)
    audit_archive_days: int = Field(default=365, ge=30, le=36500)

    # Embedding engines beside the offline default (which always runs): "nova" (Amazon Nova multimodal
    # embeddings on Bedrock) and "clip" (a CLIP-style ONNX model in clip_model_dir). Each has its own vectors;
    # search fuses the engines that answer. Adding one later: chronotrace reembed --engine NAME.
    embedding_engines: list[Literal["nova", "clip"]] = Field(default_factory=list)
    nova_model_id: str = Field(
        default="amazon.nova-2-multimodal-embeddings-v1:0", min_length=1, max_length=200
    )
    nova_region: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    # An AWS profile in ~/.aws for Bedrock (else boto3's own chain: environment, instance role); or an
    # access key of its own: the id here, the secret in the keyring (bedrock-secret-access-key).
    nova_profile: str | None = Field(default=None, max_length=128)
    nova_access_key_id: str | None = Field(default=None, pattern=r"^[A-Z0-9]{16,128}$")
    nova_dimension: Literal[256, 384, 1024, 3072] = 1024
    # What Nova sees of a segment: its redacted rendition (default: no face leaves the site) or the original cut.
    nova_segment_source: Literal["redacted", "original"] = "redacted"
    clip_model_dir: str | None = None  # a folder with the image and text towers (ONNX) and the tokenizer

    # E-mail alerts for new high/critical anomalies (to each camera's recipients). No host: no e-mail; alerts
    # wait (pending) until one is set. The SMTP password, if the server wants one, is in the keyring
    # (secret "smtp-password" for the host); it is never sent without TLS.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "chronotrace@localhost"
    smtp_username: str | None = None
    # starttls | smtps | none (SmtpSecurity). smtp_ca_file: PEM certificates to trust instead of the system's
    # (a site's own CA). smtp_starttls is the older switch, still read: true = starttls, false = none, unless
    # smtp_security is set.
    smtp_security: SmtpSecurity = SmtpSecurity.STARTTLS
    smtp_ca_file: Path | None = None
    smtp_starttls: bool | None = None
    smtp_timeout: float = Field(default=10.0, gt=0, le=120)
    # A failed send is tried again after alert_retry_seconds, doubling each time (capped at an hour), at most
    # alert_max_attempts times; then it is marked failed (shown in the queue) until retried by hand.
    alert_max_attempts: int = Field(default=6, ge=1, le=50)
    alert_retry_seconds: float = Field(default=60.0, ge=0, le=3600)

    @field_validator("embedding_engines", mode="before")
    @classmethod
    def _engine_list(cls, value: object) -> object:
        """A list as it is, or text as typed at ``config set``: JSON (``["nova", "clip"]``), comma-separated
        names (``nova,clip``) or empty (none)."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not a JSON list of engine names ({exc.msg})") from None
        return [name.strip() for name in text.split(",") if name.strip()]

    @field_validator("bcrypt_rounds")
    @classmethod
    def _bcrypt_floor(cls, value: int) -> int:
        if value < MIN_BCRYPT_ROUNDS and os.environ.get(WEAK_BCRYPT_ENV) != "1":
            raise ValueError(f"bcrypt_rounds must be at least {MIN_BCRYPT_ROUNDS}")
        return value

    @field_validator("database_url")
    @classmethod
    def _no_password_in_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        if url.password or "password" in url.query:
            raise ValueError(
                "the database URL must not contain a password; store it in the keyring with "
                "'chronotrace config set-secret database-password'"
            )
        if not url.drivername.startswith("postgresql"):
            raise ValueError("only PostgreSQL URLs (postgresql://user@host:port/db) are supported")
        sslmode = url.query.get("sslmode")
        if sslmode is not None and sslmode not in SSLMODES:
            raise ValueError(f"sslmode must be one of {', '.join(SSLMODES)}")
        remote = [host for host in database_hosts(url.host, url.query) if not is_local_host(host)]
        if remote and sslmode in _CLEAR_SSLMODES:
            raise ValueError(
                f"sslmode={sslmode} could send the password and the case data in clear to {remote[0]}: "
                "a database on another machine needs sslmode=require (the default for one), verify-ca "
                "or verify-full"
            )
        return value

    @field_validator("qdrant_url", "s3_endpoint_url")
    @classmethod
    def _no_credentials_in_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Keys live in the keyring: a URL with one would put it in settings.json, logs and screens."""
        if value is None or not value.strip():
            return None
        parts = urlsplit(value)
        query = {key.lower().replace("-", "_") for key in parse_qs(parts.query)}
        if parts.username is not None or parts.password is not None or query & {"api_key", "key", "token"}:
            secret = "qdrant-api-key" if info.field_name == "qdrant_url" else "s3-secret-access-key"
            raise ValueError(
                f"{info.field_name} must not contain a user name, password or key; store the secret "
                f"in the keyring with 'chronotrace config set-secret {secret}'"
            )
        return value

    @field_validator("smtp_host", "smtp_from", "smtp_username")
    @classmethod
    def _one_line(cls, value: str | None, info: ValidationInfo) -> str | None:
        """These go into the SMTP envelope and headers: a line break there would add commands or headers."""
        if value is not None and control_character(value) is not None:
            raise ValueError(f"{info.field_name} must not contain a control character (such as a line break)")
        return value

    @model_validator(mode="after")
    def _older_starttls_switch(self) -> Settings:
        if self.smtp_starttls is not None and "smtp_security" not in self.model_fields_set:
            self.smtp_security = SmtpSecurity.STARTTLS if self.smtp_starttls else SmtpSecurity.NONE
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = _settings_file.get()
        if path is not None and path.is_file():
            return (init_settings, env_settings, JsonConfigSettingsSource(settings_cls, json_file=path))
        return (init_settings, env_settings)


def is_local_host(host: str | None) -> bool:
    """Whether a server at ``host`` is this machine: no host or a folder (a Unix socket), localhost, or a
    loopback address. Anything else is reached over a network, where secrets need TLS."""
    if not host or host.startswith(("/", "@")):
        return True
    name = host.strip().removeprefix("[").removesuffix("]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def database_hosts(host: str | None, query: Mapping[str, str | Sequence[str]]) -> list[str | None]:
    """Every host a PostgreSQL URL may connect to: its host part (libpq allows ``h1,h2``) and the ``host``
    and ``hostaddr`` parameters of its query; ``[None]`` when it names none (the default Unix socket)."""
    found: list[str | None] = [name for name in (host or "").split(",") if name]
    for key in ("host", "hostaddr"):
        given = query.get(key, ())
        for item in [given] if isinstance(given, str) else given:
            found.extend(name for name in item.split(",") if name)
    return found or [None]


@dataclass(frozen=True, slots=True)
class Paths:
    """Where one installation keeps its files."""

    data_dir: Path
    config_dir: Path
    cache_dir: Path
    log_dir: Path

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def postgres_dir(self) -> Path:
        return self.data_dir / "postgres"

    @property
    def vectors_dir(self) -> Path:
        return self.data_dir / "vectors"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def snapshots_dir(self) -> Path:
        return self.data_dir / "snapshots"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "chronotrace.log"

    def ensure(self) -> None:
        """Create the installation's folders, owner-only (0700): the OS account is the workstation's boundary.

        The data folder itself stays as it is when running as root: the embedded PostgreSQL then runs as a
        system account that must traverse it to its cluster (the wheel opens it so), and tightening it under a
        running server would cut the server off from its files. Its subfolders are owner-only regardless."""
        for folder in (self.data_dir, self.config_dir, self.cache_dir, self.log_dir, self.media_dir):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if folder != self.data_dir or os.name != "posix" or os.geteuid() != 0:
                owner_only(folder)


def owner_only(path: Path) -> None:
    """Take group and other permissions off ``path`` if this account owns it (POSIX; elsewhere a no-op)."""
    if os.name != "posix":
        return
    info = path.stat()
    if info.st_uid == os.geteuid() and info.st_mode & 0o077:
        path.chmod(info.st_mode & 0o700)


def resolve_paths(data_dir: Path | str | None = None) -> Paths:
    """The flag's folder, else ``CHRONOTRACE_DATA_DIR``, else the platform's per-user folders."""
    chosen = data_dir if data_dir is not None else os.environ.get(DATA_DIR_ENV) or None
    if chosen is not None:
        root = Path(chosen).expanduser().resolve()
        return Paths(
            data_dir=root, config_dir=root / "config", cache_dir=root / "cache", log_dir=root / "logs"
        )
    return Paths(
        data_dir=platformdirs.user_data_path(APP_NAME, APP_NAME),
        config_dir=platformdirs.user_config_path(APP_NAME, APP_NAME),
        cache_dir=platformdirs.user_cache_path(APP_NAME, APP_NAME),
        log_dir=platformdirs.user_log_path(APP_NAME, APP_NAME),
    )


@contextmanager
def _reading_file(path: Path) -> Iterator[None]:
    token = _settings_file.set(path)
    try:
        yield
    finally:
        _settings_file.reset(token)


def load_settings(paths: Paths, **overrides: Any) -> Settings:
    """Settings for the installation at ``paths``; ``overrides`` (flags) win over everything else."""
    given = {key: value for key, value in overrides.items() if value is not None}
    with _reading_file(paths.settings_file):
        return Settings(**given)


def read_settings_file(paths: Paths) -> dict[str, Any]:
    """What ``settings.json`` itself says (not the environment, not the defaults)."""
    try:
        values = json.loads(paths.settings_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    if not isinstance(values, dict):
        raise ValueError(f"{paths.settings_file} must hold a JSON object")
    return values


def update_settings_file(paths: Paths, changes: dict[str, Any]) -> Settings:
    """Change keys of ``settings.json`` (``None`` removes a key) and write it atomically.

    Only the file's own keys and ``changes`` are written: values that come from the environment or the
    defaults stay out of it. The result is validated first; no secret is ever a setting.
    """
    unknown = set(changes) - set(Settings.model_fields) | ({"data_dir"} & set(changes))
    if unknown:
        raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    values = {**read_settings_file(paths), **changes}
    values = {key: value for key, value in values.items() if value is not None}
    with _reading_file(Path(os.devnull)):
        validated = Settings(**values)
    stored = validated.model_dump(mode="json", include=set(values))
    paths.config_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = paths.settings_file.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    owner_only(tmp)
    tmp.replace(paths.settings_file)
    return load_settings(paths)


# ---------------------------------------------------------------- model files

MODELS_DIR_ENV = f"{ENV_PREFIX}MODELS_DIR"


def prefix_models_dir() -> Path:
    """``<sys.prefix>/share/chronotrace/models``: the development environment's (``make models``)."""
    return Path(sys.prefix) / "share" / "chronotrace" / "models"


def user_models_dir() -> Path:
    """The user's data folder's ``models`` (``~/.local/share/ChronoTrace/models`` on Linux): where
    ``chronotrace models install`` puts them for a pipx install or a bundle."""
    return platformdirs.user_data_path(APP_NAME, APP_NAME) / "models"


def models_dir() -> Path:
    """Where the model files are read from (whether or not they are there yet), the first of:
    ``$CHRONOTRACE_MODELS_DIR`` when set; ``prefix_models_dir()`` when that folder exists (a checkout's virtual
    environment, a system-wide install); ``user_models_dir()``. Not per installation: ``--data-dir`` installations
    on one machine share the models."""
    configured = os.environ.get(MODELS_DIR_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    prefix = prefix_models_dir()
    return prefix if prefix.is_dir() else user_models_dir()
