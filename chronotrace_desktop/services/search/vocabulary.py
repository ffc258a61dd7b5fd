"""The words a detective types, mapped onto what ingestion can detect (COCO classes, colour names, flags,
and since issue 11 gender and age, vehicle types and states, postures, worn and carried things, the scene
and the anomaly rules' findings).

COCO class names are the darknet release's spellings (``motorbike``, ``diningtable``...), as stored in
``objects_detected``; ``VEHICLE_WORDS`` stays word -> COCO classes (the ``--object`` filter uses it), the
finer types ingestion refines cars and trucks into are ``VEHICLE_TYPES``. Colours are the eleven names of
``analysis.colors``. Tags, places, surfaces and anomaly types are the values ``domain.analysis`` and
``domain.anomalies`` store. Plurals not listed here are found by stripping ``s``/``es`` (see
``words.lookup``); two-word names become one token first (``PHRASES``).
"""

from __future__ import annotations

from chronotrace_desktop.analysis.objects import COCO_NAMES

MOTOR_VEHICLES = frozenset({"car", "truck", "bus", "motorbike"})
BAGS = frozenset({"backpack", "handbag", "suitcase"})

COLOURS = {
    "red": "red", "orange": "orange", "yellow": "yellow", "green": "green", "blue": "blue",
    "purple": "purple", "pink": "pink", "brown": "brown", "black": "black", "white": "white",
    "grey": "grey", "gray": "grey", "silver": "grey", "navy": "blue", "maroon": "red", "burgundy": "red",
    "crimson": "red", "scarlet": "red", "beige": "brown", "tan": "brown", "khaki": "brown",
    "cream": "white", "ivory": "white", "gold": "yellow", "golden": "yellow", "teal": "blue",
    "turquoise": "blue", "cyan": "blue", "violet": "purple", "lilac": "purple", "lavender": "purple",
    "mauve": "purple", "magenta": "pink", "olive": "green", "charcoal": "grey", "hivis": "orange",
    "fluorescent": "yellow", "neon": "yellow",
}  # fmt: skip

UPPER_GARMENTS = frozenset(
    {
        "top", "shirt", "tshirt", "tee", "jacket", "coat", "hoodie", "hoody", "sweater", "jumper",
        "cardigan", "blouse", "vest", "fleece", "sweatshirt", "jersey", "blazer", "parka", "anorak",
        "polo", "tank", "tunic", "gilet", "raincoat", "overcoat", "windbreaker", "sleeve", "sleeves",
        "shirts", "jackets", "coats", "hoodies", "sweaters", "jumpers", "tops", "puffer", "blouses",
    }
)  # fmt: skip
LOWER_GARMENTS = frozenset(
    {"trousers", "pants", "jeans", "shorts", "skirt", "skirts", "miniskirt", "leggings", "joggers", "slacks",
     "chinos", "bottoms"}
)  # fmt: skip
WHOLE_GARMENTS = frozenset(
    {"dress", "dresses", "sundress", "clothes", "clothing", "outfit", "outfits", "suit", "suits", "uniform",
     "uniforms", "overalls", "gown", "gowns", "robe", "dressed"}
)  # fmt: skip
# Worn or carried things whose colour the detectors do not read: a colour before them is not a clothing colour.
UNCOLOURED = frozenset(
    {
        "hat", "cap", "helmet", "hardhat", "hood", "hair", "shoes", "shoe", "boots", "trainers", "sneakers",
        "scarf", "gloves", "glasses", "sunglasses", "spectacles", "mask", "masks", "beard", "box", "umbrella",
        "bag", "backpack", "handbag", "suitcase", "rucksack", "purse", "bottle", "door", "wall", "sign", "light",
        "roof",
    }
)  # fmt: skip

