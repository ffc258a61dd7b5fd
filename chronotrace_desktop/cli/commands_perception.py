"""``chronotrace eval-detections LABELS.json [--detector NAME ...] [--videos DIR] [--json]`` and
``chronotrace eval-people LABELS.json [--videos DIR] [--json]``.

Recall and precision of the object detectors on hand-labelled frames (``services.evaluation``), and the
precision of every people attribute on hand-labelled crops (``services.people_eval``). Both read video files
only: no account, no database.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.output import print_json, print_table
from chronotrace_desktop.domain.errors import ExitCode
from chronotrace_desktop.services.evaluation import (
    DETECTORS,
    GROUPS,
    evaluate_detectors,
    evaluate_scene,
    load_detection_labels,
    measure_people,
)

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext
    from chronotrace_desktop.services.evaluation import Tally


def register(commands: Any) -> None:
    ev = commands.add_parser(
        "eval-detections", help="measure the object detectors on hand-labelled frames (recall, precision)"
    )
    ev.add_argument("labels", type=Path, metavar="LABELS.json")
    ev.add_argument(
        "--detector",
        action="append",
        choices=sorted(DETECTORS),
        help="detector to measure (repeatable; default: all)",
    )
    ev.add_argument("--videos", type=Path, metavar="DIR", help="folder of the labelled videos")
    ev.add_argument("--per-video", action="store_true", help="also print each video's figures")
    ev.add_argument("--json", action="store_true", help="print the reports as JSON")
    ev.set_defaults(handler=run_eval_detections)

    people = commands.add_parser(
        "eval-people", help="measure gender, age group, posture and garment tags on hand-labelled crops"
    )
    people.add_argument("labels", type=Path, metavar="LABELS.json")
    people.add_argument("--videos", type=Path, metavar="DIR", help="folder of the labelled videos")
    people.add_argument("--json", action="store_true", help="print the report as JSON")
    people.set_defaults(handler=run_eval_people)

    scene = commands.add_parser(
        "eval-scene", help="measure the scene cues of the ingested clips against labels (precision per value)"
    )
    scene.add_argument("labels", type=Path, metavar="LABELS.json")
    scene.add_argument("--json", action="store_true", help="print the report as JSON")
    scene.add_argument("--user", required=True, metavar="E", help="the account reading the library")
    scene.set_defaults(handler=run_eval_scene)


def run_eval_scene(ctx: CliContext) -> ExitCode:
    services = ctx.services()
    report = evaluate_scene(services.database, services.authorizer, ctx.actor(), ctx.args.labels)
    if ctx.args.json:
        print_json(report.as_json())
        return ExitCode.OK
    rows = [
        {
            "cue": s.cue,
            "value": s.value,
            "said": str(s.said),
            "right": str(s.right),
            "precision": _fmt(s.precision),
        }
        for s in report.scores
    ]
    print_table(rows, ["cue", "value", "said", "right", "precision"])
    for cue, (set_on, labelled) in report.coverage.items():
        print(f"{cue}: set on {set_on} of {labelled} labelled segments")
    return ExitCode.OK


def run_eval_people(ctx: CliContext) -> ExitCode:
    report = measure_people(ctx.args.labels, ctx.args.videos)
    if ctx.args.json:
        print_json(report.as_json())
        return ExitCode.OK
    rows = [
        {
            "attribute": s.attribute,
            "value": s.value,
            "given": str(s.said),
            "right": str(s.right),
            "precision": _fmt(s.precision),
            "labelled": str(s.support),
            "people": str(s.people),
        }
        for s in report.scores
    ]
    print_table(rows, ["attribute", "value", "given", "right", "precision", "labelled", "people"])
    print(f"\n{report.crops} crops of {report.people} people; {report.ms_per_person:.1f} ms per person")
    return ExitCode.OK


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _row(name: str, frames: int, ms: float | None, tallies: dict[str, Tally]) -> dict[str, str]:
    row = {"detector": name, "frames": str(frames), "ms/frame": "-" if ms is None else f"{ms:.0f}"}
    for group in GROUPS:
        t = tallies[group]
        row[f"{group} R"] = _fmt(t.recall)
        row[f"{group} P"] = _fmt(t.precision)
        row[f"{group} n"] = str(t.labels)
    return row


def run_eval_detections(ctx: CliContext) -> ExitCode:
    frames, videos = load_detection_labels(ctx.args.labels)
    if ctx.args.videos is not None:
        videos = ctx.args.videos
    reports = evaluate_detectors(frames, videos, ctx.args.detector or list(DETECTORS))
    if ctx.args.json:
        print_json({"match_iou": 0.4, "reports": [r.as_json() for r in reports]})
        return ExitCode.OK
    columns = ["detector", "frames", "ms/frame"]
    for group in GROUPS:
        columns += [f"{group} R", f"{group} P", f"{group} n"]
    rows = [_row(r.detector, r.frames, r.ms_per_frame, r.overall) for r in reports]
    print_table(rows, columns)
    if ctx.args.per_video:
        for report in reports:
            print(f"\n{report.detector}:")
            per = [_row(video, 0, None, tallies) for video, tallies in sorted(report.per_video.items())]
            for row in per:
                row.pop("frames")
                row.pop("ms/frame")
            print_table(per, [c for c in columns if c not in ("frames", "ms/frame")])
    return ExitCode.OK
