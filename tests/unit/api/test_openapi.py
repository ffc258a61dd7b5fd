"""The committed OpenAPI document is the one the app serves; it documents the problem bodies, not FastAPI's 422."""

from __future__ import annotations

import json
from pathlib import Path

from chronotrace_desktop.api import render_openapi
from chronotrace_desktop.api.problems import PROBLEM_JSON

COMMITTED = Path(__file__).parents[3] / "docs" / "openapi.json"


def test_the_committed_document_is_the_generated_one() -> None:
    # On a change of the API: chronotrace serve --write-openapi docs/openapi.json
    assert COMMITTED.read_text(encoding="utf-8") == render_openapi()


def test_keyed_endpoints_document_their_problems_and_security() -> None:
    document = json.loads(render_openapi())
    assert set(document["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyHeader"}
    for path, operations in document["paths"].items():
        for operation in operations.values():
            responses = operation["responses"]
            assert "422" not in responses, path
            if path == "/v1/health":
                assert "security" not in operation
                continue
            assert operation["security"], path
            for status in ("400", "401", "403", "404", "429"):
                assert PROBLEM_JSON in responses[status]["content"], (path, status)
