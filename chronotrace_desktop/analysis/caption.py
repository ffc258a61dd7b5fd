"""A caption and exact-match search terms from a segment's attributes. Deterministic; says only what was seen.

    "2 people, a woman in a red top carrying a backpack, sitting, one in a black top; 2 faces;
     a parked white van; a backpack; outdoors, street; grass; day, high motion"

Parts, in this order and separated by "; ": people (count, then up to that many appearances, most seen
first: who — woman, man, girl, boy, child, elderly... when a classifier was sure, else "one" —, clothes
colours, what they wear and carry, posture or motion), faces, vehicles (parked/moving, colour, type; most
seen first), other objects (count + class), the scene (indoors/outdoors, place; surfaces), then lighting
and motion. Unknown attributes (None) are left out, never guessed; a segment with no decoded frame is "no
frames decoded". The query parser (``services.search_parse``) words what it understood with the same
functions (``person_phrase``, ``people_phrase``, ``vehicle_group``, ``scene_phrase``), so a query's rewrite
and a segment's caption say the same thing in the same words.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.objects import PERSON, VEHICLES

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from chronotrace_desktop.domain.analysis import PersonAppearance, SegmentAnalysis, VehicleAppearance

# coco.names of the darknet release uses VOC spellings: show them as people say them.
DISPLAY_NAMES = {
    "tvmonitor": "TV monitor",
    "diningtable": "dining table",
    "pottedplant": "potted plant",
    "aeroplane": "aeroplane",
    "motorbike": "motorbike",
    "sofa": "sofa",
    "pickup": "pickup truck",
}
_PLURALS = {
    PERSON: "people",
    "mouse": "mice",
    "knife": "knives",
    "sheep": "sheep",
    "skis": "skis",
    "scissors": "scissors",
}
MAX_APPEARANCES = 4
VEHICLE_LABELS = VEHICLES  # bicycles are described with their colour too

# Who a person is, by (gender, age), when a classifier said so; (singular, plural).
_NOUNS: dict[tuple[str | None, str | None], tuple[str, str]] = {
    ("female", "child"): ("girl", "girls"),
    ("male", "child"): ("boy", "boys"),
    (None, "child"): ("child", "children"),
    ("female", "young"): ("young woman", "young women"),
    ("male", "young"): ("young man", "young men"),
    (None, "young"): ("young person", "young people"),
    ("female", "senior"): ("elderly woman", "elderly women"),
    ("male", "senior"): ("elderly man", "elderly men"),
    (None, "senior"): ("elderly person", "elderly people"),
    ("female", None): ("woman", "women"),
    ("male", None): ("man", "men"),
}
# Tags said with "wearing" / "carrying" (with an article unless listed bare); garment tags rename the top or
# the trousers ("a red jacket", "blue shorts"); any other tag is said with "with".
_WORN = {"hat": "a hat", "cap": "a cap", "hood": "a hood", "helmet": "a helmet", "hivis": "a hi-vis vest",
         "mask": "a mask", "glasses": "glasses", "sunglasses": "sunglasses", "scarf": "a scarf"}  # fmt: skip
_CARRIED = {"backpack": "a backpack", "bag": "a bag", "suitcase": "a suitcase", "umbrella": "an umbrella",
            "handbag": "a handbag"}  # fmt: skip
_UPPER_TAGS = ("dress", "jacket", "coat", "tshirt")
_LOWER_TAGS = {"shorts": "shorts", "skirt": "skirt"}
_TERM_NAMES = {"hivis": "hi-vis", "tshirt": "t-shirt"}
SETTING_WORDS = {"indoor": "indoors", "outdoor": "outdoors"}
PLACE_NAMES = {"parking": "car park"}
VEHICLE_STATES = {"still": "parked", "moving": "moving"}


def display_name(label: str) -> str:
    return DISPLAY_NAMES.get(label, label)


def plural(label: str) -> str:
    if label in _PLURALS:
        return _PLURALS[label]
    name = display_name(label)
    if name.endswith(("s", "sh", "ch", "x")):
        return name + "es"
    return name + "s"


def _article(phrase: str) -> str:
    return f"an {phrase}" if phrase[0].lower() in "aeiou" else f"a {phrase}"


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def counted(n: int, label: str) -> str:
    """'a car', 'an umbrella', '3 cars'."""
    return _article(display_name(label)) if n == 1 else f"{n} {plural(label)}"


def person_noun(p: PersonAppearance) -> tuple[str, str] | None:
    """("woman", "women"), ("boy", "boys")...; ``None`` when neither gender nor a telling age is known."""
    gender = p.gender.value if p.gender else None
    age = p.age.value if p.age and p.age.value != "adult" else None
    return _NOUNS.get((gender, age))


def _clothes(p: PersonAppearance) -> str | None:
    """'in a red jacket and blue shorts', 'in a dress' (colours from the colour namer, names from tags)."""
    upper_tag = next((t for t in _UPPER_TAGS if t in p.tags), "top")
    upper_word = _TERM_NAMES.get(upper_tag, upper_tag)
    lower_word = next((w for t, w in _LOWER_TAGS.items() if t in p.tags), "trousers")
    items = []
    if p.upper:
        items.append(_article(f"{p.upper} {upper_word}"))
    elif upper_word != "top":
        items.append(_article(upper_word))
    plural_lower = lower_word in ("trousers", "shorts")
    if p.lower and not (upper_word == "dress" and p.lower == p.upper):
        items.append(f"{p.lower} {lower_word}" if plural_lower else _article(f"{p.lower} {lower_word}"))
    elif not p.lower and lower_word != "trousers":
        items.append(lower_word if plural_lower else _article(lower_word))
    return "in " + " and ".join(items) if items else None


def _state(p: PersonAppearance) -> str | None:
    posture = p.posture.value if p.posture else None
    motion = p.motion.value if p.motion else None
    if posture == "lying":
        return "lying down"
    if posture == "sitting":
        return "sitting"
    if posture == "standing":
        return {"still": "standing still", "moving": "walking"}.get(motion or "", "standing")
    return {"still": "stationary", "moving": "moving"}.get(motion or "")


def person_details(p: PersonAppearance) -> str:
    """Everything said about one person after the noun: ' in a red top carrying a backpack, sitting'."""
    worn = [_WORN[t] for t in p.tags if t in _WORN]
    carried = [_CARRIED[t] for t in p.tags if t in _CARRIED]
    known = {*_WORN, *_CARRIED, *_UPPER_TAGS, *_LOWER_TAGS}
    other = [t for t in p.tags if t not in known]
    words = [
        _clothes(p),
        f"wearing {_and(worn)}" if worn else None,
        f"carrying {_and(carried)}" if carried else None,
        f"with {_and(other)}" if other else None,
    ]
    text = " ".join(w for w in words if w)
    state = _state(p)
    if state:
        text = f"{text}, {state}" if text else state
    return f" {text}" if text else ""


def person_phrase(p: PersonAppearance) -> str:
    """One person on their own: 'a woman in a red top carrying a backpack, sitting', '1 person in a red top'."""
    noun = person_noun(p)
    return (_article(noun[0]) if noun else "1 person") + person_details(p)


def people_phrase(n: int | None, people: Sequence[PersonAppearance]) -> str:
    """``n`` people seen at once (``None``: several, number unknown) and how the first of them look."""
    described = [
        (person_noun(p), person_details(p)) for p in people[: min(n or MAX_APPEARANCES, MAX_APPEARANCES)]
    ]
    described = [(noun, details) for noun, details in described if noun or details]
    if n == 1:
        return person_phrase(people[0]) if described else "1 person"
    head = f"{n} people" if n else "people"
    same = Counter(described)  # insertion order: most seen first
    if len(same) == 1:
        (noun, details), k = next(iter(same.items()))
        if n is None or k == n:
            return (f"{n} " if n else "") + (noun[1] if noun else "people") + details
    groups = []
    for (noun, details), k in same.items():
        if noun:
            groups.append((_article(noun[0]) if k == 1 else f"{k} {noun[1]}") + details)
        else:
            groups.append(("one" if k == 1 else str(k)) + details)
    return ", ".join([head, *groups])


def vehicle_group(n: int | None, label: str, colours: Sequence[str], motions: Iterable[str]) -> str:
    """'a parked white van', '3 cars (white, red)', '2 moving buses', 'cars' (``n`` None: several)."""
    states = set(motions)
    state = VEHICLE_STATES[next(iter(states))] + " " if len(states) == 1 else ""
    if n == 1:
        return _article(f"{state}{colours[0] + ' ' if colours else ''}{display_name(label)}")
    text = f"{n} " if n else ""
    text += f"{state}{plural(label)}" + (f" ({', '.join(colours)})" if colours else "")
    return text


def _vehicle_text(n: int, label: str, seen: Sequence[VehicleAppearance]) -> str:
    colours = [c for c, _ in Counter(v.color for v in seen if v.color).most_common(3)]
    motions = [v.motion.value for v in seen if v.motion]
    if n == 1:
        return vehicle_group(1, label, colours[:1], motions[:1])
    text = vehicle_group(n, label, colours, motions)
    parked = sum(1 for m in motions if m == "still")
    if len(set(motions)) > 1:
        text += f", {min(parked, n)} parked"
    return text


def _vehicles_part(analysis: SegmentAnalysis) -> list[str]:
    """Per detected class, most first, the types the classifier refined it into first: "a parked white van",
    "3 cars (white, red)" (with the colours seen)."""
    out = []
    labels = [label for label in analysis.object_counts if label in VEHICLE_LABELS]
    for coco in sorted(labels, key=lambda lb: -analysis.object_counts[lb]):
        left = analysis.object_counts[coco]
        seen = [v for v in analysis.vehicles if (v.coco_label or v.label) == coco]
        for label in dict.fromkeys(v.label for v in seen if v.label != coco):
            of_type = [v for v in seen if v.label == label]
            k = min(len(of_type), left)
            if k > 0:
                out.append(_vehicle_text(k, label, of_type))
                left -= k
        if left > 0:
            out.append(_vehicle_text(left, coco, [v for v in seen if v.label == coco]))
    return out


def _objects_part(analysis: SegmentAnalysis) -> list[str]:
    skip = {PERSON, *VEHICLE_LABELS}
    return [counted(n, label) for label, n in analysis.object_counts.items() if label not in skip]


def scene_phrase(setting: str | None, place: str | None, surfaces: Sequence[str]) -> str | None:
    """'outdoors, street; grass', 'indoors, corridor', 'car park'."""
    where = [w for w in (SETTING_WORDS.get(setting or ""), PLACE_NAMES.get(place or "", place)) if w]
    parts = [", ".join(where)] if where else []
    if surfaces:
        parts.append(", ".join(surfaces))
    return "; ".join(parts) if parts else None


def _light_part(analysis: SegmentAnalysis) -> str | None:
    parts = []
    if analysis.lighting_condition is not None:
        parts.append(analysis.lighting_condition.value.replace("-", " "))
    if analysis.motion_detected is False:
        parts.append("no motion")
    elif analysis.activity_level is not None:
        parts.append(f"{analysis.activity_level.value} motion")
    return ", ".join(parts) if parts else None


def caption(analysis: SegmentAnalysis) -> str:
    if not analysis.analysed:
        return "no frames decoded"
    parts: list[str] = []
    if analysis.people_count:
        parts.append(people_phrase(analysis.people_count, analysis.people))
    if analysis.face_count:
        parts.append("1 face" if analysis.face_count == 1 else f"{analysis.face_count} faces")
    parts.extend(_vehicles_part(analysis))
    parts.extend(_objects_part(analysis))
    if not parts:
        parts.append("no people, vehicles or objects detected")
    scene = analysis.scene
    for text in (scene_phrase(scene.setting, scene.place, scene.surfaces), _light_part(analysis)):
        if text:
            parts.append(text)
    return "; ".join(parts)


def _person_terms(p: PersonAppearance) -> list[str]:
    terms = []
    noun = person_noun(p)
    if noun:
        terms.append(noun[0])
    terms += [v.value for v in (p.gender, p.age, p.posture) if v is not None]
    upper_tag = next((t for t in _UPPER_TAGS if t in p.tags), "top")
    upper_word = _TERM_NAMES.get(upper_tag, upper_tag)
    if p.upper:
        terms += [f"{p.upper} top", f"{p.upper} {upper_word}"]
    if p.lower:
        terms.append(f"{p.lower} trousers")
    terms += [_TERM_NAMES.get(t, t) for t in p.tags]
    state = _state(p)
    if state and state not in terms:
        terms.append(state)
    return terms


def attribute_terms(analysis: SegmentAnalysis) -> list[str]:
    """Flat lowercase terms for exact-match search ("person", "red top", "woman", "van", "parked van",
    "outdoors", "grass", "night"...)."""
    terms: list[str] = []
    if analysis.people_count:
        terms += ["person", "people"]
    for p in analysis.people:
        terms += _person_terms(p)
    if analysis.has_faces:
        terms.append("face")
    if analysis.has_vehicles:
        terms.append("vehicle")
    for v in analysis.vehicles:
        name = display_name(v.label).lower()
        terms.append(name)
        if v.color:
            terms.append(f"{v.color} {name}")
        if v.motion is not None:
            terms.append(f"{VEHICLE_STATES[v.motion.value]} {name}")
        if v.coco_label and v.coco_label != v.label:
            terms.append(display_name(v.coco_label).lower())
    terms += [display_name(label).lower() for label in analysis.objects_detected]
    scene = analysis.scene
    if scene.setting is not None:
        terms.append(SETTING_WORDS[scene.setting.value])
    if scene.place:
        terms.append(PLACE_NAMES.get(scene.place, scene.place))
    terms += list(scene.surfaces)
    if analysis.lighting_condition is not None:
        terms.append(analysis.lighting_condition.value)
    if analysis.motion_detected:
        terms.append("motion")
    if analysis.activity_level is not None:
        terms.append(f"{analysis.activity_level.value} activity")
    return list(dict.fromkeys(terms))
