"""How the API server is run: address, TLS, CORS and body limits. Safe defaults: loopback, no CORS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import InvalidInputError

if TYPE_CHECKING:
    from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8600
MAX_JSON_BYTES = 1 << 20  # a search or a status change is a few hundred bytes
MAX_UPLOAD_BYTES = 8 << 30  # one uploaded video file


@dataclass(frozen=True, slots=True)
class ApiSettings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    certfile: Path | None = None
    keyfile: Path | None = None
    cors_origins: tuple[str, ...] = ()
    # Proxies whose X-Forwarded-For is believed (a reverse proxy terminating TLS); none by default, so a
    # client cannot write another address into the audit log.
    forwarded_allow_ips: tuple[str, ...] = ()
    ingest_roots: tuple[Path, ...] = ()  # folders whose files a key may ingest by path (none: off)
    max_upload_bytes: int = MAX_UPLOAD_BYTES

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise InvalidInputError(f"the port must be between 1 and 65535, not {self.port}")
        if (self.certfile is None) != (self.keyfile is None):
            raise InvalidInputError("TLS needs both --certfile and --keyfile")
        for path in (self.certfile, self.keyfile):
            if path is not None and not path.is_file():
                raise InvalidInputError(f"no such file: {path}")
        if self.max_upload_bytes < 1:
            raise InvalidInputError("the upload limit is at least one byte")
        for root in self.ingest_roots:
            if not root.is_dir():
                raise InvalidInputError(f"no such folder to ingest from: {root}")

    @property
    def tls(self) -> bool:
        return self.certfile is not None
