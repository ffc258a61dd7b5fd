"""The player: redacted by default, transport keys, segments of the same video, boxes, and the audited reveal
(with the password again; the revealed original's reveal ends when it leaves the player)."""

from __future__ import annotations

from pathlib import Path

from chronotrace_desktop.domain.errors import AuthenticationError, PermissionDeniedError
from chronotrace_desktop.domain.media import Box
from chronotrace_desktop.storage.orm import AuditLog
from chronotrace_desktop.ui.panes.anomaly_access import anomaly_evidence
from chronotrace_desktop.ui.panes.player_pane import PlayerPane, boxes_at, evidence_at
from chronotrace_desktop.ui.qt import Qt
from chronotrace_desktop.ui.qt_media import QMediaPlayer
from tests.gui.conftest import ADMIN_PASSWORD, segments_of


def _pane(qtbot, library, pool, actor) -> PlayerPane:
    pane = PlayerPane(library.services, actor, pool)
    qtbot.addWidget(pane)
    pane.autoplay = False
    pane.resize(800, 600)
    pane.show()
    return pane


def _show(qtbot, pane: PlayerPane, segment_id) -> None:
    with qtbot.waitSignal(pane.segment_loaded, timeout=30_000):
        pane.show_segment(segment_id)
    qtbot.waitUntil(lambda: pane.player.mediaStatus() == QMediaPlayer.MediaStatus.LoadedMedia, timeout=10_000)


def _source(pane: PlayerPane) -> Path:
    return Path(pane.player.source().toLocalFile())


def test_plays_the_redacted_clip_with_transport(qtbot, library, pool) -> None:
    pane = _pane(qtbot, library, pool, library.viewer)
    first, second = segments_of(library, "car-detection.mp4")
    _show(qtbot, pane, first)
    assert _source(pane) == library.services.media.redacted_clip(library.viewer, first)
    assert pane.badge_label.text() == "REDACTED"
    assert pane.title_label.text().startswith("car-detection.mp4 · segment 1 of 2")
    assert not pane.controls.previous_action.isEnabled()
    assert pane.controls.next_action.isEnabled()

    pane.step(3)
    qtbot.waitUntil(lambda: pane.player.position() > 0, timeout=5_000)
    assert pane.controls.wall_label.text().startswith("Recorded 2024-02-09 14:30:00.")
    before = pane.player.position()
    pane.step(-1)
    qtbot.waitUntil(lambda: pane.player.position() < before, timeout=5_000)

    pane.setFocus()
    qtbot.keyClick(pane, Qt.Key.Key_L)
    assert pane.player.playbackRate() == 1.0
    qtbot.keyClick(pane, Qt.Key.Key_L)
    assert pane.player.playbackRate() == 2.0
    qtbot.keyClick(pane, Qt.Key.Key_K)
    assert pane.player.playbackState() != QMediaPlayer.PlaybackState.PlayingState
    qtbot.keyClick(pane, Qt.Key.Key_J)
    assert pane.shuttle.rate == -1.0
    assert pane._reverse_timer.isActive()
    qtbot.keyClick(pane, Qt.Key.Key_K)
    assert not pane._reverse_timer.isActive()

    with qtbot.waitSignal(pane.segment_loaded, timeout=30_000):
        pane.controls.next_action.trigger()
    assert pane.detail.segment.id == second
    assert pane.title_label.text().startswith("car-detection.mp4 · segment 2 of 2")
    assert pane.controls.previous_action.isEnabled()
    assert not pane.controls.next_action.isEnabled()


def test_detection_boxes_follow_the_time(qtbot, library, pool) -> None:
    pane = _pane(qtbot, library, pool, library.viewer)
    segment = segments_of(library, "car-detection.mp4")[0]
    _show(qtbot, pane, segment)
    detail = pane.detail
    sample = next(frame for frame in detail.detections if frame.objects)
    assert boxes_at(detail, sample.t + 0.1)
    pane.controls.boxes_action.setChecked(True)
    pane.player.setPosition(round((sample.t - detail.segment.start_time) * 1000) + 100)
    qtbot.waitUntil(lambda: bool(pane.view.boxes), timeout=5_000)
    pane.controls.boxes_action.setChecked(False)
    assert pane.view.boxes == ()