PERSON_WORDS = frozenset(
    {
        "person", "man", "woman", "guy", "lady", "boy", "girl", "child", "kid", "pedestrian", "individual",
        "someone", "somebody", "suspect", "shopper", "customer", "worker", "student", "adult", "teenager",
        "officer", "walker", "figure", "human", "visitor", "employee", "intruder", "passerby", "male",
        "female", "youth", "thief", "rider", "cyclist", "biker", "motorcyclist", "jogger", "runner",
        "gentleman", "teen", "toddler", "baby", "infant", "elder", "pensioner", "senior", "mother", "mum",
        "mom", "daughter", "wife", "grandmother", "granny", "grandma", "father", "dad", "son", "husband",
        "grandfather", "grandpa", "granddad", "schoolboy", "schoolgirl", "policeman", "policewoman",
    }
)  # fmt: skip
PERSON_PLURALS = frozenset(
    {
        "people", "persons", "men", "women", "guys", "ladies", "boys", "girls", "children", "kids",
        "pedestrians", "individuals", "suspects", "shoppers", "customers", "workers", "students", "adults",
        "teenagers", "officers", "walkers", "figures", "humans", "visitors", "employees", "intruders",
        "passersby", "staff", "crowd", "males", "females", "riders", "cyclists", "bikers", "joggers",
        "runners", "group", "crowds", "gentlemen", "teens", "toddlers", "babies", "elderly", "pensioners",
        "seniors", "youths", "schoolchildren", "schoolkids", "mothers", "fathers",
    }
)  # fmt: skip
# What a person word says beyond "a person": (gender, age wanted). Ages are ``weights.AGE_MATCH`` keys.
_FEMALE = ("female", None)
_MALE = ("male", None)
PERSON_TRAITS: dict[str, tuple[str | None, str | None]] = {
    **dict.fromkeys(
        ("woman", "women", "lady", "ladies", "female", "females", "mother", "mothers", "mum", "mom", "wife",
         "daughter", "policewoman"),
        _FEMALE,
    ),
    **dict.fromkeys(
        ("man", "men", "guy", "guys", "gentleman", "gentlemen", "male", "males", "father", "fathers", "dad",
         "husband", "son", "policeman"),
        _MALE,
    ),
    **dict.fromkeys(("girl", "girls", "schoolgirl"), ("female", "juvenile")),
    **dict.fromkeys(("boy", "boys", "schoolboy"), ("male", "juvenile")),
    **dict.fromkeys(("grandmother", "granny", "grandma"), ("female", "senior")),
    **dict.fromkeys(("grandfather", "grandpa", "granddad"), ("male", "senior")),
    **dict.fromkeys(
        ("child", "children", "kid", "kids", "toddler", "toddlers", "baby", "babies", "infant",
         "schoolchildren", "schoolkids"),
        (None, "child"),
    ),
    **dict.fromkeys(("teenager", "teenagers", "teen", "teens", "youth", "youths"), (None, "teen")),
    **dict.fromkeys(("adult", "adults"), (None, "adult")),
    **dict.fromkeys(
        ("elderly", "elder", "pensioner", "pensioners", "senior", "seniors"), (None, "senior")
    ),
}  # fmt: skip
# Words before a person word that give an age ("an old man", "young woman").
AGE_ADJECTIVES = {
    "old": "senior", "older": "senior", "elderly": "senior", "aged": "senior", "senior": "senior",
    "young": "young", "younger": "young", "teenage": "teen", "teenaged": "teen", "little": "child",
}  # fmt: skip

# Word -> COCO classes (any of them).
VEHICLE_WORDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        ("car", "sedan", "saloon", "suv", "hatchback", "taxi", "cab", "jeep", "coupe", "automobile"),
        frozenset({"car"}),
    ),
    **dict.fromkeys(("van", "minivan", "campervan"), frozenset({"car", "truck"})),
    **dict.fromkeys(("truck", "lorry", "lorries", "pickup", "hgv", "tanker"), frozenset({"truck"})),
    **dict.fromkeys(("bus", "buses", "coach", "coaches", "minibus"), frozenset({"bus"})),
    **dict.fromkeys(
        ("motorbike", "motorcycle", "scooter", "moped", "motorcyclist"), frozenset({"motorbike"})
    ),
    **dict.fromkeys(("bicycle", "bike", "cycle", "cyclist", "biker", "bmx"), frozenset({"bicycle"})),
    **dict.fromkeys(("vehicle", "traffic"), MOTOR_VEHICLES),
}
# Vehicle types ingestion refines COCO car/truck into (``VehicleAppearance.label``); their COCO classes above.
VEHICLE_TYPES = {"van": "van", "minivan": "van", "campervan": "van", "pickup": "pickup"}
# Person words that also name a vehicle ("cyclist" = a person and a bicycle).
PERSON_WITH_VEHICLE = frozenset({"cyclist", "biker", "motorcyclist", "cyclists", "bikers", "motorcyclists"})

