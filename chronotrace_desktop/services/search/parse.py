"""Reading exact attributes out of a query: "two men in red jackets near a parked white van at night".

The parser is deliberately small and predictable: it knows the words of ``search_vocabulary`` and a few
patterns (a colour before a garment or a vehicle, a number before a noun, "no"/"without" before a noun, an
age before a person word, a state word before or after the person or vehicle it is said of). Every other
word is left to the caption-vector search. It also rewrites what it understood in the words of the segment
captions ("a woman in a red top carrying a backpack, sitting; a parked white van; outdoors, street"), with
the caption's own phrasing functions (``analysis.caption``), which is what the caption vectors were made from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypeVar

from chronotrace_desktop.analysis.caption import people_phrase, scene_phrase, vehicle_group
from chronotrace_desktop.domain.analysis import AgeGroup, Gender, Motion, PersonAppearance, Posture
from chronotrace_desktop.services.search import vocabulary as vocab
from chronotrace_desktop.services.search.criteria import (
    ANOMALY_NAMES,
    PERSON,
    W_ANOMALY,
    W_COLOUR,
    W_COUNT,
    W_FACES,
    W_NO_PEOPLE,
    W_OBJECT,
    W_PLACE,
    W_SCENE,
    W_SETTING,
    W_SURFACE,
    AnyColour,
    Count,
    Criterion,
    Event,
    Faces,
    HasObject,
    Lighting,
    NoPeople,
    PersonLook,
    VehicleKind,
    VehicleLook,
    Where,
)
from chronotrace_desktop.services.search.criteria import Motion as SceneMotion

_WORD = re.compile(r"[a-z0-9]+")
_PERSON_SET = frozenset({PERSON})
_FACE_SET = frozenset({"face"})
_DISPLAY = {"diningtable": "table", "tvmonitor": "TV", "pottedplant": "plant", "aeroplane": "plane"}
# Words a state word may look past to find what it is said of ("parked white van", "a walking man").
_SKIP = frozenset({"a", "an", "the", "some", "two", "three", "dark", "light", "big", "small", "large", "old"})
# An age said in the query -> the AgeGroup the caption rewrite uses for it.
_CAPTION_AGE = {"child": "child", "juvenile": "child", "teen": "young", "young": "young", "senior": "senior"}
_TAG_LABELS = {"hivis": "hi-vis"}
_Count = tuple[int, bool]  # n, at least
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """What was understood: ``criteria`` to match exactly, and ``caption`` (the same in caption words)."""

    text: str
    criteria: tuple[Criterion, ...] = ()
    caption: str = ""

    @property
    def understood(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.criteria)


def tokenize(text: str) -> list[str]:
    words = _WORD.findall(text.lower().replace("'", ""))
    joined = f" {' '.join(words)} "
    for phrase, token in vocab.PHRASES:
        joined = joined.replace(f" {phrase} ", f" {token} ").replace(f" {phrase}s ", f" {token}s ")
    return joined.split()


def lookup(word: str, table: dict[str, _T]) -> _T | None:
    """``table[word]``, also for regular plurals (cars, buses, bottles)."""
    for candidate in (
        word,
        word[:-1] if word.endswith("s") else None,
        word[:-2] if word.endswith("es") else None,
    ):
        if candidate and candidate in table:
            return table[candidate]
    return None


def _article(phrase: str) -> str:
    return f"an {phrase}" if phrase[0] in "aeiou" else f"a {phrase}"


def _caption_name(classes: frozenset[str]) -> str:
    """One class for the caption rewrite: "car" for any group holding it (a vehicle)."""
    return "car" if "car" in classes else _DISPLAY.get(min(classes), min(classes))


def _name(classes: frozenset[str]) -> str:
    if classes == vocab.MOTOR_VEHICLES:
        return "vehicle"
    if classes == vocab.BAGS:
        return "bag"
    return "/".join(sorted(_DISPLAY.get(c, c) for c in classes))


@dataclass
class _Person:
    upper: str | None = None
    lower: str | None = None
    anywhere: list[str] = field(default_factory=list)
    gender: str | None = None
    age: str | None = None  # a search_criteria.AGE_MATCH key
    posture: str | None = None
    motion: str | None = None
    tags: list[str] = field(default_factory=list)
    noun: str | None = None  # the query's person word, when it said more than "person"

    @property
    def described(self) -> bool:
        return bool(
            self.upper or self.lower or self.anywhere or self.gender or self.age or self.posture
        ) or bool(self.motion or self.tags)

    def criterion(self) -> Criterion | None:
        if not self.described:
            return None
        words = [self.noun] if self.noun else []
        halves = [f"{self.upper} top" if self.upper else "", f"{self.lower} trousers" if self.lower else ""]
        if self.upper or self.lower:
            words.append(" and ".join(h for h in halves if h))
        words += [f"{c} clothes" for c in dict.fromkeys(self.anywhere)]
        words += [_TAG_LABELS.get(t, t) for t in dict.fromkeys(self.tags)]
        words += [w for w in (self.posture, {"still": "not moving"}.get(self.motion or "", self.motion)) if w]
        return PersonLook.of(
            ", ".join(words),
            upper=self.upper,
            lower=self.lower,
            anywhere=tuple(dict.fromkeys(self.anywhere)),
            gender=self.gender,
            age=self.age,
            posture=self.posture,
            motion=self.motion,
            tags=tuple(dict.fromkeys(self.tags)),
        )

    def appearance(self) -> PersonAppearance:
        """The person as ingestion would have recorded them, for the caption rewrite."""
        age = _CAPTION_AGE.get(self.age or "")
        return PersonAppearance(
            self.upper or (self.anywhere[0] if self.anywhere else None),
            self.lower,
            gender=Gender(self.gender) if self.gender else None,
            age=AgeGroup(age) if age else None,
            posture=Posture(self.posture) if self.posture else None,
            motion=Motion(self.motion) if self.motion else None,
            tags=tuple(dict.fromkeys(self.tags)),
        )


@dataclass
class _Vehicle:
    classes: frozenset[str]  # COCO classes
    kind: str | None = None  # a type the classifier refines into: van, pickup
    colour: str | None = None
    count: _Count | None = None
    motion: str | None = None
    plural: bool = False

    @property
    def name(self) -> str:
        return self.kind or _name(self.classes)

    @property
    def wanted(self) -> frozenset[str]:
        return frozenset({self.kind}) if self.kind else self.classes


@dataclass
class _Parse:
    tokens: list[str]
    criteria: list[Criterion] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    count: _Count | None = None
    people: list[_Person] = field(default_factory=list)
    person_seen: bool = False
    plural: bool = False
    person_count: _Count | None = None
    nobody: bool = False
    vehicles: list[_Vehicle] = field(default_factory=list)
    objects: list[tuple[frozenset[str], _Count | None]] = field(default_factory=list)
    plurals: set[frozenset[str]] = field(default_factory=set)
    scene: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    setting: str | None = None
    places: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    subject: str | None = None  # "person" or "vehicle": what the last noun named
    last_person: int = -9
    pending_age: tuple[str, str] | None = None  # (age, the adjective)
    pending_person: dict[str, str] = field(default_factory=dict)  # state words said before the person
    pending_vehicle: str | None = None
    not_place_before: int = -1  # "outside the shop": the place word is not where the camera is

    def negated(self, i: int) -> bool:
        return any(t in vocab.NEGATIONS for t in self.tokens[max(0, i - 2) : i])

    def person(self) -> _Person:
        if not self.people:
            self.people.append(_Person())
        self.person_seen = True
        return self.people[-1]

    def run(self) -> None:
        for i, word in enumerate(self.tokens):
            self.event(i, word)
            self.step(i, word)
        self.finish()

    def ahead(self, i: int) -> str | None:
        """What the words right after ``i`` name (past articles, colours, numbers): person, vehicle or None."""
        for w in self.tokens[i + 1 : i + 4]:
            if w in vocab.PERSON_WORDS or w in vocab.PERSON_PLURALS:
                return "person"
            if lookup(w, vocab.VEHICLE_TYPES) or lookup(w, vocab.VEHICLE_WORDS):
                return "vehicle"
            skippable = w in _SKIP or w in vocab.COLOURS or w in vocab.AGE_ADJECTIVES or w in vocab.NUMBERS
            if not (skippable or w.isdigit()):
                return None
        return None

    def event(self, i: int, w: str) -> None:
        if self.negated(i):
            return
        of_vehicle = (self.ahead(i) or self.subject) == "vehicle"
        if w in vocab.STOPPED_WORDS and of_vehicle:
            self.events.append("vehicle_stopped")
        elif w in vocab.EVENT_WORDS and not (of_vehicle and vocab.EVENT_WORDS[w] == "loitering"):
            self.events.append(vocab.EVENT_WORDS[w])  # a car waiting at the lights is not loitering

    def step(self, i: int, w: str) -> None:
        nxt = self.tokens[i + 1] if i + 1 < len(self.tokens) else ""
        if w in vocab.EMPTY_WORDS:
            self.nobody = True
        elif w.isdigit() and 0 < int(w) < 1000:
            self.count = (int(w), False)
        elif w in vocab.NUMBERS:
            self.count = (vocab.NUMBERS[w], False)
        elif w in vocab.AT_LEAST and w not in vocab.PERSON_PLURALS:
            self.count = (vocab.AT_LEAST[w], True)
        elif w in vocab.ALONE:
            self.person_seen, self.person_count = True, (1, False)
        elif w in ("dark", "light", "bright", "pale", "deep"):
            if nxt in vocab.UPPER_GARMENTS | vocab.LOWER_GARMENTS | vocab.WHOLE_GARMENTS and w == "dark":
                self.colours.append("black")
            elif w == "dark" and nxt not in vocab.COLOURS and not self.negated(i):
                self.scene.append("night")
        elif w in vocab.COLOURS:
            self.colours.append(vocab.COLOURS[w])
            if w == "hivis":
                self.person().tags.append("hivis")
        elif w in vocab.UPPER_GARMENTS or w in vocab.LOWER_GARMENTS or w in vocab.WHOLE_GARMENTS:
            self.garment(w)
        elif w in vocab.AGE_ADJECTIVES and self.ahead(i) == "person":  # "an elderly man", "young women"
            self.pending_age = (vocab.AGE_ADJECTIVES[w], w)
        elif w in vocab.PERSON_WORDS or w in vocab.PERSON_PLURALS:
            self.person_word(i, w)
        elif w in vocab.TAG_WORDS and not self.negated(i):
            self.tag(i, w)
        elif w in vocab.UNCOLOURED and w not in vocab.OBJECT_WORDS:
            self.colours.clear()
        elif (kind := lookup(w, vocab.VEHICLE_TYPES)) is not None:
            classes = vocab.VEHICLE_WORDS[kind]
            self.vehicle(i, classes, kind, plural=w not in vocab.VEHICLE_TYPES)
        elif (vehicle := lookup(w, vocab.VEHICLE_WORDS)) is not None:
            if w == "traffic" and self.count is None:
                self.count = (3, True)  # traffic: several vehicles at once
            self.vehicle(i, vehicle, None, plural=w not in vocab.VEHICLE_WORDS)
        elif (thing := lookup(w, vocab.OBJECT_WORDS)) is not None:
            self.object(i, w, thing)
        elif w in vocab.FACE_WORDS:
            self.faces(i)
        elif w in vocab.NIGHT_WORDS and not self.negated(i):
            self.scene.append("night")
        elif w in vocab.DAY_WORDS and not self.negated(i):
            self.scene.append("day")
        elif w in vocab.POSTURE_WORDS and not self.negated(i):
            self.posture(i, w)
        elif w in vocab.FAST_WORDS or w in vocab.MOVING_WORDS or w in vocab.STILL_WORDS:
            self.state(i, w)
        elif w in vocab.SETTING_WORDS and not self.negated(i):
            self.where_setting(i, w)
        elif w in vocab.PLACE_WORDS and not self.negated(i) and i > self.not_place_before:
            self.places.append(vocab.PLACE_WORDS[w])

    def garment(self, w: str) -> None:
        person = self.person()
        if w in vocab.TAG_WORDS:
            person.tags.append(vocab.TAG_WORDS[w])
        colour = self.colours[0] if self.colours else ("blue" if w == "jeans" else None)
        extra = self.colours[1:]
        self.colours.clear()
        if colour is None:
            return
        if w in vocab.UPPER_GARMENTS and person.upper is None:
            person.upper = colour
        elif w in vocab.LOWER_GARMENTS and person.lower is None:
            person.lower = colour
        else:
            person.anywhere.append(colour)
        person.anywhere.extend(extra)

    def person_word(self, i: int, w: str) -> None:
        if self.negated(i):
            self.nobody = True
            return
        gender, age = vocab.PERSON_TRAITS.get(w, (None, None))
        noun = w
        if self.pending_age is not None:
            age, adjective = self.pending_age
            noun, self.pending_age = f"{adjective} {w}", None
        current = self.people[-1] if self.people else None
        if current is not None and self.colours:  # "a man in red and a woman...": red is the man's
            current.anywhere.extend(self.colours)
            self.colours.clear()
        adjacent = i - self.last_person == 1  # "female suspect", "elderly women"
        clash = current is not None and (
            (gender and current.gender and gender != current.gender)
            or (age and current.age not in (None, age))
        )
        if current is not None and current.described and (not adjacent or clash):
            self.people.append(_Person())  # "a man in red and a woman in blue": two appearances
        person = self.person()
        person.gender = person.gender or gender
        person.age = person.age or age
        if gender or age:
            person.noun = person.noun or noun
        for key, value in self.pending_person.items():
            setattr(person, key, value)
        self.pending_person.clear()
        self.subject, self.last_person = "person", i
        self.plural = self.plural or w in vocab.PERSON_PLURALS
        if self.count is not None:
            self.person_count, self.count = self.count, None
        elif w in vocab.AT_LEAST and self.person_count is None:
            self.person_count = (vocab.AT_LEAST[w], True)
        if self.colours:
            person.anywhere.extend(self.colours)
            self.colours.clear()
        if w in vocab.PERSON_WITH_VEHICLE:
            classes = lookup(w, vocab.VEHICLE_WORDS)
            if classes is not None:
                self.vehicles.append(_Vehicle(classes))

    def tag(self, i: int, w: str) -> None:
        """A worn thing names a person ("man in a cap"); a carried one only when said with them."""
        tag = vocab.TAG_WORDS[w]
        self.colours.clear()  # the colour of a hat or a bag is not a clothing colour
        cued = any(t in vocab.CARRY_CUES for t in self.tokens[max(0, i - 3) : i])
        if tag not in vocab.CARRIED_TAGS or (self.person_seen and cued):
            self.person().tags.append(tag)
        classes = lookup(w, vocab.OBJECT_WORDS)
        if classes is not None:  # backpack, bag, umbrella, suitcase: also a COCO class
            self.object(i, w, classes)

    def object(self, i: int, w: str, classes: frozenset[str]) -> None:
        self.colours.clear()
        if w not in vocab.OBJECT_WORDS:
            self.plurals.add(classes)
        if not self.negated(i):
            self.objects.append((classes, self.count))
        self.count = None

    def faces(self, i: int) -> None:
        negated = self.negated(i)
        self.criteria.append(Faces("no faces" if negated else "faces", W_FACES, present=not negated))
        if self.count and not negated:
            n, at_least = self.count
            self.criteria.append(Count(f"{n} faces", W_COUNT, classes=_FACE_SET, n=n, at_least=at_least))
        elif self.tokens[i] == "faces" and not negated:  # a plural means more than one, as for people
            self.criteria.append(Count("more than one face", W_COUNT, classes=_FACE_SET, n=2, at_least=True))
        self.count = None

    def vehicle(self, i: int, classes: frozenset[str], kind: str | None, *, plural: bool) -> None:
        colours, self.colours = self.colours, []
        count, self.count = self.count, None
        motion, self.pending_vehicle = self.pending_vehicle, None
        if self.negated(i):
            return
        self.subject = "vehicle"
        for colour in colours or [""]:
            self.vehicles.append(_Vehicle(classes, kind, colour or None, count, motion, plural))

    def posture(self, i: int, w: str) -> None:
        if w in vocab.POSTURE_NEEDS_PERSON and not self.person_seen and self.ahead(i) != "person":
            return
        if self.ahead(i) == "person":
            self.pending_person["posture"] = vocab.POSTURE_WORDS[w]
        else:
            self.person().posture = vocab.POSTURE_WORDS[w]

    def state(self, i: int, w: str) -> None:
        """Moving or still, said of the person or vehicle next to it; of the whole scene when of neither."""
        moving = w not in vocab.STILL_WORDS
        if self.negated(i):
            moving = not moving
        state = "moving" if moving else "still"
        subject = self.ahead(i)
        if subject == "vehicle":
            self.pending_vehicle = state
        elif subject == "person":
            self.pending_person["motion"] = state
        elif self.subject == "vehicle":
            self.vehicles[-1].motion = state
        elif self.subject == "person":
            self.person().motion = state
        if not moving and (subject or self.subject):
            return  # a parked car or a person standing still in a busy scene: not a still scene
        if w in vocab.FAST_WORDS:
            self.scene.append("high motion" if moving else "no motion")
        else:
            self.scene.append("motion" if moving else "no motion")

    def where_setting(self, i: int, w: str) -> None:
        if w == "inside" and self.ahead(i) == "vehicle":
            return  # someone inside a car
        self.setting = vocab.SETTING_WORDS[w]
        if w == "outside":
            self.not_place_before = i + 3  # outside the shop: outdoors, not in the shop

    def finish(self) -> None:
        if self.colours:
            if self.person_seen and not self.vehicles:
                self.person().anywhere.extend(self.colours)
            elif self.vehicles and not self.person_seen:
                base = self.vehicles[-1]
                self.vehicles.extend(
                    _Vehicle(base.classes, base.kind, c, None, base.motion, base.plural) for c in self.colours
                )
            else:
                self.criteria.extend(
                    AnyColour(f"{c} (clothes or vehicle)", W_COLOUR, colour=c) for c in self.colours
                )
        if self.pending_person and not self.nobody:
            for key, value in self.pending_person.items():
                setattr(self.person(), key, value)
        if self.count is not None and self.person_seen and self.person_count is None:
            self.person_count = self.count


def _people(state: _Parse, criteria: list[Criterion], caption: list[str]) -> None:
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


def _vehicles(state: _Parse, criteria: list[Criterion], caption: list[str]) -> None:
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
            vehicle_group(n_seen, v.kind or _caption_name(v.classes), colours, [v.motion] if v.motion else [])
        )


def _objects(state: _Parse, criteria: list[Criterion], caption: list[str]) -> None:
    for classes, count in state.objects:
        name = _name(classes)
        criteria.append(HasObject(name, W_OBJECT, classes=classes))
        plural = classes in state.plurals
        if count is not None or plural:
            n, at_least = count or (2, True)
            label = f"{'at least ' if at_least else ''}{n} {name}s" if count else f"more than one {name}"
            criteria.append(Count(label, W_COUNT, classes=classes, n=n, at_least=at_least))
        caption.append(_counted(count, classes, plural))


def _where(state: _Parse, criteria: list[Criterion], caption: list[str]) -> None:
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
    state = _Parse(tokenize(text))
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


def _counted(count: _Count | None, classes: frozenset[str], plural: bool) -> str:
    name = _caption_name(classes)
    if count is not None and count[0] > 1:
        return f"{count[0]} {name}s"
    if plural:
        return f"{name}s"
    return _article(name)


def _dedup(criteria: list[Criterion]) -> tuple[Criterion, ...]:
    return tuple(dict.fromkeys(criteria))
