"""The query parser: detective wording → exact criteria and a caption-style rewrite."""

from __future__ import annotations

import pytest

from chronotrace_desktop.services.search.criteria import Count, Faces, HasObject, Lighting, Motion, NoPeople
from chronotrace_desktop.services.search.looks import AnyColour, PersonLook, VehicleLook
from chronotrace_desktop.services.search.parse import parse_query
from chronotrace_desktop.services.search.words import tokenize


def kinds(text: str) -> list[str]:
    return [type(c).__name__ for c in parse_query(text).criteria]


def test_tokenize_joins_known_phrases() -> None:
    assert tokenize("Man in a T-shirt with a cell phone, hi-vis") == [
        "man", "in", "a", "tshirt", "with", "a", "cellphone", "hivis",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "classes"),
    [
        ("car", {"car"}),
        ("a lorry", {"truck"}),
        ("bike", {"bicycle"}),
        ("a motorcycle", {"motorbike"}),
        ("coach", {"bus"}),
        ("vehicle", {"car", "truck", "bus", "motorbike"}),
        ("woman", {"person"}),
        ("pedestrians", {"person"}),
        ("rucksack", {"backpack"}),
        ("a bag", {"backpack", "handbag", "suitcase"}),
        ("mobile phone", {"cell phone"}),
    ],
)
def test_synonyms_map_to_coco_classes(text: str, classes: set[str]) -> None:
    found = [c for c in parse_query(text).criteria if isinstance(c, HasObject)]
    assert any(c.classes == frozenset(classes) for c in found), found


def looks(text: str) -> list[PersonLook]:
    return [c for c in parse_query(text).criteria if isinstance(c, PersonLook)]


def test_colour_and_garments_are_one_person() -> None:
    parsed = parse_query("person in grey shirt and blue jeans")
    assert looks("person in grey shirt and blue jeans") == [
        PersonLook("grey top and blue trousers", 0.8, upper="grey", lower="blue")
    ]
    assert parsed.caption == "1 person in a grey top and blue trousers"
    assert parsed.understood == ("person", "grey top and blue trousers")
    man = parse_query("man in grey shirt and blue jeans")
    assert man.understood == ("person", "man, grey top and blue trousers")
    assert man.caption == "a man in a grey top and blue trousers"


def test_colour_synonyms_and_jeans_default_to_blue() -> None:
    assert looks("someone in a navy hoodie")[0].upper == "blue"
    assert looks("woman wearing jeans")[0].lower == "blue"


def test_colour_before_a_vehicle_is_the_vehicle_colour() -> None:
    parsed = parse_query("red car")
    assert VehicleLook("red car", 0.8, colour="red", classes=frozenset({"car"})) in parsed.criteria
    assert not any(isinstance(c, PersonLook) for c in parsed.criteria)
    assert parse_query("silver car").criteria[1].colour == "grey"  # type: ignore[attr-defined]


def test_colour_of_an_undetected_thing_is_not_a_clothing_colour() -> None:
    parsed = parse_query("person with a red backpack and blonde hair")
    assert not any(isinstance(c, AnyColour) for c in parsed.criteria)
    assert not any(isinstance(c, PersonLook) and (c.upper or c.lower or c.anywhere) for c in parsed.criteria)
    assert {c.label for c in parsed.criteria} == {"person", "backpack"}


def test_loose_colours_attach_by_context() -> None:
    assert kinds("man dressed in black") == ["HasObject", "PersonLook"]
    assert looks("man dressed in black")[0].anywhere == ("black",)
    assert kinds("something red") == ["AnyColour"]


def test_two_people_described_separately() -> None:
    people = looks("a man in red and a woman in blue")
    assert [(c.gender, c.anywhere) for c in people] == [("male", ("red",)), ("female", ("blue",))]
    assert parse_query("a man in red and a woman in blue").caption == (
        "2 people, a man in a red top, a woman in a blue top"
    )


@pytest.mark.parametrize(
    ("text", "n", "at_least"),
    [("two people", 2, False), ("3 men", 3, False), ("a crowd", 5, True), ("several people", 3, True)],
)
def test_person_counts(text: str, n: int, at_least: bool) -> None:
    counts = [c for c in parse_query(text).criteria if isinstance(c, Count)]
    assert (counts[0].n, counts[0].at_least) == (n, at_least)


def test_plural_means_more_than_one_and_alone_means_one() -> None:
    plural = [c for c in parse_query("shoppers").criteria if isinstance(c, Count)]
    assert (plural[0].n, plural[0].at_least) == (2, True)
    alone = [c for c in parse_query("person alone").criteria if isinstance(c, Count)]
    assert (alone[0].n, alone[0].at_least) == (1, False)
    cars = [c for c in parse_query("3 red cars").criteria if isinstance(c, Count)]
    assert cars[0].classes == frozenset({"car"})
    assert cars[0].n == 3


def test_flags_faces_night_motion() -> None:
    parsed = parse_query("faces visible at night, someone running")
    assert Faces("faces", 0.6, present=True) in parsed.criteria
    assert any(isinstance(c, Lighting) and "night" in c.values for c in parsed.criteria)
    assert any(isinstance(c, Motion) and c.level == "high" for c in parsed.criteria)
    parked = parse_query("parked car").criteria
    assert VehicleLook("parked car", 0.4, classes=frozenset({"car"}), motion="still") in parked
    assert not any(isinstance(c, Motion) for c in parked)  # a parked car in a busy street still counts
    assert any(isinstance(c, Motion) and c.level == "none" for c in parse_query("nothing moving").criteria)


def test_negations() -> None:
    assert kinds("empty corridor") == ["NoPeople", "Where"]
    assert kinds("no people") == ["NoPeople"]
    assert Faces("no faces", 0.6, present=False) in parse_query("person without face").criteria
    assert kinds("street with no cars") == ["Where"]
    assert kinds("nobody sitting") == ["NoPeople"]
    assert kinds("no crowd") == ["NoPeople"]
    assert kinds("not indoors") == []
    assert isinstance(parse_query("nobody").criteria[0], NoPeople)


def test_unknown_words_leave_the_vector_search_alone() -> None:
    parsed = parse_query("suspicious activity near the gate")
    assert parsed.criteria == ()
    assert parsed.caption == ""


def test_caption_rewrite_speaks_like_the_captions() -> None:
    assert parse_query("two men in red jackets near a white van at night").caption == (
        "2 men in a red jacket; a white van; night"
    )
    assert parse_query("bottles").caption == "bottles"
    assert parse_query("worker in a hi-vis vest").caption == "1 person in an orange top wearing a hi-vis vest"
    assert parse_query("3 buses").caption == "3 buses"
