"""Score "find this person elsewhere" on the labelled people: ``python eval/appearance/run.py [--data-dir DIR]``.

Without ``--data-dir`` it makes a new installation in a temporary folder, ingests the shared clips the label
files name plus distractor clips (so every query searches a library of other people too), then runs
``chronotrace eval-appearance`` on the dev set (tuned on) and the held-apart set (never tuned on).
Needs ``CHRONOTRACE_PASSWORD`` (the administrator's password; any for a new installation).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
VIDEOS = HERE.parents[2] / "shared" / "data" / "videos"
ADMIN = "eval@chronotrace.test"
SETS = ("dev_people.json", "heldout_people.json")
CLIPS = (
    "one-by-one-person-detection.mp4",
    "face-demographics-walking-and-pause.gif",
    "face-demographics-walking.gif",
    "store-aisle-detection.gif",
    "2018-03-11.16-20-00.16-25-00.school.G330.annotated.mp4",
    # distractors: people who are none of the labelled ones
    "head-pose-face-detection-female-and-male.gif",
    "classroom.gif",
    "worker-zone-detection.gif",
    "person-bicycle-car-detection.gif",
    "video03.avi",
    "car-detection.mp4",
)


def chronotrace(data_dir: Path, *args: str) -> None:
    command = [sys.executable, "-m", "chronotrace_desktop", "--data-dir", str(data_dir), *args]
    subprocess.run(command, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, help="an installation that already holds the clips")
    args = parser.parse_args()
    os.environ.setdefault("CHRONOTRACE_PASSWORD", "appearance evaluation")
    data_dir = args.data_dir
    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="chronotrace-appearance-eval-")) / "data"
        chronotrace(data_dir, "init", "--admin-email", ADMIN)
        chronotrace(data_dir, "ingest", "--user", ADMIN, *(str(VIDEOS / clip) for clip in CLIPS))
    user = os.environ.get("CHRONOTRACE_EVAL_USER", ADMIN)
    for name in SETS:
        print(f"\n== {name}", flush=True)  # noqa: T201 - a script's output
        chronotrace(data_dir, "eval-appearance", str(HERE / name), "--user", user)


if __name__ == "__main__":
    main()
