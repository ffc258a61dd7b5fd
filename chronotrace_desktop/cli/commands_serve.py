"""``chronotrace serve [--host 127.0.0.1] [--port 8600] [--certfile F --keyfile F] [--cors-origin O]...``: the
integration API (FastAPI on uvicorn) for video management systems and case tools, authenticated by API keys.

Loopback only unless ``--host`` says otherwise; TLS when a certificate is given (or run it behind a reverse proxy
that terminates TLS, and name that proxy with ``--forwarded-allow-ips`` so the audit log keeps the client's real
address); no access log (a key could ride in a URL), CORS off unless origins are named.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.api.settings import DEFAULT_HOST, DEFAULT_PORT, MAX_UPLOAD_BYTES, ApiSettings
from chronotrace_desktop.domain.errors import ExitCode

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext

logger = logging.getLogger(__name__)


def register(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the integration API (HTTP, API keys)")
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST}: loopback)"
    )
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})")
    serve.add_argument("--certfile", type=Path, metavar="F", help="TLS certificate (PEM); needs --keyfile")
    serve.add_argument("--keyfile", type=Path, metavar="F", help="TLS private key (PEM)")
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="O",
        help="allow browser calls from O (repeatable)",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        action="append",
        default=[],
        metavar="IP",
        help="a reverse proxy whose X-Forwarded-For is believed (repeatable; none by default)",
    )
    serve.add_argument(
        "--ingest-root",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="let keys with write:videos ingest files under DIR by path (repeatable; none by default)",
    )
    serve.add_argument(
        "--max-upload-mb",
        type=int,
        default=MAX_UPLOAD_BYTES >> 20,
        metavar="N",
        help=f"largest video file accepted by upload, in MiB (default {MAX_UPLOAD_BYTES >> 20})",
    )
    serve.add_argument(
        "--write-openapi", type=Path, metavar="FILE", help="write the OpenAPI document to FILE and exit"
    )
    serve.set_defaults(handler=run_serve)


def run_serve(ctx: CliContext) -> ExitCode:
    import uvicorn  # only this command needs the server (and FastAPI): other commands start faster

    from chronotrace_desktop.api import create_app, render_openapi

    args = ctx.args
    if args.write_openapi is not None:
        args.write_openapi.write_text(render_openapi(), encoding="utf-8")
        print(f"OpenAPI document written to {args.write_openapi}")
        return ExitCode.OK
    settings = ApiSettings(
        host=args.host,
        port=args.port,
        certfile=args.certfile,
        keyfile=args.keyfile,
        cors_origins=tuple(args.cors_origin),
        forwarded_allow_ips=tuple(args.forwarded_allow_ips),
        ingest_roots=tuple(args.ingest_root),
        max_upload_bytes=args.max_upload_mb << 20,
    )
    app = create_app(
        ctx.services(),
        cors_origins=settings.cors_origins,
        ingest_roots=settings.ingest_roots,
        max_upload_bytes=settings.max_upload_bytes,
    )
    scheme = "https" if settings.tls else "http"
    logger.info("serving the integration API on %s://%s:%d", scheme, settings.host, settings.port)
    print(f"ChronoTrace API on {scheme}://{settings.host}:{settings.port}/v1 (Ctrl+C stops)", flush=True)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        ssl_certfile=str(settings.certfile) if settings.certfile else None,
        ssl_keyfile=str(settings.keyfile) if settings.keyfile else None,
        log_config=None,  # the application's own logging (file and stderr), not uvicorn's
        access_log=False,  # request lines are in the audit log; a URL could carry a key
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=list(settings.forwarded_allow_ips) or None,
        server_header=False,
    )
    return ExitCode.OK
