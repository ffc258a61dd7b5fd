"""Measuring the scene cues on the ingested shared clips: ``chronotrace eval-scene LABELS.json``.

The label file (``eval/dev_scene.json``) gives, per video, what a person sees there: ``setting`` (indoor or
outdoor), ``place`` (parking, street, sports hall...) and ``surfaces`` (grass, road...), each optional; a
field left out is unknown and not scored (a drone montage has many places). For every stored segment of a
labelled video, each cue the analysis set is judged against the video's label: precision per value is
right / said, and "said" counts only segments whose video has that field labelled. Coverage is the share
of labelled segments the cue was set on at all. Nothing is written; reading needs the search permission.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.storage.orm import Video, VideoSegment

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import Authorizer
    from chronotrace_desktop.storage.database import Database

CUES = ("setting", "place", "surfaces")


@dataclass(slots=True)
class ValueScore:
    cue: str
    value: str
    said: int = 0
    right: int = 0

    @property
    def precision(self) -> float | None:
        return self.right / self.said if self.said else None


@dataclass(frozen=True, slots=True)
class SceneReport:
    scores: tuple[ValueScore, ...]
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)  # cue -> (segments set, labelled)

    def as_json(self) -> dict[str, Any]:
        return {
            "scores": [
                {"cue": s.cue, "value": s.value, "said": s.said, "right": s.right, "precision": s.precision}
                for s in self.scores
            ],
            "coverage": {cue: {"set": a, "labelled": b} for cue, (a, b) in self.coverage.items()},
        }


def load_scene_labels(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        videos = {str(v["filename"]): {c: v[c] for c in CUES if c in v} for v in data["videos"]}
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInputError(f"{path} is not a scene label file: {exc!r}") from exc
    return videos


def evaluate_scene(database: Database, authorizer: Authorizer, actor: Actor, path: Path) -> SceneReport:
    authorizer.require(actor, Action.SEARCH, resource_type="segment")
    labels = load_scene_labels(path)
    with database.transaction() as session:
        rows = session.execute(
            sa.select(Video.filename, VideoSegment.meta["scene"])
            .join(Video, Video.id == VideoSegment.video_id)
            .where(Video.deleted_at.is_(None), Video.filename.in_(list(labels)))
        ).all()
    scores: dict[tuple[str, str], ValueScore] = {}
    coverage: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for filename, scene in rows:
        truth = labels[filename]
        scene = scene or {}
        for cue in CUES:
            if cue not in truth:
                continue
            said = scene.get(cue)
            values = [str(v) for v in said] if isinstance(said, list) else ([str(said)] if said else [])
            coverage[cue][1] += 1
            coverage[cue][0] += 1 if values else 0
            expected = truth[cue] if isinstance(truth[cue], list) else [truth[cue]]
            for value in values:
                score = scores.setdefault((cue, value), ValueScore(cue, value))
                score.said += 1
                score.right += 1 if value in expected else 0
    ordered = tuple(scores[k] for k in sorted(scores))
    return SceneReport(ordered, {cue: (a, b) for cue, (a, b) in coverage.items()})