OBJECT_WORDS: dict[str, frozenset[str]] = {
    **{
        name: frozenset({name})
        for name in (
            "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "kite",
            "skateboard", "surfboard", "bottle", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
            "sandwich", "broccoli", "carrot", "pizza", "donut", "cake", "chair", "sofa", "bed", "toilet",
            "laptop", "mouse", "remote", "keyboard", "microwave", "oven", "toaster", "sink", "refrigerator",
            "book", "clock", "vase", "scissors", "toothbrush", "bench", "bird", "cat", "dog", "horse",
            "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "train", "boat", "aeroplane",
        )
    },
    **dict.fromkeys(("rucksack",), frozenset({"backpack"})),
    **dict.fromkeys(("purse",), frozenset({"handbag"})),
    **dict.fromkeys(("bag", "luggage", "baggage"), BAGS),
    **dict.fromkeys(("mug", "glass"), frozenset({"cup", "wine glass"})),
    **dict.fromkeys(("couch",), frozenset({"sofa"})),
    **dict.fromkeys(("table", "desk"), frozenset({"diningtable"})),
    **dict.fromkeys(("plant",), frozenset({"pottedplant"})),
    **dict.fromkeys(("tv", "television", "monitor", "screen"), frozenset({"tvmonitor"})),
    **dict.fromkeys(("phone", "cellphone", "smartphone", "mobile"), frozenset({"cell phone"})),
    **dict.fromkeys(("fridge",), frozenset({"refrigerator"})),
    **dict.fromkeys(("plane", "airplane", "aircraft"), frozenset({"aeroplane"})),
    **dict.fromkeys(("ball",), frozenset({"sports ball"})),
    **dict.fromkeys(("trafficlight",), frozenset({"traffic light"})),
    **dict.fromkeys(("stopsign",), frozenset({"stop sign"})),
    **dict.fromkeys(("hydrant",), frozenset({"fire hydrant"})),
    **dict.fromkeys(("parkingmeter",), frozenset({"parking meter"})),
    **dict.fromkeys(("teddy",), frozenset({"teddy bear"})),
    **dict.fromkeys(("hotdog",), frozenset({"hot dog"})),
    **dict.fromkeys(("wineglass",), frozenset({"wine glass"})),
    **dict.fromkeys(("hairdryer",), frozenset({"hair drier"})),
    **dict.fromkeys(("bat",), frozenset({"baseball bat"})),
    **dict.fromkeys(("racket",), frozenset({"tennis racket"})),
}  # fmt: skip

NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "couple": 2, "pair": 2, "both": 2,
}  # fmt: skip
# "at least n": several cars, a crowd.
AT_LEAST = {"several": 3, "few": 2, "multiple": 2, "many": 4, "lots": 4, "crowd": 5, "crowds": 5, "group": 3}
ALONE = frozenset({"alone", "lone", "single", "solo", "solitary", "himself", "herself"})

