"""People attributes from one frame: gender and age group (face crops), posture (box shape), garment tags.

Pure analysis (NumPy, OpenCV, onnxruntime). The ingest calls ``PeopleAttributes.for_thread(models_dir)``
once per worker thread and ``describe(image, people, faces)`` per detector run; ``measure_person_attributes``
scores everything on ``eval/dev_person_attributes.json`` (what a ``chronotrace eval-people`` command prints).
Every value is only returned above a floor measured there to give a precision of at least 0.8.
"""

from chronotrace_desktop.analysis.people.attributes import (
    PeopleAttributes,
    PeopleConfig,
    PersonLook,
    assign_faces,
)
from chronotrace_desktop.analysis.people.demographics import FaceDemographics, FaceReading
from chronotrace_desktop.analysis.people.evaluate import (
    PeopleReport,
    Score,
    TagSweep,
    measure_person_attributes,
)
from chronotrace_desktop.analysis.people.posture import posture, segment_posture
from chronotrace_desktop.analysis.people.tags import DROPPED_TAGS, PERSON_TAGS

__all__ = [
    "DROPPED_TAGS",
    "PERSON_TAGS",
    "FaceDemographics",
    "FaceReading",
    "PeopleAttributes",
    "PeopleConfig",
    "PeopleReport",
    "PersonLook",
    "Score",
    "TagSweep",
    "assign_faces",
    "measure_person_attributes",
    "posture",
    "segment_posture",
]
