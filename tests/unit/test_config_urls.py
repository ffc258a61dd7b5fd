"""Issue 13 (Low): no credentials inside URLs, TLS to a remote PostgreSQL, Qdrant API keys only over https."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chronotrace_desktop.config import Settings, is_local_host
from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.storage.vectors import open_vector_index


@pytest.mark.parametrize(
    ("field", "url", "secret"),
    [
        ("qdrant_url", "https://ct:hunter2@qdrant.example.org:6333", "qdrant-api-key"),
        ("qdrant_url", "https://only-a-key@qdrant.example.org", "qdrant-api-key"),
        ("qdrant_url", "https://qdrant.example.org:6333/?api_key=abc", "qdrant-api-key"),
        (
            "s3_endpoint_url",
            "https://AKIAEXAMPLE:wJalrXUtnFEMI@minio.example.org:9000",
            "s3-secret-access-key",
        ),
        ("database_url", "postgresql://ct@db.example.org/ct?password=hunter2", "database-password"),
    ],
)
def test_credentials_inside_a_url_are_refused(field: str, url: str, secret: str) -> None:
    with pytest.raises(ValidationError, match=f"chronotrace config set-secret {secret}") as caught:
        Settings(**{field: url})
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://ct@db.example.org/ct?sslmode=disable",
        "postgresql://ct@db.example.org/ct?sslmode=allow",
        "postgresql://ct@10.0.0.7:5432/ct?sslmode=prefer",
        "postgresql://ct@localhost/ct?host=db.example.org&sslmode=disable",
        "postgresql://ct@localhost,db.example.org/ct?sslmode=prefer",
    ],
)
def test_a_remote_database_without_tls_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="sslmode=require"):
        Settings(database_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://ct@localhost/ct?sslmode=disable",
        "postgresql://ct@127.0.0.1:5432/ct?sslmode=prefer",
        "postgresql://ct@[::1]:5432/ct?sslmode=disable",
        "postgresql://ct@/ct?host=/var/run/postgresql&sslmode=disable",
        "postgresql://ct@db.example.org/ct?sslmode=verify-full",
        "postgresql://ct@db.example.org/ct",
    ],
)
def test_local_or_encrypted_database_urls_are_accepted(url: str) -> None:
    assert Settings(database_url=url).database_url == url


def test_an_unknown_sslmode_is_refused() -> None:
    with pytest.raises(ValidationError, match="sslmode"):
        Settings(database_url="postgresql://ct@localhost/ct?sslmode=sometimes")


@pytest.mark.parametrize(
    ("host", "local"),
    [
        (None, True),
        ("", True),
        ("/run/postgresql", True),
        ("localhost", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("db.example.org", False),
        ("10.0.0.7", False),
        ("localhost.example.org", False),
    ],
)
def test_which_hosts_are_local(host: str | None, local: bool) -> None:
    assert is_local_host(host) is local


def test_a_qdrant_api_key_is_never_sent_over_plain_http() -> None:
    with pytest.raises(EnvironmentProblemError, match="https://"):
        open_vector_index("server", url="http://qdrant.example.org:6333", api_key="k" * 32)
    # https, or no key at all: the client is built (it connects only when used)
    open_vector_index("server", url="https://qdrant.example.org:6333", api_key="k" * 32).close()
    open_vector_index("server", url="http://qdrant.example.org:6333", api_key=None).close()
    # a server on this machine: allowed (qdrant-client still warns)
    with pytest.warns(UserWarning, match="insecure"):
        open_vector_index("server", url="http://localhost:6333", api_key="k" * 32).close()
