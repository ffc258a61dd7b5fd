"""The tracker on synthetic boxes: crossing walkers, missed detections, class flips, JSON."""

from __future__ import annotations

import json

from chronotrace_desktop.analysis.tracking import Tracker, TrackerConfig, build_tracks
from chronotrace_desktop.domain.analysis import FrameDetections, Track
from chronotrace_desktop.domain.media import Box


def walker(t: float, x0: float, speed: float, label: str = "person") -> Box:
    """A 0.06 x 0.3 box moving horizontally at ``speed`` frame widths per second."""
    return Box(x0 + speed * t, 0.4, 0.06, 0.3, label, 0.9)


def test_two_people_crossing_keep_their_ids() -> None:
    tracker = Tracker()
    for t in range(9):
        tracker.update(float(t), [walker(t, 0.05, 0.1), walker(t, 0.85, -0.1)])
    tracks = tracker.tracks()
    assert len(tracks) == 2
    left_to_right = next(tr for tr in tracks if tr.points[0].box.x < 0.5)
    assert [round(p.box.x, 2) for p in left_to_right.points] == [round(0.05 + 0.1 * t, 2) for t in range(9)]
    assert all(len(tr.points) == 9 for tr in tracks)


def test_fast_walker_without_overlap_is_followed_by_distance() -> None:
    tracker = Tracker()
    ids = [tracker.update(float(t), [walker(t, 0.0, 0.12)])[0] for t in range(6)]  # moves 2 widths a second
    assert len(set(ids)) == 1


def test_missed_detections_within_max_gap_do_not_split_a_track() -> None:
    tracker = Tracker(TrackerConfig(max_gap=3.0))
    seen = [0, 1, 3, 4, 7, 12]  # gaps of 2 s, 3 s (kept) and 5 s (too long)
    ids = {t: tracker.update(float(t), [walker(t, 0.1, 0.03)])[0] for t in seen}
    assert ids[0] == ids[1] == ids[3] == ids[4] == ids[7]
    assert ids[12] != ids[7]
    first, second = tracker.tracks()
    assert first.duration == 7.0
    assert len(second.points) == 1


def test_vehicle_class_flips_stay_one_track_with_the_majority_label() -> None:
    tracker = Tracker()
    labels = ["car", "truck", "car", "car"]
    for t, label in enumerate(labels):
        tracker.update(float(t), [walker(t, 0.1, 0.05, label)])
    (track,) = tracker.tracks()
    assert track.label == "car"
    assert [p.box.label for p in track.points] == labels


def test_people_and_vehicles_never_share_a_track_and_other_classes_are_not_tracked() -> None:
    tracker = Tracker()
    ids = tracker.update(0.0, [walker(0, 0.3, 0), Box(0.3, 0.4, 0.06, 0.3, "bottle")])
    assert ids[0] is not None
    assert ids[1] is None
    ids = tracker.update(1.0, [Box(0.3, 0.4, 0.06, 0.3, "car")])
    assert ids[0] is not None
    assert len(tracker.tracks()) == 2


def test_build_tracks_sorts_frames_and_round_trips_through_json() -> None:
    frames = [
        FrameDetections(float(t), (walker(t, 0.1, 0.05), walker(t, 0.6, 0.0, "suitcase"))) for t in range(5)
    ]
    tracks = build_tracks(reversed(frames))
    assert [tr.label for tr in tracks] == ["person", "suitcase"]
    assert tracks[1].duration == 4.0
    restored = [Track.from_dict(json.loads(json.dumps(tr.to_dict()))) for tr in tracks]
    assert [tr.track_id for tr in restored] == [tr.track_id for tr in tracks]
    for a, b in zip(restored, tracks, strict=True):
        assert [p.t for p in a.points] == [p.t for p in b.points]
        assert all(abs(pa.box.x - pb.box.x) < 1e-4 for pa, pb in zip(a.points, b.points, strict=True))
    assert build_tracks(frames, min_points=6) == []


def test_frame_detections_round_trip() -> None:
    frame = FrameDetections(2.5, (walker(0, 0.1, 0),), (Box(0.1, 0.1, 0.02, 0.03, "face", 0.9),), reused=True)
    assert FrameDetections.from_dict(json.loads(json.dumps(frame.to_dict()))) == frame
