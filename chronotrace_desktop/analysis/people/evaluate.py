"""``measure_person_attributes(labels.json)``: precision and support of every people attribute on labelled crops.

The labels (``eval/dev_person_attributes.json``) name a clip, a time and a person box in pixels of the frame
as the ingest samples it (display aspect, long side at most 640 px); frames are decoded here with PyAV the
same way. Each crop is described with the labelled person and face boxes (what the detectors would pass),
and every value the code returns is checked against the label: ``said`` crops got the value, ``right`` of
them are labelled so, ``support`` crops are labelled so (among those that could be scored), ``people`` is the
number of distinct labelled persons behind the right ones. ``sweeps`` and ``face_floors`` re-derive the
floors: a value is kept at the lowest floor of a grid where its precision is at least 0.8 with at least 3
right crops and at most 1 in 5 of the crops labelled otherwise get it (precision alone rewards a model that
says the majority value to everyone).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import av
import numpy as np

from chronotrace_desktop.analysis.people.attributes import PeopleAttributes, PeopleConfig
from chronotrace_desktop.analysis.people.demographics import (
    FEMALE_MIN_SCORE,
    MIN_FACE_PX,
    FaceDemographics,
)
from chronotrace_desktop.analysis.people.posture import posture
from chronotrace_desktop.analysis.people.tags import (
    CANDIDATE_CLASSES,
    PERSON_TAGS,
    REGIONS,
    CropTagger,
    colour_tags,
    crop_region,
    hat_share,
    hivis_share,
    imagenet_tags,
)
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.media import Box

if TYPE_CHECKING:
    from pathlib import Path

MIN_PRECISION = 0.8
MIN_RIGHT = 3
MAX_FALSE_RATE = 0.2
SWEEP_FLOORS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7)
FACE_FLOORS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
FACE_SIZES = (12, 16, 20, 24, 32, 48)
MAX_SIDE = 640


@dataclass(frozen=True, slots=True)
class Score:
    attribute: str  # gender, age, posture, tag
    value: str
    said: int
    right: int
    support: int
    people: int

    @property
    def precision(self) -> float | None:
        return self.right / self.said if self.said else None


@dataclass(frozen=True, slots=True)
class TagSweep:
    tag: str
    region: str
    floor: float | None  # None: no floor of the grid reached the bar
    said: int
    right: int
    people: int
    negatives: int


@dataclass(frozen=True, slots=True)
class FloorPoint:
    """Crops given ``value`` (gender or age group) if its model score had to be at least ``floor``."""

    value: str
    floor: float
    said: int
    right: int
    people: int
    negatives: (
        int  # faces labelled with another value (the false-positive rate is (said - right) / negatives)
    )


@dataclass(frozen=True, slots=True)
class PeopleReport:
    crops: int
    people: int
    scores: tuple[Score, ...]
    sweeps: tuple[TagSweep, ...]
    face_floors: tuple[FloorPoint, ...]  # faces of at least MIN_FACE_PX
    female_by_face_px: tuple[tuple[int, int, int], ...]  # (min face px, said, right) at FEMALE_MIN_SCORE
    ms_per_person: float

    def as_json(self) -> dict[str, Any]:
        return {
            "crops": self.crops,
            "people": self.people,
            "scores": [{**asdict(s), "precision": s.precision} for s in self.scores],
            "sweeps": [asdict(s) for s in self.sweeps],
            "face_floors": [asdict(p) for p in self.face_floors],
            "female_by_face_px": [list(row) for row in self.female_by_face_px],
            "ms_per_person": round(self.ms_per_person, 2),
        }


@dataclass(slots=True)
class _Crop:
    label: dict[str, Any]
    image: np.ndarray
    box: Box
    face: Box | None


def load_labels(path: Path, videos_dir: Path | None = None) -> tuple[list[dict[str, Any]], Path]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InvalidInputError(f"cannot read the people labels {path}: {error}") from error
    crops = data.get("crops") if isinstance(data, dict) else None
    if not isinstance(crops, list) or not crops:
        raise InvalidInputError(f"{path}: expected {{'crops': [...]}} with at least one crop")
    folder = (
        videos_dir if videos_dir is not None else (path.parent / str(data.get("videos_dir", "."))).resolve()
    )
    return crops, folder


def read_frames(path: Path, times: set[float]) -> dict[float, np.ndarray]:
    """BGR frames at display aspect (long side <= 640) at the first frame at or after each time."""
    wanted = sorted(times)
    found: dict[float, np.ndarray] = {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        sar = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
        for frame in container.decode(stream):
            if frame.pts is None or stream.time_base is None:
                continue
            t = float(frame.pts * stream.time_base)
            due = [w for w in wanted if w not in found and t >= w - 0.02]
            if due:
                display_w = frame.width * float(sar) if sar and sar > 0 else float(frame.width)
                scale = min(1.0, MAX_SIDE / max(display_w, frame.height))
                size = (max(2, round(display_w * scale)), max(2, round(frame.height * scale)))
                if size == (frame.width, frame.height):
                    image = frame.to_ndarray(format="bgr24")
                else:
                    image = frame.reformat(
                        width=size[0], height=size[1], format="bgr24", interpolation="AREA"
                    ).to_ndarray()
                for w in due:
                    found[w] = np.ascontiguousarray(image)
            if len(found) == len(wanted):
                break
    missing = [w for w in wanted if w not in found]
    if missing:
        raise InvalidInputError(f"{path.name} has no frame at {missing[0]} s")
    return found


def _norm(box: list[float], width: int, height: int, label: str) -> Box:
    x, y, w, h = (float(v) for v in box)
    return Box(x / width, y / height, w / width, h / height, label)


def _crops(labels: list[dict[str, Any]], videos_dir: Path) -> list[_Crop]:
    times: dict[str, set[float]] = defaultdict(set)
    for label in labels:
        times[label["video"]].add(float(label["t"]))
    frames = {video: read_frames(videos_dir / video, ts) for video, ts in times.items()}
    crops = []
    for label in labels:
        image = frames[label["video"]][float(label["t"])]
        height, width = image.shape[:2]
        face = label.get("face_box")
        crops.append(
            _Crop(
                label,
                image,
                _norm(label["box"], width, height, "person"),
                _norm(face, width, height, "face") if face else None,
            )
        )
    return crops


def _score(attribute: str, pairs: list[tuple[str | None, str | None, str]]) -> list[Score]:
    """``pairs``: (said, labelled, person) for every scorable crop."""
    values = sorted({v for s, t, _ in pairs for v in (s, t) if v is not None})
    out = []
    for value in values:
        said = [p for p in pairs if p[0] == value]
        right = [p for p in said if p[1] == value]
        support = sum(1 for p in pairs if p[1] == value)
        out.append(Score(attribute, value, len(said), len(right), support, len({p[2] for p in right})))
    return out


def _sweep(tag: str, region: str, scores: list[float], crops: list[_Crop], min_px: float) -> TagSweep:
    usable = [
        (score, tag in c.label["tags"], c.label.get("person", ""))
        for score, c in zip(scores, crops, strict=True)
        if tag not in c.label.get("unsure_tags", ()) and c.label["box"][3] >= min_px
    ]
    negatives = sum(1 for u in usable if not u[1])
    for floor in SWEEP_FLOORS:
        said = [u for u in usable if u[0] >= floor]
        right = [u for u in said if u[1]]
        if passes(len(said), len(right), negatives):
            return TagSweep(tag, region, floor, len(said), len(right), len({u[2] for u in right}), negatives)
    return TagSweep(tag, region, None, 0, 0, 0, negatives)


def passes(said: int, right: int, negatives: int) -> bool:
    """The bar every returned value met on the labelled crops."""
    wrong = said - right
    return right >= MIN_RIGHT and right >= MIN_PRECISION * said and wrong <= MAX_FALSE_RATE * negatives


def measure_person_attributes(
    path: Path, *, videos_dir: Path | None = None, models_dir: Path | None = None
) -> PeopleReport:
    """Score every attribute of ``analysis.people`` on the labelled crops of ``path``."""
    labels, folder = load_labels(path, videos_dir)
    crops = _crops(labels, folder)
    cfg = PeopleConfig()
    demographics = FaceDemographics.for_thread(models_dir)
    tagger = CropTagger.for_thread(models_dir)
    genders: list[tuple[str | None, str | None, str]] = []
    ages: list[tuple[str | None, str | None, str]] = []
    postures: list[tuple[str | None, str | None, str]] = []
    tag_pairs: dict[str, list[tuple[str | None, str | None, str]]] = defaultdict(list)
    region_scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    female_faces: list[tuple[float, bool | None, bool]] = []  # (face px, labelled female, said female)
    face_scores: list[tuple[str, float, str, str]] = []  # (value, model score, labelled value, person)
    floor_female = FEMALE_MIN_SCORE if FEMALE_MIN_SCORE is not None else 2.0
    for crop in crops:
        label, image = crop.label, crop.image
        person = str(label.get("person", f"{label['video']}@{label['t']}"))
        height, width = image.shape[:2]
        box_px = (crop.box.x * width, crop.box.y * height, crop.box.w * width, crop.box.h * height)
        if label.get("posture") is not None:
            said_posture = posture(crop.box, width, height)
            postures.append((said_posture.value if said_posture else None, label["posture"], person))
        if crop.face is not None:
            (reading,) = demographics.read(image, [crop.face])
            gender, _ = reading.gender
            age, _ = reading.age
            if label.get("gender") is not None:
                genders.append((gender.value if gender else None, label["gender"], person))
                female_faces.append((reading.px, label["gender"] == "female", reading.female >= floor_female))
                if reading.px >= MIN_FACE_PX:
                    face_scores.append(("female", reading.female, label["gender"], person))
                    face_scores.append(("male", 1 - reading.female, label["gender"], person))
            if label.get("age") is not None:
                ages.append((age.value if age else None, label["age"], person))
                if reading.px >= MIN_FACE_PX:
                    face_scores.extend((g.value, p, label["age"], person) for g, p in reading.ages)
        probabilities = tagger.probabilities([crop_region(image, box_px, region) for region in REGIONS])
        for row, region in zip(probabilities, REGIONS, strict=True):
            for tag, classes in CANDIDATE_CLASSES.items():
                region_scores[(tag, region)].append(float(row[list(classes)].sum()))
        region_scores[("hivis", "colour")].append(hivis_share(image, box_px))
        region_scores[("hat", "colour")].append(hat_share(image, box_px))
        said_tags = set(colour_tags(image, box_px)) if box_px[3] >= cfg.min_colour_px else set()
        if box_px[3] >= cfg.min_tag_px:
            said_tags |= set(imagenet_tags(dict(zip(REGIONS, probabilities, strict=True))))
        for tag in PERSON_TAGS:
            if tag not in label.get("unsure_tags", ()):
                truth = tag if tag in label["tags"] else "-"
                tag_pairs[tag].append((tag if tag in said_tags else None, truth, person))
    scores = [*_score("gender", genders), *_score("age", ages), *_score("posture", postures)]
    for tag in PERSON_TAGS:
        scores.extend(s for s in _score("tag", tag_pairs[tag]) if s.value == tag)
    sweeps = tuple(
        _sweep(tag, region, region_scores[(tag, region)], crops, cfg.min_tag_px)
        for tag in CANDIDATE_CLASSES
        for region in REGIONS
    ) + tuple(
        _sweep(tag, "colour", region_scores[(tag, "colour")], crops, cfg.min_colour_px)
        for tag in ("hivis", "hat")
    )
    return PeopleReport(
        len(crops),
        len({c.label.get("person") for c in crops}),
        tuple(scores),
        sweeps,
        _face_floors(face_scores),
        _female_by_px(female_faces),
        _cost(crops, models_dir),
    )


def _face_floors(face_scores: list[tuple[str, float, str, str]]) -> tuple[FloorPoint, ...]:
    points = []
    for value in dict.fromkeys(f[0] for f in face_scores):
        negatives = sum(1 for f in face_scores if f[0] == value and f[2] != value)
        for floor in FACE_FLOORS:
            said = [f for f in face_scores if f[0] == value and f[1] >= floor]
            right = [f for f in said if f[2] == value]
            points.append(
                FloorPoint(value, floor, len(said), len(right), len({f[3] for f in right}), negatives)
            )
    return tuple(points)


def _female_by_px(female_faces: list[tuple[float, bool | None, bool]]) -> tuple[tuple[int, int, int], ...]:
    rows = []
    for size in FACE_SIZES:
        said = [female for px, female, says in female_faces if says and px >= size]
        rows.append((size, len(said), sum(1 for female in said if female)))
    return tuple(rows)


def _cost(crops: list[_Crop], models_dir: Path | None) -> float:
    """Milliseconds per person of ``describe`` over the labelled frames (every person of a frame at once)."""
    describer = PeopleAttributes.for_thread(models_dir)
    frames: dict[tuple[str, float], list[_Crop]] = defaultdict(list)
    for crop in crops:
        frames[(crop.label["video"], float(crop.label["t"]))].append(crop)
    started = time.perf_counter()
    for group in frames.values():
        describer.describe(
            group[0].image, [c.box for c in group], [c.face for c in group if c.face is not None]
        )
    return (time.perf_counter() - started) * 1000 / max(1, len(crops))
