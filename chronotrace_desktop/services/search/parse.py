"""Reading exact attributes out of a query: "two men in red jackets near a parked white van at night".

Query words are read by ``reader`` (what it names: ``mentions``); here what was read becomes the criteria to
match exactly and a rewrite in the words of the segment captions ("a woman in a red top carrying a backpack,
sitting; a parked white van; outdoors, street"), with the caption's own phrasing functions
(``analysis.caption``), which is what the caption vectors were made from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.caption import people_phrase, scene_phrase, vehicle_group
from chronotrace_desktop.services.search.criteria import (
    Count,
    Event,
    Faces,
    HasObject,
    Lighting,
    NoPeople,
    Where,
)
from chronotrace_desktop.services.search.criteria import Motion as SceneMotion
from chronotrace_desktop.services.search.looks import VehicleKind, VehicleLook
from chronotrace_desktop.services.search.mentions import caption_name, display_name
from chronotrace_desktop.services.search.reader import QueryReader
from chronotrace_desktop.services.search.segment_attributes import ANOMALY_NAMES, PERSON
from chronotrace_desktop.services.search.weights import (
    W_ANOMALY,
    W_COUNT,
    W_NO_PEOPLE,
    W_OBJECT,
    W_PLACE,
    W_SCENE,
    W_SETTING,
    W_SURFACE,
)
from chronotrace_desktop.services.search.words import tokenize

if TYPE_CHECKING:
    from chronotrace_desktop.services.search.criteria import Criterion
    from chronotrace_desktop.services.search.mentions import Counted

_PERSON_SET = frozenset({PERSON})


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """What was understood: ``criteria`` to match exactly, and ``caption`` (the same in caption words)."""

    text: str
    criteria: tuple[Criterion, ...] = ()
    caption: str = ""

    @property
    def understood(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.criteria)


def _article(phrase: str) -> str:
    return f"an {phrase}" if phrase[0] in "aeiou" else f"a {phrase}"


def _people(state: QueryReader, criteria: list[Criterion], caption: list[str]) -> None:
    if state.nobody:
        criteria.append(NoPeople("no people", W_NO_PEOPLE))
        caption.append("no people")
        return
    if not state.person_seen:
        return
    criteria.append(HasObject("person", W_OBJECT, classes=_PERSON_SET))
    described = [p for p in state.people if p.described]
    n: int | None = 1
    if state.person_count is not None:
        n, at_least = state.person_count
        label = f"at least {n} people" if at_least else ("1 person" if n == 1 else f"{n} people")
        criteria.append(Count(label, W_COUNT, classes=_PERSON_SET, n=n, at_least=at_least))
    elif state.plural:  # "pedestrians", "shoppers": more than one in view
        criteria.append(Count("more than one person", W_COUNT, classes=_PERSON_SET, n=2, at_least=True))
        n = None
    elif len(described) > 1:
        n = len(described)
    for person in described:
        found = person.criterion()
        if found is not None:
            criteria.append(found)
    looks = [p.appearance() for p in described]
    if state.plural and len(looks) == 1:  # "two men in red jackets": all of them
        looks *= n or 1
    caption.append(people_phrase(n, looks))


def _vehicles(state: QueryReader, criteria: list[Criterion], caption: list[str]) -> None:
    for v in state.vehicles:
        name = v.name
        if v.kind:
            criteria.append(VehicleKind(name, W_OBJECT, kinds=v.wanted))
        else:
            criteria.append(HasObject(name, W_OBJECT, classes=v.classes))
        if v.colour or v.motion:
            state_word = {"still": "parked ", "moving": "moving "}.get(v.motion or "", "")
            label = f"{state_word}{v.colour + ' ' if v.colour else ''}{name}"
            criteria.append(VehicleLook.of(label, colour=v.colour, classes=v.wanted, motion=v.motion))
        plural = v.plural or v.classes in state.plurals
        if v.count is not None or plural:
            n, at_least = v.count or (2, True)
            label = f"{'at least ' if at_least else ''}{n} {name}s" if v.count else f"more than one {name}"
            criteria.append(Count(label, W_COUNT, classes=v.classes, n=n, at_least=at_least))
        n_seen = v.count[0] if v.count else (None if plural else 1)
        colours = [v.colour] if v.colour else []
        caption.append(
            vehicle_group(n_seen, v.kind or caption_name(v.classes), colours, [v.motion] if v.motion else [])
        )


def _objects(state: QueryReader, criteria: list[Criterion], caption: list[str]) -> None:
    for classes, count in state.objects:
        name = display_name(classes)
        criteria.append(HasObject(name, W_OBJECT, classes=classes))
        plural = classes in state.plurals
        if count is not None or plural:
            n, at_least = count or (2, True)
            label = f"{'at least ' if at_least else ''}{n} {name}s" if count else f"more than one {name}"
            criteria.append(Count(label, W_COUNT, classes=classes, n=n, at_least=at_least))
        caption.append(_counted(count, classes, plural))


def _where(state: QueryReader, criteria: list[Criterion], caption: list[str]) -> None:
    places = [p for ps, _ in state.places for p in ps]
    surfaces = [s for _, ss in state.places for s in ss]
    for named_places, named_surfaces in dict.fromkeys(state.places):
        words = [*named_places, *named_surfaces]
        weight = W_PLACE if named_places else W_SURFACE
        label = " or ".join(dict.fromkeys(words))
        criteria.append(
            Where(label, weight, places=frozenset(named_places), surfaces=frozenset(named_surfaces))
        )
    if state.setting:
        label = {"indoor": "indoors", "outdoor": "outdoors"}[state.setting]
        criteria.append(Where(label, W_SETTING, setting=state.setting))
    text = scene_phrase(state.setting, places[0] if places else None, list(dict.fromkeys(surfaces)))
    if text:
        caption.append(text)


def parse_query(text: str) -> ParsedQuery:
    state = QueryReader(tokenize(text))
    state.run()
    criteria: list[Criterion] = []
    caption: list[str] = []
    _people(state, criteria, caption)
    criteria.extend(state.criteria)
    if any(isinstance(c, Faces) and c.present for c in state.criteria):
        caption.append("faces")
    _vehicles(state, criteria, caption)
    _objects(state, criteria, caption)
    _where(state, criteria, caption)
    for item in dict.fromkeys(state.scene):
        if item in ("night", "day"):
            values = frozenset({"night", "low-light"}) if item == "night" else frozenset({"day"})
            criteria.append(Lighting(item, W_SCENE, values=values))
        else:
            level = {"high motion": "high", "motion": "any", "no motion": "none"}[item]
            criteria.append(SceneMotion(item, W_SCENE, level=level))
        caption.append(item)
    for kind in dict.fromkeys(state.events):
        label = "anomaly: " + ANOMALY_NAMES.get(kind, kind)
        criteria.append(Event(label, W_ANOMALY, types=frozenset({kind})))
    return ParsedQuery(text, _dedup(criteria), "; ".join(dict.fromkeys(caption)))


def _counted(count: Counted | None, classes: frozenset[str], plural: bool) -> str:
    name = caption_name(classes)
    if count is not None and count[0] > 1:
        return f"{count[0]} {name}s"
    if plural:
        return f"{name}s"
    return _article(name)


def _dedup(criteria: list[Criterion]) -> tuple[Criterion, ...]:
    return tuple(dict.fromkeys(criteria))
