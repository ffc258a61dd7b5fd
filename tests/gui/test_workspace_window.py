"""The investigation workspace in the main window over the shared ingested library (issue 16 done-when):
the case is followed by every pane, a bookmark made in the player reaches the list and the timeline, the
timeline and the bookmark list play their moment, and "find this person elsewhere" from the player fills the
search pane with appearance hits."""

from __future__ import annotations

from pathlib import Path

from chronotrace_desktop.domain.search import QueryType
from chronotrace_desktop.services.appearance import load_person_labels
from chronotrace_desktop.services.cases import NewBookmark
from chronotrace_desktop.ui.window import MainWindow

LABELS = Path(__file__).resolve().parents[2] / "eval" / "appearance" / "dev_people.json"


def _window(qtbot, library, actor, ui_settings) -> MainWindow:
    window = MainWindow(library.services, actor, settings=ui_settings)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    window.player_pane.autoplay = False
    qtbot.waitUntil(lambda: window.pool.active_count == 0, timeout=20_000)
    return window


def test_the_case_is_followed_and_bookmarks_and_the_timeline_play_their_moment(
    qtbot, library, ui_settings
) -> None:
    services = library.services
    case = services.cases.create(library.analyst, "Workspace window")
    clip = "one-by-one-person-detection.mp4"
    services.cases.add_videos(library.analyst, case.case_id, [library.video_ids[clip]])
    window = _window(qtbot, library, library.analyst, ui_settings)

    with qtbot.waitSignal(window.workspace.case_changed, timeout=20_000):
        window.workspace.select(case.case_id)
    assert window.bookmarks_pane.case_id == case.case_id
    assert window.player_pane.bookmarks.case_id == case.case_id
    assert window.search_pane._case_id == case.case_id
    qtbot.waitUntil(lambda: window.pool.active_count == 0, timeout=20_000)
    qtbot.waitUntil(lambda: window.timeline_pane.extent is not None, timeout=20_000)
    assert [lane.camera_id for lane in window.timeline_pane.extent.lanes] == ["CAM-07"]

    with qtbot.waitSignal(window.search_pane.search_finished, timeout=30_000) as searched:
        window.search_pane.query_combo.setEditText("person")
        window.search_pane.run_text_search()
    assert {hit.video_id for hit in searched.args[0].hits} == {library.video_ids[clip]}

    # A bookmark (made as the player's M does, through the service) reaches the list and the timeline.
    mark = services.bookmarks.create(
        library.analyst,
        NewBookmark(library.video_ids[clip], 20.0, note="Woman in white", case_id=case.case_id),
    )
    with qtbot.waitSignal(window.bookmarks_pane.refreshed, timeout=20_000):
        window.player_pane.bookmark_created.emit(mark)
    model = window.bookmarks_pane.model
    assert [model.item(row).bookmark_id for row in range(model.rowCount())] == [mark.bookmark_id]

    with qtbot.waitSignal(window.player_pane.segment_loaded, timeout=30_000) as loaded:
        window.bookmarks_pane.jump_requested.emit(mark.video_id, mark.offset_s)
    segment = loaded.args[0].segment
    assert segment.start_time <= 20.0 < segment.end_time
    qtbot.waitUntil(
        lambda: window.player_pane._start_ms > 0 or window.player_pane.player.position() > 0, timeout=10_000
    )

    with qtbot.waitSignal(window.player_pane.segment_loaded, timeout=30_000) as played:
        window.timeline_pane.play_requested.emit(segment.id, 2.5)
    assert played.args[0].segment.id == segment.id

    window.workspace.select(None)
    assert window.bookmarks_pane.case_id is None
    assert window.search_pane._case_id is None
    window.player_pane.stop()
    qtbot.waitUntil(lambda: window.pool.active_count == 0, timeout=20_000)


def test_find_this_person_elsewhere_from_the_player(qtbot, library, ui_settings) -> None:
    label = next(x for x in load_person_labels(LABELS) if x.identity == "obo-C")
    video_id = library.video_ids[label.clip]
    segment = next(
        s
        for s in library.services.library.segments_of(library.admin, video_id)
        if s.start_time <= label.t < s.end_time
    )
    window = _window(qtbot, library, library.viewer, ui_settings)
    with qtbot.waitSignal(window.search_pane.search_finished, timeout=30_000) as finished:
        window.player_pane.find_elsewhere_requested.emit(segment.id, label.t - segment.start_time, label.box)
    result = finished.args[0]
    assert result.query_type is QueryType.APPEARANCE
    assert result.hits
    assert all(hit.why[0].startswith("appearance: ") for hit in result.hits)
    assert window.docks["search"].isVisible()
    qtbot.waitUntil(lambda: window.pool.active_count == 0, timeout=20_000)
