"""The integration API as a client meets it: ``chronotrace serve`` in its own process on a free port, over the
real database, called with httpx."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from chronotrace_desktop.api.problems import PROBLEM_JSON
from tests.integration.conftest import Installation, new_installation, wait_for_port

pytestmark = [pytest.mark.server_pg, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    installation: Installation
    client: httpx.Client


def release_vector_files(installation: Installation) -> None:
    """The server process opens the vector store (one process at a time on a data folder): the test's own
    services keep only the database (users, keys, reading the audit log). Closing twice is harmless."""
    services = installation.services
    services.engine_indexes.close()
    services.appearance.close()
    services.vectors.close()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with new_installation("server") as installation:
        release_vector_files(installation)
        port = free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "chronotrace_desktop",
                "--data-dir",
                str(installation.data_dir),
                "serve",
                "--port",
                str(port),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=dict(os.environ),
        )
        try:
            try:
                wait_for_port(port, process, "chronotrace serve", timeout=60)
            except AssertionError:
                assert process.stderr is not None
                raise AssertionError(process.stderr.read().decode(errors="replace")) from None
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                yield Server(installation, client)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stderr is not None:
                process.stderr.close()


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "instance"} <= set(body)
    assert body["instance"] == response.request.url.path
    return body


def test_health_answers_without_a_key_and_says_nothing_more(server: Server) -> None:
    response = server.client.get("/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(response.headers["x-request-id"]) == 32
    assert "server" not in response.headers


def test_no_key_is_401_problem_json(server: Server) -> None:
    response = server.client.get("/v1/videos")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["x-request-id"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer ct_live_notakey0000000000000000000000000000000"},
        {"X-API-Key": "ct_live_notakey0000000000000000000000000000000"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
)
def test_unknown_key_is_401(server: Server, headers: dict[str, str]) -> None:
    assert_problem(server.client.get("/v1/videos", headers=headers), 401)


def test_unknown_route_is_404_problem_json(server: Server) -> None:
    assert_problem(server.client.get("/v1/nothing-here"), 404)


def test_a_body_over_the_cap_is_413(server: Server) -> None:
    response = server.client.post(
        "/v1/searches", content=b"x" * (1024 * 1024 + 1), headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413)
    assert response.headers["x-request-id"]


def test_each_request_gets_its_own_id(server: Server) -> None:
    ids = {server.client.get("/v1/health").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3
