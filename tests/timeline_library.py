"""A synthetic dated library for the timeline's tests and bench: video and segment rows through the ORM.

No media behind the rows (nothing plays them): what the timeline reads is rows only. Cameras ``SYN-01`` ...,
videos spread over ``days`` days from ``first``, each of ``segments`` segments of 15 s, activity drawn from
a seeded generator (people, vehicles, motion) so runs are repeatable. One camera in four has a recorder clock
offset (its videos' ``recorded_at`` is the corrected start).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from chronotrace_desktop.services.app import AppServices
from chronotrace_desktop.storage.orm import Video, VideoSegment

SEGMENT_S = 15
FIRST = datetime(2025, 3, 1)


@dataclass(frozen=True)
class Synthetic:
    video_ids: list[uuid.UUID]
    cameras: list[str]
    first: datetime
    last: datetime


def build_library(
    services: AppServices,
    *,
    videos: int = 500,
    cameras: int = 12,
    segments: int = 8,
    days: int = 30,
    first: datetime = FIRST,
    prefix: str = "SYN",
    seed: int = 16,
) -> Synthetic:
    rng = random.Random(seed)
    names = [f"{prefix}-{n + 1:02d}" for n in range(cameras)]
    video_rows: list[dict[str, object]] = []
    segment_rows: list[dict[str, object]] = []
    earliest, last = None, first
    per_camera = max(1, videos // cameras)
    for n in range(videos):
        camera = names[n % cameras]
        slot = (n // cameras) / per_camera  # spread each camera's videos evenly over the days
        start = first + timedelta(seconds=int(slot * days * 86400) + rng.randint(0, 3600))
        offset = 120.0 if names.index(camera) % 4 == 3 else None
        duration = segments * SEGMENT_S
        video_id = uuid.uuid4()
        video_rows.append(
            {
                "id": video_id,
                "filename": f"{camera.lower()}-{n:04d}.mp4",
                "original_path": f"synthetic/{camera}/{n:04d}.mp4",
                "duration_seconds": duration,
                "camera_id": camera,
                "recorded_at": start,
                "recorder_recorded_at": start - timedelta(seconds=offset or 0),
                "clock_offset_s": offset,
                "processing_status": "completed",
                "meta": {"synthetic": True},
            }
        )
        last = max(last, start + timedelta(seconds=duration))
        earliest = start if earliest is None else min(earliest, start)
        for index in range(segments):
            people = rng.choice([0, 0, 0, 1, 1, 2, 3, 5])
            vehicles = rng.choice([0, 0, 0, 0, 1, 2, 4])
            motion = rng.random() < 0.6
            segment_rows.append(
                {
                    "video_id": video_id,
                    "segment_index": index,
                    "start_time": Decimal(index * SEGMENT_S),
                    "end_time": Decimal((index + 1) * SEGMENT_S),
                    "camera_id": camera,
                    "people_count": people,
                    "vehicle_count": vehicles,
                    "has_vehicles": vehicles > 0,
                    "motion_detected": motion,
                    "activity_level": rng.choice(["low", "medium", "high"]) if motion else "low",
                }
            )
    with services.database.transaction() as session:
        for batch in range(0, len(video_rows), 1000):
            session.execute(sa.insert(Video), video_rows[batch : batch + 1000])
        for batch in range(0, len(segment_rows), 2000):
            session.execute(sa.insert(VideoSegment), segment_rows[batch : batch + 2000])
    return Synthetic([row["id"] for row in video_rows], names, earliest or first, last)  # type: ignore[misc]
