"""Reading a query word by word: who and what it names, with their colours, counts, states and places.

The reader is deliberately small and predictable: it knows the words of ``vocabulary`` and a few patterns (a
colour before a garment or a vehicle, a number before a noun, "no"/"without" before a noun, an age before a
person word, a state word before or after the person or vehicle it is said of). Every other word is left to
the caption-vector search. What it read (``QueryReader``) becomes criteria and a caption in ``parse``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chronotrace_desktop.services.search import vocabulary as vocab
from chronotrace_desktop.services.search.criteria import Count, Faces
from chronotrace_desktop.services.search.looks import AnyColour
from chronotrace_desktop.services.search.mentions import PersonMention, VehicleMention
from chronotrace_desktop.services.search.weights import W_COLOUR, W_COUNT, W_FACES
from chronotrace_desktop.services.search.words import lookup

if TYPE_CHECKING:
    from chronotrace_desktop.services.search.criteria import Criterion
    from chronotrace_desktop.services.search.mentions import Counted

_FACE_SET = frozenset({"face"})
# Words a state word may look past to find what it is said of ("parked white van", "a walking man").
_SKIP = frozenset({"a", "an", "the", "some", "two", "three", "dark", "light", "big", "small", "large", "old"})


@dataclass
class QueryReader:
    """What a query's ``tokens`` said, filled in by ``run``: the people and vehicles it describes, the objects,
    scene words, places and events it names, and the few criteria it makes directly (faces, a lone colour)."""

    tokens: list[str]
    criteria: list[Criterion] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    count: Counted | None = None
    people: list[PersonMention] = field(default_factory=list)
    person_seen: bool = False
    plural: bool = False
    person_count: Counted | None = None
    nobody: bool = False
    vehicles: list[VehicleMention] = field(default_factory=list)
    objects: list[tuple[frozenset[str], Counted | None]] = field(default_factory=list)
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

    def person(self) -> PersonMention:
        if not self.people:
            self.people.append(PersonMention())
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
            self.people.append(PersonMention())  # "a man in red and a woman in blue": two appearances
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
                self.vehicles.append(VehicleMention(classes))

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
            self.vehicles.append(VehicleMention(classes, kind, colour or None, count, motion, plural))

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
                    VehicleMention(base.classes, base.kind, c, None, base.motion, base.plural)
                    for c in self.colours
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