def test_viewer_never_receives_the_original(qtbot, library, pool) -> None:
    pane = _pane(qtbot, library, pool, library.viewer)
    segment = segments_of(library, "face-demographics-walking.gif")[0]
    _show(qtbot, pane, segment)
    assert not pane.can_reveal
    assert not pane.controls.reveal_action.isVisible()
    assert pane.ask_reveal() is None

    # A crafted call (the button is hidden) reaches the service, which refuses and audits the attempt.
    errors: list[BaseException] = []
    pane._on_reveal_failed = errors.append  # type: ignore[method-assign]
    pane.reveal("CASE-0001 we really want to see who this is", ADMIN_PASSWORD)
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert isinstance(errors[0], PermissionDeniedError)
    assert not pane.showing_original
    assert _source(pane) == library.services.media.redacted_clip(library.viewer, segment)
    with library.services.database.transaction() as session:
        denied = (
            session.query(AuditLog)
            .filter_by(user_id=library.viewer.user_id, action="permission_denied")
            .all()
        )
    assert any(row.meta.get("requested_action") == "reveal_pii" for row in denied)


def test_analyst_reveal_needs_a_justification_and_the_password_and_is_audited(
    qtbot, library, pool, monkeypatch, tmp_path
) -> None:
    pane = _pane(qtbot, library, pool, library.analyst)
    segment = segments_of(library, "face-demographics-walking.gif")[0]
    _show(qtbot, pane, segment)
    assert pane.controls.reveal_action.isVisible()
    evicted: list[str] = []  # the workstation store keeps originals; a shared one evicts what this asks
    monkeypatch.setattr(library.services.blobs, "evict", evicted.append)

    # A wrong password: nothing is shown, and the refusal is on the record.
    errors: list[BaseException] = []
    monkeypatch.setattr(pane, "_on_reveal_failed", errors.append)
    pane.reveal("CASE-2024-0113: identify the man in the grey top at the door", "not the password")
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert isinstance(errors[0], AuthenticationError)
    assert not pane.showing_original
    monkeypatch.undo()
    monkeypatch.setattr(library.services.blobs, "evict", evicted.append)

    dialog = pane.ask_reveal()
    assert dialog is not None
    assert dialog.password_edit.echoMode() == dialog.password_edit.EchoMode.Password
    dialog.justification_edit.setPlainText("too short")
    qtbot.keyClicks(dialog.password_edit, ADMIN_PASSWORD)
    assert not dialog.reveal_button.isEnabled()
    assert "of at least 20" in dialog.count_label.text()
    justification = "CASE-2024-0113: identify the man in the grey top at the door"
    dialog.justification_edit.setPlainText(justification)
    assert dialog.reveal_button.isEnabled()
    dialog.password_edit.clear()
    assert not dialog.reveal_button.isEnabled()  # no password, no reveal
    qtbot.keyClicks(dialog.password_edit, ADMIN_PASSWORD)
    assert dialog.reveal_button.isEnabled()
    assert dialog.grab().save(str(tmp_path / "reveal-dialog.png"))
    with qtbot.waitSignal(pane.revealed, timeout=10_000):
        dialog.reveal_button.click()
    assert pane.showing_original
    assert pane.badge_label.text() == "ORIGINAL — faces visible"
    original = _source(pane)
    assert original != library.services.media.redacted_clip(library.analyst, segment)
    assert "/segments/" in original.as_posix()
    with library.services.database.transaction() as session:
        rows = session.query(AuditLog).filter_by(action="pii_reveal", resource_id=segment).all()
        checks = (
            session.query(AuditLog)
            .filter_by(action="user_reauthenticated", user_id=library.analyst.user_id)
            .order_by(AuditLog.created_at)
            .all()
        )
    assert [r.justification for r in rows] == [justification]
    assert rows[0].user_id == library.analyst.user_id
    assert [(r.success, r.error_message) for r in checks] == [(False, "wrong_password"), (True, None)]

    # While the original is shown it stays; once the player is back on the redacted clip the reveal ends.
    assert evicted == []
    key = library.services.blobs.key_of(original)
    with qtbot.waitSignal(pane.segment_loaded, timeout=30_000):
        pane.controls.redacted_action.trigger()
    assert not pane.showing_original
    assert pane.badge_label.text() == "REDACTED"
    assert evicted == [key]
    assert _source(pane) != original


def test_no_boxes_before_the_first_sample(library) -> None:
    detail = library.services.library.segment_detail(library.admin, segments_of(library, "video02.avi")[0])
    assert boxes_at(detail, -10.0) == ()


def test_an_anomalys_boxes_are_read_from_its_metadata_and_held_between_points() -> None:
    points = anomaly_evidence(
        {
            "object_type": "object",
            "boxes": [[14.0, 0.3, 0.86, 0.05, 0.07], [20.0, 0.31, 0.86, 0.05, 0.07], "bad"],
        }
    )
    assert [(t, b.label) for t, b in points] == [(14.0, "anomaly: object"), (20.0, "anomaly: object")]
    assert evidence_at(points, 10.0) == ()
    assert evidence_at(points, 17.0) == (points[0][1],)
    assert evidence_at(points, 21.0) == (points[1][1],)
    assert evidence_at(points, 30.0) == ()
    assert anomaly_evidence({}) == ()
    assert isinstance(points[0][1], Box)
