"""The anomaly queue: list (``read:videos``) and move one through the review workflow (``write:videos``; the
service's role rules apply: analysts and administrators triage, notes to close or reopen). No ``from __future__
import annotations``: FastAPI reads the signatures at run time."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from chronotrace_desktop.api.gate import ReadVideos, WriteVideos
from chronotrace_desktop.api.routers.deps import Services
from chronotrace_desktop.domain.anomalies import AnomalyStatus, AnomalyType, Severity
from chronotrace_desktop.services.anomalies import MAX_LIST, AnomalyFilter

router = APIRouter(tags=["anomalies"])


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: AnomalyStatus
    note: str | None = Field(None, max_length=2000)


@router.get("/anomalies", summary="Anomalies, newest first")
def list_anomalies(
    actor: ReadVideos,
    services: Services,
    status: Annotated[list[AnomalyStatus] | None, Query()] = None,
    severity: Annotated[list[Severity] | None, Query()] = None,
    type: Annotated[list[AnomalyType] | None, Query()] = None,
    camera_id: Annotated[str | None, Query(max_length=100)] = None,
    video_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 200,
) -> dict[str, Any]:
    wanted = AnomalyFilter(
        statuses=tuple(status or ()),
        severities=tuple(severity or ()),
        types=tuple(type or ()),
        camera_id=camera_id,
        video_id=video_id,
        limit=limit,
    )
    items = services.anomalies.list_anomalies(actor, wanted)
    return {"items": [a.as_json() for a in items], "limit": limit}


@router.patch("/anomalies/{anomaly_id}", summary="Change an anomaly's review status")
def change_anomaly(
    anomaly_id: uuid.UUID,
    body: StatusChange,
    actor: WriteVideos,
    services: Services,
) -> dict[str, Any]:
    return services.anomalies.set_status(actor, anomaly_id, body.status, body.note).as_json()
