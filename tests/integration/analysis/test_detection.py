"""NanoDet-g over square tiles on real frames, its installed files, and ``chronotrace eval-detections``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chronotrace_desktop.analysis.detection import TiledConfig, TiledDetector
from chronotrace_desktop.analysis.models import HUMAN_SUBDIR, ModelsMissingError, require_nanodet
from chronotrace_desktop.analysis.objects import ObjectDetector
from chronotrace_desktop.config import models_dir
from chronotrace_desktop.media.frames import frame_at
from tests.conftest import VIDEOS_DIR, scratch_dir

REPO = Path(__file__).resolve().parents[3]
GYM = VIDEOS_DIR / "2018-03-11.16-20-00.16-25-00.school.G330.annotated.mp4"


def people(boxes: list) -> int:  # type: ignore[type-arg]
    return sum(1 for b in boxes if b.label == "person")


def test_the_gym_crowd_is_seen_where_yolo_saw_a_few() -> None:
    frame = frame_at(GYM, 20.0)
    nanodet = TiledDetector.load().detect(frame)
    yolo = ObjectDetector.load().detect(frame)
    assert people(nanodet) >= 15
    assert people(yolo) * 3 <= people(nanodet)
    assert all(b.x >= 0 and b.x + b.w <= 1.0001 and b.y >= 0 and b.y + b.h <= 1.0001 for b in nanodet)


def test_the_zoomed_pass_runs_only_on_wide_views_of_small_people() -> None:
    detector = TiledDetector.load()
    gym = frame_at(GYM, 20.0)
    close = frame_at(VIDEOS_DIR / "one-by-one-person-detection.mp4", 32.5)
    cover_only = TiledDetector(detector.net, detector.config, TiledConfig(fine_side=0.0))
    assert detector.fine_views(*gym.shape[1::-1], cover_only.detect(gym))
    assert not detector.fine_views(*close.shape[1::-1], cover_only.detect(close))
    assert people(detector.detect(gym)) >= people(cover_only.detect(gym))


def test_cars_seen_from_straight_above_are_cars() -> None:
    boxes = TiledDetector.load().detect(frame_at(VIDEOS_DIR / "car-detection.mp4", 16.5))
    assert any(b.label == "car" for b in boxes)
    assert not any(b.label in {"cell phone", "parking meter"} for b in boxes)


def test_a_damaged_or_swapped_model_file_is_refused(tmp_path: Path) -> None:
    shutil.copytree(models_dir() / HUMAN_SUBDIR, tmp_path / HUMAN_SUBDIR)
    assert require_nanodet(tmp_path) == tmp_path / HUMAN_SUBDIR / "nanodet.onnx"
    model = tmp_path / HUMAN_SUBDIR / "nanodet.onnx"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(ModelsMissingError, match="SHA-256 differs"):
        require_nanodet(tmp_path)
    (tmp_path / HUMAN_SUBDIR / "manifest.json").unlink()
    with pytest.raises(ModelsMissingError):
        require_nanodet(tmp_path)
    model.unlink()
    with pytest.raises(ModelsMissingError, match="chronotrace models install --only human"):
        require_nanodet(tmp_path)


def test_eval_detections_reports_the_new_default_ahead_of_yolo_on_the_hand_labels() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "chronotrace_desktop",
            "--data-dir",
            str(scratch_dir("evaldet-")),
            "eval-detections",
            str(REPO / "eval" / "dev_detections.json"),
            "--detector",
            "nanodet",
            "--detector",
            "yolo",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    reports = {r["detector"]: r for r in json.loads(result.stdout)["reports"]}
    nanodet, yolo = reports["nanodet"]["overall"], reports["yolo"]["overall"]
    assert reports["nanodet"]["frames"] >= 40
    assert nanodet["person"]["labels"] >= 200
    assert nanodet["person"]["recall"] >= 2 * yolo["person"]["recall"]
    assert nanodet["person"]["precision"] >= 0.7
    assert nanodet["vehicle"]["precision"] >= 0.9
    assert nanodet["vehicle"]["recall"] > yolo["vehicle"]["recall"]
