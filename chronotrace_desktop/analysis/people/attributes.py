"""What can be said about each detected person in one frame: gender, age group, posture, garment tags.

``PeopleAttributes.for_thread(models_dir).describe(image, people, faces)`` is called once per detector run.
Cost is bounded per frame (one core, measured here): faces are read only when at least ``min_face_px`` and
at most ``max_faces`` of them (largest first, one batch; about 35 ms each); ImageNet tags only for people at
least ``min_tag_px`` tall and at most ``max_tagged`` of them (tallest first, one batch, one crop each; about
6-9 ms each); the colour rules and the posture cost about 0.1 ms a person. With the defaults a frame costs
at most about 55 ms, 0.1 ms a person when everyone is small; over the labelled frames of
``eval/dev_person_attributes.json`` (43 frames, 84 people) 9.4 ms a person, 18.4 ms a frame.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.faces import head_region
from chronotrace_desktop.analysis.people.demographics import (
    MIN_FACE_PX,
    FaceDemographics,
    face_px,
)
from chronotrace_desktop.analysis.people.posture import posture
from chronotrace_desktop.analysis.people.tags import (
    CropTagger,
    colour_tags,
    crop_region,
    imagenet_tags,
    rule_regions,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import numpy as np

    from chronotrace_desktop.domain.analysis import AgeGroup, Gender, Posture
    from chronotrace_desktop.domain.media import Box

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PersonLook:
    """One person in one frame. ``None`` / empty: not seen well enough to say (never "no")."""

    gender: Gender | None = None
    gender_score: float | None = None  # the model's probability of that gender
    age: AgeGroup | None = None
    age_score: float | None = None  # summed probability of the group's age buckets
    posture: Posture | None = None
    tags: tuple[str, ...] = ()
    face: Box | None = None  # the face box assigned to this person, if any


@dataclass(frozen=True, slots=True)
class PeopleConfig:
    min_face_px: float = MIN_FACE_PX  # smaller faces are not read at all
    max_faces: int = 1  # ~35 ms each
    min_tag_px: float = 100.0  # person box height for ImageNet tags
    max_tagged: int = 2  # ~6-9 ms each
    min_colour_px: float = 40.0  # person box height for the hi-vis and hat colour rules


def assign_faces(people: Sequence[Box], faces: Sequence[Box]) -> list[Box | None]:
    """For each person, the face whose centre lies in its head region (largest faces first, each once)."""
    assigned: list[Box | None] = [None] * len(people)
    heads = [head_region(person) for person in people]
    for face in sorted(faces, key=lambda f: -f.w * f.h):
        cx, cy = face.centre
        best: tuple[float, int] | None = None
        for index, (person, head) in enumerate(zip(people, heads, strict=True)):
            if head.contains(cx, cy) and assigned[index] is None:
                distance = abs(person.centre[0] - cx) + abs(person.y - cy)
                if best is None or distance < best[0]:
                    best = (distance, index)
        if best is not None:
            assigned[best[1]] = face
    return assigned


@dataclass(slots=True)
class PeopleAttributes:
    """The per-thread models and the per-frame caps. Not shared between threads (use ``for_thread``)."""

    faces_model: FaceDemographics
    tagger: CropTagger
    config: PeopleConfig = field(default_factory=PeopleConfig)

    @classmethod
    def for_thread(
        cls, models_dir: Path | None = None, config: PeopleConfig | None = None
    ) -> PeopleAttributes:
        """The calling thread's models (``ModelsMissingError`` names the missing file and the fix)."""
        return cls(
            FaceDemographics.for_thread(models_dir),
            CropTagger.for_thread(models_dir),
            config or PeopleConfig(),
        )

    def describe(
        self, image: np.ndarray, people: Sequence[Box], faces: Sequence[Box] = ()
    ) -> list[PersonLook]:
        """One ``PersonLook`` per person box (same order) of a BGR frame; boxes are normalised."""
        if not people:
            return []
        height, width = image.shape[:2]
        cfg = self.config
        face_of = assign_faces(people, faces)
        sized = [(i, f, face_px(image, f)) for i, f in enumerate(face_of) if f is not None]
        readable = sorted((item for item in sized if item[2] >= cfg.min_face_px), key=lambda item: -item[2])
        readable = readable[: cfg.max_faces]
        read = self.faces_model.read(image, [face for _, face, _ in readable])
        readings = {index: reading for (index, _, _), reading in zip(readable, read, strict=True)}
        boxes_px = [(p.x * width, p.y * height, p.w * width, p.h * height) for p in people]
        regions = rule_regions()
        tall: list[int] = []
        crops: list[np.ndarray] = []
        for index in sorted(range(len(people)), key=lambda i: -boxes_px[i][3]):
            if len(tall) >= cfg.max_tagged or boxes_px[index][3] < cfg.min_tag_px:
                break
            parts = [crop_region(image, boxes_px[index], region) for region in regions]
            if all(part.size for part in parts):
                tall.append(index)
                crops.extend(parts)
        probabilities = self.tagger.probabilities(crops)
        looks = []
        for index, person in enumerate(people):
            tags: list[str] = []
            if boxes_px[index][3] >= cfg.min_colour_px:
                tags.extend(colour_tags(image, boxes_px[index]))
            if index in tall:
                row = tall.index(index) * len(regions)
                tags.extend(imagenet_tags({r: probabilities[row + k] for k, r in enumerate(regions)}))
            gender, gender_score, age, age_score = None, None, None, None
            if index in readings:
                gender, gender_score = readings[index].gender
                age, age_score = readings[index].age
            looks.append(
                PersonLook(
                    gender,
                    gender_score,
                    age,
                    age_score,
                    posture(person, width, height),
                    tuple(sorted(set(tags))),
                    face_of[index],
                )
            )
        return looks
