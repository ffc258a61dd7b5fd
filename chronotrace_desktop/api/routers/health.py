"""``GET /v1/health``: no key; says only that the server answers (no version, no paths, no counts)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/health", summary="Is the server up")
def health() -> dict[str, str]:
    return {"status": "ok"}