FACE_WORDS = frozenset({"face", "faces", "facial", "frontal"})
NIGHT_WORDS = frozenset(
    {"night", "nighttime", "dusk", "evening", "lowlight", "dim", "darkness", "unlit", "nocturnal"}
)
DAY_WORDS = frozenset({"day", "daytime", "daylight", "sunny", "sunlight", "midday", "afternoon", "morning"})
FAST_WORDS = frozenset(
    {"running", "run", "runs", "sprinting", "rushing", "racing", "speeding", "fast", "chasing", "fleeing",
     "fighting", "fight", "chase"}
)  # fmt: skip
MOVING_WORDS = frozenset(
    {"moving", "moves", "motion", "movement", "walking", "walk", "walks", "driving", "crossing", "riding",
     "passing", "travelling", "traveling", "arriving", "leaving", "entering", "exiting", "busy"}
)  # fmt: skip
STILL_WORDS = frozenset(
    {"still", "static", "stationary", "parked", "idle", "idling", "motionless", "asleep", "stopped", "halted",
     "stalled", "brokendown", "pulledover", "waiting", "wait", "waits", "loitering", "lingering", "standstill"}
)  # fmt: skip
# Still words that, said of a vehicle, are the vehicle_stopped rule's business too ("a stopped van").
STOPPED_WORDS = frozenset({"stopped", "halted", "stalled", "brokendown", "pulledover", "abandoned"})
POSTURE_WORDS = {
    **dict.fromkeys(("sitting", "sit", "sits", "sat", "seated", "sitdown"), "sitting"),
    **dict.fromkeys(("standing", "stand", "stands", "stood", "upright"), "standing"),
    **dict.fromkeys(
        ("lying", "laying", "lies", "prone", "fallen", "fell", "falling", "fall", "falls", "collapsed",
         "collapsing", "collapse", "slipped", "tripped", "fainted", "unconscious", "onground"),
        "lying",
    ),
}  # fmt: skip
# Posture words that do not name a person by themselves ("a bag on the floor").
POSTURE_NEEDS_PERSON = frozenset({"onground", "stand", "stands", "upright", "fall", "falls", "lies"})
# Worn or carried things a person can be tagged with (``weights.TAG_MATCH`` keys).
TAG_WORDS = {
    **dict.fromkeys(("hat", "hats", "beanie", "beret", "fedora", "sunhat", "bonnet"), "hat"),
    **dict.fromkeys(("cap", "caps", "baseballcap"), "cap"),
    **dict.fromkeys(("hood", "hooded", "hoodie", "hoody", "hoodies"), "hood"),
    **dict.fromkeys(("helmet", "helmets", "hardhat", "hardhats"), "helmet"),
    **dict.fromkeys(("backpack", "backpacks", "rucksack", "rucksacks", "knapsack", "schoolbag"), "backpack"),
    **dict.fromkeys(("bag", "bags", "handbag", "handbags", "purse", "holdall", "shoppingbag", "tote"), "bag"),
    **dict.fromkeys(("suitcase", "suitcases", "luggage"), "suitcase"),
    **dict.fromkeys(("umbrella", "umbrellas", "brolly"), "umbrella"),
    "hivis": "hivis",
    **dict.fromkeys(
        ("jacket", "jackets", "coat", "coats", "blazer", "parka", "anorak", "raincoat", "overcoat",
         "windbreaker", "puffer"),
        "jacket",
    ),
    **dict.fromkeys(("dress", "dresses", "gown", "sundress"), "dress"),
    **dict.fromkeys(("skirt", "skirts", "miniskirt"), "skirt"),
    "shorts": "shorts",
    **dict.fromkeys(("glasses", "spectacles", "sunglasses"), "glasses"),
    **dict.fromkeys(("mask", "masks", "facemask", "balaclava"), "mask"),
}  # fmt: skip
# Tags carried rather than worn: they belong to a person only when the query says so ("with", "carrying").
CARRIED_TAGS = frozenset({"backpack", "bag", "suitcase", "umbrella"})
CARRY_CUES = frozenset(
    {"with", "carrying", "carries", "carried", "holding", "holds", "wearing", "wears", "has", "having",
     "pulling", "wheeling", "dragging", "own", "his", "her", "their"}
)  # fmt: skip

SETTING_WORDS = {
    **dict.fromkeys(("indoors", "indoor", "inside", "interior", "inhouse"), "indoor"),
    **dict.fromkeys(("outdoors", "outdoor", "outside", "exterior", "openair"), "outdoor"),
}
# Word -> (places, surfaces) of ``SceneCues``, either of which satisfies it; the first place is the caption's.
_STREET = (("street",), ("road",))
PLACE_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    **dict.fromkeys(
        ("street", "streets", "road", "roads", "highway", "highways", "motorway", "freeway", "junction",
         "intersection", "crossroads", "roundabout", "avenue", "zebracrossing", "carriageway"),
        _STREET,
    ),
    **dict.fromkeys(("parkinglot", "parking", "carpark", "carparks", "parkinglots"), (("parking",), ())),
    **dict.fromkeys(
        ("corridor", "corridors", "hallway", "hallways", "passage", "passageway", "concourse"),
        (("corridor",), ()),
    ),
    "hall": (("corridor", "sports hall"), ()),
    **dict.fromkeys(
        ("shop", "shops", "store", "stores", "supermarket", "aisle", "aisles", "shopping", "mall",
         "checkout", "boutique", "pharmacy", "grocery", "instore"),
        (("shop",), ()),
    ),
    **dict.fromkeys(("classroom", "classrooms", "lecture"), (("classroom",), ())),
    **dict.fromkeys(("gym", "gyms", "gymnasium", "sportshall"), (("sports hall",), ())),
    **dict.fromkeys(("office", "offices"), (("office",), ())),
    **dict.fromkeys(
        ("grass", "grassy", "lawn", "lawns", "park", "field", "fields", "garden", "meadow", "pitch"),
        ((), ("grass",)),
    ),
    **dict.fromkeys(
        ("pavement", "pavements", "sidewalk", "sidewalks", "footpath", "kerb", "curb", "walkway"),
        ((), ("pavement",)),
    ),
    **dict.fromkeys(
        ("water", "river", "lake", "canal", "sea", "pond", "pool", "harbour", "harbor", "waterfront",
         "riverside", "beach"),
        ((), ("water",)),
    ),
}  # fmt: skip

