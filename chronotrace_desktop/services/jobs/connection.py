"""procrastinate's psycopg connector for the installation's database, with the signed-in login's credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import procrastinate

if TYPE_CHECKING:
    from chronotrace_desktop.storage.database import Database

TASK_NAME = "chronotrace.ingest_file"
QUEUE = "ingest"


def connection_kwargs(database: Database) -> dict[str, Any]:
    """psycopg connection parameters of ``database``'s engine (its URL holds the keyring's password)."""
    url = database.engine.url
    params: dict[str, Any] = {
        key: value
        for key, value in url.translate_connect_args(database="dbname", username="user").items()
        if value is not None
    }
    params.update({key: value for key, value in url.query.items() if isinstance(value, str)})
    params.setdefault("connect_timeout", 10)
    params["application_name"] = "chronotrace-queue"
    return params


def queue_app(database: Database, *, pool_size: int = 1) -> procrastinate.App:
    """An App on ``database`` (open it with ``app.open()`` or ``app.open_async()``)."""
    connector = procrastinate.PsycopgConnector(
        kwargs=connection_kwargs(database), min_size=1, max_size=max(1, pool_size)
    )
    return procrastinate.App(connector=connector)
