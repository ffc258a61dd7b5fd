"""How well "find this person elsewhere" ranks the same person's other tracks (``chronotrace eval-appearance``).

Labels (``eval/appearance/*.json``): ``{"people": [{"identity", "clip", "t", "box": [x, y, w, h]}, ...]}``, a
moment and a normalised box of one person per entry. Each entry is resolved to the stored track under that box
at that moment (as a click in the player is); entries resolving to the same track are one, and a track
labelled as two people is left out (the tracker switched identities in it). A labelled track is a query
when its identity has another labelled track; the relevant answers are those other tracks.

Metrics per query, averaged: ``rank1`` and ``rank5`` (a relevant track among the first 1 / 5 matches, the
cumulative match characteristic of re-identification), ``recall5`` (share of the relevant tracks in the first
5) and ``ap`` (average precision over the first ``limit``; mean = mAP). Two rankings are judged:
``labelled`` keeps only labelled tracks (unlabelled ones may be the same person and are not judged);
``open`` keeps every track, an unlabelled one counting as wrong (a lower bound).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.appearance import AppearanceQuery, TrackRef
from chronotrace_desktop.domain.errors import InvalidInputError, NotFoundError
from chronotrace_desktop.domain.media import Box
from chronotrace_desktop.storage.orm import Video, VideoSegment

if TYPE_CHECKING:
    import uuid
    from pathlib import Path

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.appearance.service import AppearanceService
    from chronotrace_desktop.storage.database import Database

APPEARANCE_METRICS = ("rank1", "rank5", "recall5", "ap")


@dataclass(frozen=True, slots=True)
class PersonLabel:
    identity: str
    clip: str
    t: float
    box: Box


def _label(entry: dict[str, Any]) -> PersonLabel:
    x, y, w, h = (float(v) for v in entry["box"])
    return PersonLabel(
        str(entry["identity"]), str(entry["clip"]), float(entry["t"]), Box(x, y, w, h, "person")
    )


def load_person_labels(path: Path) -> list[PersonLabel]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [_label(entry) for entry in data["people"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInputError(f"{path}: not an appearance label file ({exc})") from exc


def _segment_at(database: Database, clip: str, t: float) -> tuple[uuid.UUID, float] | None:
    """The segment of the live video named ``clip`` holding ``t``, and ``t`` from the segment's start."""
    with database.transaction() as session:
        row = session.execute(
            sa.select(VideoSegment.id, VideoSegment.start_time)
            .join(Video, Video.id == VideoSegment.video_id)
            .where(
                Video.filename == clip,
                Video.deleted_at.is_(None),
                VideoSegment.start_time <= t,
                VideoSegment.end_time > t,
            )
            .order_by(Video.uploaded_at.desc())
        ).first()
    if row is None:
        return None
    return row.id, t - float(row.start_time)


def _ap(ranked: list[bool], relevant: int) -> float:
    hits = 0
    total = 0.0
    for position, good in enumerate(ranked, start=1):
        if good:
            hits += 1
            total += hits / position
    return total / relevant if relevant else 0.0


def _scores(ranked: list[bool], relevant: int) -> dict[str, float]:
    return {
        "rank1": float(any(ranked[:1])),
        "rank5": float(any(ranked[:5])),
        "recall5": sum(ranked[:5]) / relevant,
        "ap": _ap(ranked, relevant),
    }


def evaluate_appearance(
    service: AppearanceService, database: Database, actor: Actor, labels: list[PersonLabel], limit: int = 50
) -> dict[str, Any]:
    """``{"overall": {"labelled": {...}, "open": {...}}, "queries": [...], "unresolved": [...]}``."""
    identity_of: dict[uuid.UUID, str] = {}
    names: dict[uuid.UUID, str] = {}
    unresolved: list[str] = []
    conflicts: set[uuid.UUID] = set()
    for label in labels:
        found = _segment_at(database, label.clip, label.t)
        try:
            if found is None:
                raise NotFoundError("clip or time not in the library")
            picked = service.track_at(actor, found[0], found[1], label.box)
        except NotFoundError as exc:
            unresolved.append(f"{label.identity} in {label.clip} at {label.t:g} s: {exc}")
            continue
        held = identity_of.setdefault(picked.track.track_id, label.identity)
        if held != label.identity:  # the tracker joined two people: a track of nobody in particular
            conflicts.add(picked.track.track_id)
        names[picked.track.track_id] = f"{label.clip}#{picked.track.track_key}"
    for track_id in conflicts:
        unresolved.append(f"{names[track_id]}: labelled as two people (an identity switch); left out")
        identity_of.pop(track_id)
    per_query: list[dict[str, Any]] = []
    for track_id, identity in identity_of.items():
        relevant = sum(1 for other, who in identity_of.items() if who == identity and other != track_id)
        if relevant == 0:
            continue
        try:
            _, matches = service.similar_tracks(
                actor, AppearanceQuery(TrackRef(track_id=track_id), limit=limit)
            )
        except NotFoundError as exc:
            unresolved.append(f"{names[track_id]}: {exc}")
            continue
        opened = [identity_of.get(m.track.track_id) == identity for m in matches]
        judged = [
            identity_of[m.track.track_id] == identity for m in matches if m.track.track_id in identity_of
        ]
        per_query.append(
            {
                "query": names[track_id],
                "identity": identity,
                "relevant": relevant,
                "labelled": _scores(judged, relevant),
                "open": _scores(opened, relevant),
                "top": [
                    names.get(m.track.track_id, f"(unlabelled) {m.track.track_key}") for m in matches[:5]
                ],
            }
        )
    overall = {
        kind: {
            metric: (sum(q[kind][metric] for q in per_query) / len(per_query)) if per_query else 0.0
            for metric in APPEARANCE_METRICS
        }
        for kind in ("labelled", "open")
    }
    return {"overall": overall, "queries": per_query, "unresolved": unresolved, "tracks": len(identity_of)}
