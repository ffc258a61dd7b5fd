"""How much each attribute criterion weighs, and the partial credit a near value earns.

Weights follow what was measured on the shared clips (DESIGN.md): COCO classes are the strongest signal, then
people's upper/lower colours and vehicle colours, then faces; counts, light and motion are weak hints.
Anomalies the rules found weigh like a COCO class; the classifier outputs of issue 11 (gender and age from
faces, posture, garment tags, vehicle types, scene cues) sit between colours and light. Where a detector is
known to confuse two values (white/grey, van/car, sitting/lying...) the near value counts partly.
"""

from __future__ import annotations

W_OBJECT = 1.0
W_COLOUR = 0.8
W_FACES = 0.6
W_COUNT = 0.5
W_NO_PEOPLE = 1.0
W_SCENE = 0.3
W_GENDER = 0.6
W_AGE = 0.5
W_POSTURE = 0.5
W_STATE = 0.4  # a person or vehicle moving / still (parked) over the segment
W_TAG = 0.4
W_PLACE = 0.6
W_SURFACE = 0.4
W_SETTING = 0.3
W_ANOMALY = 1.0

# Symmetric partial credit between colour names the namer confuses (1.0 for the same name).
_NEAR: dict[frozenset[str], float] = {
    frozenset({"white", "grey"}): 0.5,
    frozenset({"grey", "black"}): 0.3,
    frozenset({"blue", "black"}): 0.4,
    frozenset({"blue", "grey"}): 0.3,
    frozenset({"orange", "yellow"}): 0.5,
    frozenset({"orange", "red"}): 0.4,
    frozenset({"orange", "brown"}): 0.4,
    frozenset({"red", "pink"}): 0.5,
    frozenset({"red", "brown"}): 0.3,
    frozenset({"pink", "purple"}): 0.4,
    frozenset({"purple", "blue"}): 0.3,
    frozenset({"green", "blue"}): 0.3,
    frozenset({"yellow", "brown"}): 0.3,
}
# Wanted age (a query's word) -> stored AgeGroup -> credit. "juvenile": girl/boy, a child or a teenager.
AGE_MATCH: dict[str, dict[str, float]] = {
    "child": {"child": 1.0, "young": 0.4},
    "juvenile": {"child": 1.0, "young": 0.7},
    "teen": {"young": 1.0, "child": 0.5},
    "young": {"young": 1.0, "adult": 0.4, "child": 0.3},
    "adult": {"adult": 1.0, "young": 0.5, "senior": 0.4},
    "senior": {"senior": 1.0, "adult": 0.4},
}
# A box's shape tells sitting from lying badly (both low and wide); standing is well apart.
POSTURE_MATCH: dict[str, dict[str, float]] = {
    "sitting": {"sitting": 1.0, "lying": 0.3},
    "lying": {"lying": 1.0, "sitting": 0.3},
    "standing": {"standing": 1.0},
}
STILL_FOR_POSTURE = 0.3  # posture unknown, the person still: sitting or standing is likelier
# Wanted tag -> stored tag -> credit (a tag not listed matches only itself).
TAG_MATCH: dict[str, dict[str, float]] = {
    "hat": {"hat": 1.0, "cap": 0.5, "helmet": 0.5, "hood": 0.3},
    "cap": {"cap": 1.0, "hat": 0.5, "helmet": 0.3},
    "helmet": {"helmet": 1.0, "hardhat": 1.0, "hat": 0.5, "cap": 0.3},
    "hood": {"hood": 1.0, "hat": 0.3},
    "backpack": {"backpack": 1.0, "bag": 0.5},
    "bag": {"bag": 1.0, "backpack": 1.0, "handbag": 1.0, "suitcase": 1.0},
    "suitcase": {"suitcase": 1.0, "bag": 0.5},
    "jacket": {"jacket": 1.0, "coat": 1.0},
    "dress": {"dress": 1.0, "skirt": 0.5},
    "skirt": {"skirt": 1.0, "dress": 0.5},
    "glasses": {"glasses": 1.0, "sunglasses": 1.0},
}
# Carried tags a COCO detection in the same segment vouches for partly (whose it is, the detector cannot say).
TAG_OBJECTS: dict[str, frozenset[str]] = {
    "backpack": frozenset({"backpack"}),
    "bag": frozenset({"backpack", "handbag", "suitcase"}),
    "suitcase": frozenset({"suitcase"}),
    "umbrella": frozenset({"umbrella"}),
}
TAG_FROM_OBJECT = 0.5
# Wanted vehicle type -> what the detector or classifier said -> credit. An unrefined COCO car or truck may be
# a van or a pickup the classifier was not sure of (every row ingested before vehicle types were refined).
TYPE_NEAR: dict[str, dict[str, float]] = {
    "van": {"car": 0.5, "truck": 0.5, "pickup": 0.3},
    "pickup": {"truck": 0.5, "car": 0.5, "van": 0.3},
}
# What a place or a surface says about indoor/outdoor when the setting itself was not recorded.
PLACE_SETTING = {
    "street": "outdoor",
    "parking": "outdoor",
    "shop": "indoor",
    "corridor": "indoor",
    "sports hall": "indoor",
    "classroom": "indoor",
    "office": "indoor",
}
SURFACE_SETTING = {"grass": "outdoor", "road": "outdoor", "pavement": "outdoor", "water": "outdoor"}
SETTING_FROM_PLACE = 0.8
SETTING_FROM_SURFACE = 0.6
PLACE_FROM_SETTING = 0.3  # a place not decided, in the setting it needs (a gym asked for, an indoor view)
PLACE_NEAR: dict[frozenset[str], float] = {
    frozenset({"street", "parking"}): 0.3,
    frozenset({"shop", "corridor"}): 0.3,
    frozenset({"classroom", "office"}): 0.3,
}


def colour_match(wanted: str, seen: str | None) -> float:
    if seen is None:
        return 0.0
    if wanted == seen:
        return 1.0
    return _NEAR.get(frozenset({wanted, seen}), 0.0)