# Anomaly types (``domain.anomalies.AnomalyType``) a word asks for. "stopped" + a vehicle: STOPPED_WORDS.
EVENT_WORDS = {
    **dict.fromkeys(
        ("abandoned", "abandon", "unattended", "leftbehind", "dumped", "unclaimed"), "object_abandonment"
    ),
    **dict.fromkeys(
        ("loitering", "loiter", "loiters", "loiterer", "loiterers", "lingering", "linger", "lingers",
         "waiting", "wait", "waits", "lurking", "lurks", "hangingaround"),
        "loitering",
    ),
    **dict.fromkeys(
        ("crowd", "crowds", "crowded", "gathering", "gatherings", "gathered", "gather", "congregating",
         "mob", "throng"),
        "crowd_formation",
    ),
    **dict.fromkeys(
        ("fall", "falls", "fell", "fallen", "falling", "collapsed", "collapse", "collapsing", "slipped",
         "tripped", "fainted"),
        "fall_detection",
    ),
    **dict.fromkeys(
        ("running", "runs", "ran", "sprinting", "sprint", "fleeing", "flee", "fled", "erratic", "wrongway"),
        "unusual_movement",
    ),
    **dict.fromkeys(
        ("breach", "breached", "trespass", "trespassing", "trespasser", "trespassers", "intrusion",
         "breakin"),
        "perimeter_breach",
    ),
    **dict.fromkeys(("afterhours", "outofhours"), "after_hours_access"),
    **dict.fromkeys(("stalled", "brokendown"), "vehicle_stopped"),
}  # fmt: skip
NEGATIONS = frozenset({"no", "without", "not", "nothing", "none", "never"})
EMPTY_WORDS = frozenset({"nobody", "empty", "deserted", "unoccupied", "vacant", "noone"})

# Two-word names turned into one token before parsing.
PHRASES = (
    ("t shirt", "tshirt"),
    ("tee shirt", "tshirt"),
    ("hi vis", "hivis"),
    ("high vis", "hivis"),
    ("high visibility", "hivis"),
    ("hard hat", "hardhat"),
    ("low light", "lowlight"),
    ("night time", "nighttime"),
    ("no one", "noone"),
    ("pick up truck", "pickup"),
    ("pickup truck", "pickup"),
    ("mini van", "minivan"),
    ("camper van", "campervan"),
    ("sports hall", "sportshall"),
    ("parking space", "parkinglot"),
    ("parking bay", "parkinglot"),
    ("parking garage", "parkinglot"),
    ("bus stop", "busstop"),
    ("zebra crossing", "zebracrossing"),
    ("pedestrian crossing", "zebracrossing"),
    ("side walk", "sidewalk"),
    ("foot path", "footpath"),
    ("shopping centre", "mall"),
    ("shopping center", "mall"),
    ("shopping bag", "shoppingbag"),
    ("baseball cap", "baseballcap"),
    ("safety vest", "hivis vest"),
    ("reflective vest", "hivis vest"),
    ("face mask", "facemask"),
    ("open air", "openair"),
    ("in store", "instore"),
    ("lying down", "lying"),
    ("laying down", "lying"),
    ("sitting down", "sitting"),
    ("sat down", "sitting"),
    ("standing up", "standing"),
    ("standing still", "standing standstill"),
    ("stood still", "standing standstill"),
    ("on the ground", "onground"),
    ("on the floor", "onground"),
    ("fell over", "fell"),
    ("fell down", "fell"),
    ("fallen over", "fallen"),
    ("fallen down", "fallen"),
    ("left behind", "leftbehind"),
    ("left unattended", "unattended"),
    ("hanging around", "hangingaround"),
    ("hanging about", "hangingaround"),
    ("broken down", "brokendown"),
    ("broke down", "brokendown"),
    ("pulled over", "pulledover"),
    ("break in", "breakin"),
    ("broke in", "breakin"),
    ("breaking in", "breakin"),
    ("after hours", "afterhours"),
    ("out of hours", "outofhours"),
    ("wrong way", "wrongway"),
    ("cell phone", "cellphone"),
    ("mobile phone", "cellphone"),
    ("traffic light", "trafficlight"),
    ("stop sign", "stopsign"),
    ("fire hydrant", "hydrant"),
    ("parking meter", "parkingmeter"),
    ("teddy bear", "teddy"),
    ("hot dog", "hotdog"),
    ("wine glass", "wineglass"),
    ("hair dryer", "hairdryer"),
    ("hair drier", "hairdryer"),
    ("parking lot", "parkinglot"),
    ("car park", "parkinglot"),
    ("passers by", "passersby"),
)

# The 80 COCO classes the detectors report, spelled as ``objects_detected`` stores them (darknet's coco.names).
COCO_CLASSES = frozenset(COCO_NAMES)
