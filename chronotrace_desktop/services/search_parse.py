"""Reading exact attributes out of a query: "two men in red jackets near a white van at night".

The parser is deliberately small and predictable: it knows the words of ``search_vocabulary`` and a few
patterns (a colour before a garment or a vehicle, a number before a noun, "no"/"without" before a noun).
Every other word is left to the caption-vector search. It also rewrites what it understood in the words of
the segment captions ("1 person in a red top; a white car"), which is what the caption vectors were made
from (see ``analysis.caption``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chronotrace_desktop.services import search_vocabulary as vocab
from chronotrace_desktop.services.search_criteria import (
    PERSON,
    W_COLOUR,
    W_COUNT,
    W_FACES,
    W_NO_PEOPLE,
    W_OBJECT,
    W_SCENE,
    AnyColour,
    Count,
    Criterion,
    Faces,
    HasObject,
    Lighting,
    Motion,
    NoPeople,
    PersonColour,
    VehicleColour,
)

_WORD = re.compile(r"[a-z0-9]+")
_PERSON_SET = frozenset({PERSON})
_FACE_SET = frozenset({"face"})
_DISPLAY = {"diningtable": "table", "tvmonitor": "TV", "pottedplant": "plant", "aeroplane": "plane"}


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


def lookup(word: str, table: dict[str, frozenset[str]]) -> frozenset[str] | None:
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
    """One class for the caption rewrite: "car" for any group holding it (a van, a vehicle)."""
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

    @property
    def described(self) -> bool:
        return bool(self.upper or self.lower or self.anywhere)

    def criteria(self) -> list[Criterion]:
        out: list[Criterion] = []
        if self.upper or self.lower:
            words = [
                f"{self.upper} top" if self.upper else "",
                f"{self.lower} trousers" if self.lower else "",
            ]
            label = " and ".join(w for w in words if w)
            out.append(PersonColour(label, W_COLOUR, upper=self.upper, lower=self.lower))
        for colour in dict.fromkeys(self.anywhere):
            out.append(PersonColour(f"{colour} clothes", W_COLOUR, anywhere=colour))
        return out

    def caption(self) -> str:
        if self.upper or self.lower:
            parts = [
                _article(f"{self.upper} top") if self.upper else "",
                f"{self.lower} trousers" if self.lower else "",
            ]
            return " in " + " and ".join(p for p in parts if p)
        return f" in {_article(self.anywhere[0] + ' top')}" if self.anywhere else ""


@dataclass
class _Parse:
    tokens: list[str]
    criteria: list[Criterion] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    count: tuple[int, bool] | None = None
    people: list[_Person] = field(default_factory=list)
    person_seen: bool = False
    plural: bool = False
    person_count: tuple[int, bool] | None = None
    nobody: bool = False
    vehicles: list[tuple[frozenset[str], str | None, tuple[int, bool] | None]] = field(default_factory=list)
    objects: list[tuple[frozenset[str], tuple[int, bool] | None]] = field(default_factory=list)
    plurals: set[frozenset[str]] = field(default_factory=set)
    scene: list[str] = field(default_factory=list)

    def negated(self, i: int) -> bool:
        return any(t in vocab.NEGATIONS for t in self.tokens[max(0, i - 2) : i])

    def person(self) -> _Person:
        if not self.people:
            self.people.append(_Person())
        return self.people[-1]

    def run(self) -> None:
        for i, word in enumerate(self.tokens):
            self.step(i, word)
        self.finish()

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
        elif w in vocab.UPPER_GARMENTS or w in vocab.LOWER_GARMENTS or w in vocab.WHOLE_GARMENTS:
            self.garment(w)
        elif w in vocab.PERSON_WORDS or w in vocab.PERSON_PLURALS:
            self.person_word(i, w)
        elif w in vocab.UNCOLOURED and w not in vocab.OBJECT_WORDS:
            self.colours.clear()
        elif (classes := lookup(w, vocab.VEHICLE_WORDS)) is not None:
            if w == "traffic" and self.count is None:
                self.count = (3, True)  # traffic: several vehicles at once
            self.vehicle(i, classes)
            if w not in vocab.VEHICLE_WORDS:
                self.plurals.add(classes)
        elif (classes := lookup(w, vocab.OBJECT_WORDS)) is not None:
            self.colours.clear()
            if w not in vocab.OBJECT_WORDS:
                self.plurals.add(classes)
            if not self.negated(i):
                self.objects.append((classes, self.count))
            self.count = None
        elif w in vocab.FACE_WORDS:
            negated = self.negated(i)
            self.criteria.append(Faces("no faces" if negated else "faces", W_FACES, present=not negated))
            if self.count and not negated:
                n, at_least = self.count
                self.criteria.append(Count(f"{n} faces", W_COUNT, classes=_FACE_SET, n=n, at_least=at_least))
            self.count = None
        elif w in vocab.NIGHT_WORDS and not self.negated(i):
            self.scene.append("night")
        elif w in vocab.DAY_WORDS and not self.negated(i):
            self.scene.append("day")
        elif w in vocab.FAST_WORDS:
            self.scene.append("no motion" if self.negated(i) else "high motion")
        elif w in vocab.MOVING_WORDS:
            self.scene.append("no motion" if self.negated(i) else "motion")
        elif w in vocab.STILL_WORDS:
            self.scene.append("no motion")

    def garment(self, w: str) -> None:
        self.person_seen = True
        person = self.person()
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
        if self.people and self.people[-1].described:
            self.people.append(_Person())  # "a man in red and a woman in blue": two appearances
        self.person_seen = True
        self.plural = self.plural or w in vocab.PERSON_PLURALS
        if self.count is not None:
            self.person_count, self.count = self.count, None
        elif w in vocab.AT_LEAST and self.person_count is None:
            self.person_count = (vocab.AT_LEAST[w], True)
        if self.colours:
            self.person().anywhere.extend(self.colours)
            self.colours.clear()
        if w in vocab.PERSON_WITH_VEHICLE:
            classes = lookup(w, vocab.VEHICLE_WORDS)
            if classes is not None:
                self.vehicles.append((classes, None, None))

    def vehicle(self, i: int, classes: frozenset[str]) -> None:
        colours, self.colours = self.colours, []
        count, self.count = self.count, None
        if self.negated(i):
            return
        if not colours:
            self.vehicles.append((classes, None, count))
        for colour in colours:
            self.vehicles.append((classes, colour, count))

    def finish(self) -> None:
        if self.colours:
            if self.person_seen and not self.vehicles:
                self.person().anywhere.extend(self.colours)
            elif self.vehicles and not self.person_seen:
                classes = frozenset().union(*(v[0] for v in self.vehicles))
                self.vehicles.extend((classes, c, None) for c in self.colours)
            else:
                self.criteria.extend(
                    AnyColour(f"{c} (clothes or vehicle)", W_COLOUR, colour=c) for c in self.colours
                )
        if self.count is not None and self.person_seen and self.person_count is None:
            self.person_count = self.count


def parse_query(text: str) -> ParsedQuery:
    state = _Parse(tokenize(text))
    state.run()
    criteria: list[Criterion] = []
    caption: list[str] = []
    if state.nobody:
        criteria.append(NoPeople("no people", W_NO_PEOPLE))
        caption.append("no people")
    elif state.person_seen:
        criteria.append(HasObject("person", W_OBJECT, classes=_PERSON_SET))
        head = "people" if state.plural else "1 person"
        if state.person_count is not None:
            n, at_least = state.person_count
            label = f"at least {n} people" if at_least else ("1 person" if n == 1 else f"{n} people")
            criteria.append(Count(label, W_COUNT, classes=_PERSON_SET, n=n, at_least=at_least))
            head = "1 person" if n == 1 and not at_least else f"{n} people"
        elif state.plural:  # "pedestrians", "shoppers": more than one in view
            criteria.append(Count("more than one person", W_COUNT, classes=_PERSON_SET, n=2, at_least=True))
        described = [p for p in state.people if p.described]
        for person in described:
            criteria.extend(person.criteria())
        caption.append(head + (described[0].caption() if described else ""))
    criteria.extend(state.criteria)
    if any(isinstance(c, Faces) and c.present for c in state.criteria):
        caption.append("faces")
    for classes, colour, count in state.vehicles:
        name = _name(classes)
        criteria.append(HasObject(name, W_OBJECT, classes=classes))
        if colour is not None:
            criteria.append(VehicleColour(f"{colour} {name}", W_COLOUR, colour=colour, classes=classes))
        plural = classes in state.plurals
        if count is not None or plural:
            n, at_least = count or (2, True)
            label = f"{'at least ' if at_least else ''}{n} {name}s" if count else f"more than one {name}"
            criteria.append(Count(label, W_COUNT, classes=classes, n=n, at_least=at_least))
        caption.append(_counted(count, classes, colour, plural))
    for classes, count in state.objects:
        name = _name(classes)
        criteria.append(HasObject(name, W_OBJECT, classes=classes))
        plural = classes in state.plurals
        if count is not None or plural:
            n, at_least = count or (2, True)
            label = f"{'at least ' if at_least else ''}{n} {name}s" if count else f"more than one {name}"
            criteria.append(Count(label, W_COUNT, classes=classes, n=n, at_least=at_least))
        caption.append(_counted(count, classes, None, plural))
    for item in dict.fromkeys(state.scene):
        if item in ("night", "day"):
            values = frozenset({"night", "low-light"}) if item == "night" else frozenset({"day"})
            criteria.append(Lighting(item, W_SCENE, values=values))
        else:
            level = {"high motion": "high", "motion": "any", "no motion": "none"}[item]
            criteria.append(Motion(item, W_SCENE, level=level))
        caption.append(item)
    return ParsedQuery(text, _dedup(criteria), "; ".join(dict.fromkeys(caption)))


def _counted(
    count: tuple[int, bool] | None, classes: frozenset[str], colour: str | None, plural: bool
) -> str:
    name = _caption_name(classes)
    if count is not None and count[0] > 1:
        return f"{count[0]} {name}s" + (f" ({colour})" if colour else "")
    if plural and colour is None:
        return f"{name}s"
    return _article(f"{colour} {name}" if colour else name)


def _dedup(criteria: list[Criterion]) -> tuple[Criterion, ...]:
    return tuple(dict.fromkeys(criteria))
