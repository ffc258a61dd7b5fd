"""Find this person elsewhere in the GUI: picking a box in the player's picture, and appearance hits in the
search pane (their reason names the appearance)."""

from __future__ import annotations

from pathlib import Path

from chronotrace_desktop.domain.media import Box
from chronotrace_desktop.domain.search import QueryType
from chronotrace_desktop.services.appearance import load_person_labels
from chronotrace_desktop.ui.models.search_model import HitRole, WhyRole
from chronotrace_desktop.ui.panes.search_pane import SearchPane
from chronotrace_desktop.ui.panes.video_view import SELECTED_COLOUR, VideoView
from chronotrace_desktop.ui.qt import QPoint, QPointF, Qt

PERSON = Box(0.10, 0.20, 0.20, 0.60, "person", 0.9)
CAR = Box(0.50, 0.50, 0.40, 0.30, "car", 0.8)
FACE = Box(0.15, 0.22, 0.05, 0.08, "face", 0.9)
LABELS = Path(__file__).resolve().parents[2] / "eval" / "appearance" / "dev_people.json"


def _view(qtbot) -> VideoView:
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(640, 360)
    view.show()
    qtbot.waitExposed(view)
    view.set_boxes((PERSON, CAR, FACE))
    return view


def _point(view: VideoView, x: float, y: float) -> QPoint:
    """The viewport point at normalised (x, y) of the picture."""
    frame = view.video_item.boundingRect()
    return view.mapFromScene(QPointF(frame.left() + x * frame.width(), frame.top() + y * frame.height()))


def test_clicking_a_box_selects_it_and_the_button_asks_to_find_it(qtbot) -> None:
    view = _view(qtbot)
    assert not view.video_item.boundingRect().isEmpty()
    assert not view.find_button.isVisible()
    with qtbot.waitSignal(view.box_selected) as selected:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_point(view, 0.2, 0.7))
    assert selected.args == [PERSON]
    assert view.find_button.isVisible()
    assert view.find_action.text() == "Find this person elsewhere"
    pens = [
        item.pen().color() for item in view._overlay if hasattr(item, "pen") and item.pen().widthF() == 4.0
    ]
    assert pens == [SELECTED_COLOUR]
    with qtbot.waitSignal(view.find_elsewhere_requested) as requested:
        qtbot.mouseClick(view.find_button, Qt.MouseButton.LeftButton)
    assert requested.args == [PERSON]


def test_the_smallest_pickable_box_wins_faces_are_not_picked_and_a_miss_clears(qtbot) -> None:
    view = _view(qtbot)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=_point(view, 0.17, 0.25)
    )  # face in person
    assert view.selected == PERSON
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_point(view, 0.7, 0.6))
    assert view.selected == CAR
    assert view.find_action.text() == "Find this vehicle elsewhere"
    assert [a.text() for a in view.context_menu().actions()] == ["Find this vehicle elsewhere"]
    with qtbot.waitSignal(view.box_selected) as cleared:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_point(view, 0.95, 0.05))
    assert cleared.args == [None]
    assert not view.find_button.isVisible()
    assert not view.find_action.isEnabled()


def test_the_search_pane_shows_appearance_hits_with_their_reason(qtbot, qtmodeltester, library, pool) -> None:
    label = next(x for x in load_person_labels(LABELS) if x.identity == "obo-C")  # the blonde woman at 51 s
    video_id = library.video_ids[label.clip]
    segment = next(
        s
        for s in library.services.library.segments_of(library.admin, video_id)
        if s.start_time <= label.t < s.end_time
    )
    pane = SearchPane(library.services, library.viewer, pool)
    qtbot.addWidget(pane)
    pane.resize(1000, 650)
    pane.show()
    with qtbot.waitSignal(pane.search_finished, timeout=30_000) as finished:
        pane.find_elsewhere(segment.id, label.t - segment.start_time, label.box)
    result = finished.args[0]
    assert result.query_type is QueryType.APPEARANCE
    qtmodeltester.check(pane.results_model)
    assert pane.results_model.rowCount() > 0
    top = pane.results_model.index(0).data(HitRole)
    assert top.video_filename == label.clip
    assert pane.results_model.index(0).data(WhyRole).startswith("appearance: ")
    assert "appearance" in pane.status_label.text()
