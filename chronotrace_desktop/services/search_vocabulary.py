"""The words a detective types, mapped onto what ingestion can detect (COCO classes, colour names, flags).

COCO class names are the darknet release's spellings (``motorbike``, ``diningtable``...), as stored in
``objects_detected``. Colours are the eleven names of ``analysis.colors``. Plurals not listed here are found
by stripping ``s``/``es`` (see ``search_parse.lookup``).
"""

from __future__ import annotations

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
        "shirts", "jackets", "coats", "hoodies", "sweaters", "jumpers", "tops",
    }
)  # fmt: skip
LOWER_GARMENTS = frozenset(
    {"trousers", "pants", "jeans", "shorts", "skirt", "leggings", "joggers", "slacks", "chinos", "bottoms"}
)
WHOLE_GARMENTS = frozenset(
    {"dress", "clothes", "clothing", "outfit", "suit", "uniform", "overalls", "gown", "robe", "dressed"}
)
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
    }
)  # fmt: skip
PERSON_PLURALS = frozenset(
    {
        "people", "persons", "men", "women", "guys", "ladies", "boys", "girls", "children", "kids",
        "pedestrians", "individuals", "suspects", "shoppers", "customers", "workers", "students", "adults",
        "teenagers", "officers", "walkers", "figures", "humans", "visitors", "employees", "intruders",
        "passersby", "staff", "crowd", "males", "females", "riders", "cyclists", "bikers", "joggers",
        "runners", "group", "crowds",
    }
)  # fmt: skip

# Word -> COCO classes (any of them).
VEHICLE_WORDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        ("car", "sedan", "saloon", "suv", "hatchback", "taxi", "cab", "jeep", "coupe", "automobile"),
        frozenset({"car"}),
    ),
    **dict.fromkeys(("van", "minivan"), frozenset({"car", "truck"})),
    **dict.fromkeys(("truck", "lorry", "lorries", "pickup", "hgv", "tanker"), frozenset({"truck"})),
    **dict.fromkeys(("bus", "buses", "coach", "coaches", "minibus"), frozenset({"bus"})),
    **dict.fromkeys(
        ("motorbike", "motorcycle", "scooter", "moped", "motorcyclist"), frozenset({"motorbike"})
    ),
    **dict.fromkeys(("bicycle", "bike", "cycle", "cyclist", "biker", "bmx"), frozenset({"bicycle"})),
    **dict.fromkeys(("vehicle", "traffic"), MOTOR_VEHICLES),
    "parkinglot": frozenset({"car"}),
}
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
    {"still", "static", "stationary", "parked", "idle", "motionless", "sitting", "seated", "asleep"}
)
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

# The 80 classes YOLOv3-tiny reports, spelled as ``objects_detected`` stores them (darknet's coco.names).
COCO_CLASSES = frozenset(
    """person|bicycle|car|motorbike|aeroplane|bus|train|truck|boat|traffic light|fire hydrant|stop sign|
    parking meter|bench|bird|cat|dog|horse|sheep|cow|elephant|bear|zebra|giraffe|backpack|umbrella|handbag|tie|
    suitcase|frisbee|skis|snowboard|sports ball|kite|baseball bat|baseball glove|skateboard|surfboard|
    tennis racket|bottle|wine glass|cup|fork|knife|spoon|bowl|banana|apple|sandwich|orange|broccoli|carrot|
    hot dog|pizza|donut|cake|chair|sofa|pottedplant|bed|diningtable|toilet|tvmonitor|laptop|mouse|remote|
    keyboard|cell phone|microwave|oven|toaster|sink|refrigerator|book|clock|vase|scissors|teddy bear|
    hair drier|toothbrush""".replace("\n", "")
    .replace("    ", "")
    .split("|")
)
