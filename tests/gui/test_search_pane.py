"""The search pane over the ingested library: words, history, filters, find similar, a dropped image."""

from __future__ import annotations

import uuid
from dataclasses import replace

from chronotrace_desktop.domain.search import QueryType, SearchResult, SearchTimings
from chronotrace_desktop.ui.models.search_model import HitRole, IdRole, SearchResultsModel
from chronotrace_desktop.ui.panes.search_engines import engines_text, failures_text
from chronotrace_desktop.ui.panes.search_pane import SearchPane
from chronotrace_desktop.ui.qt import QDropEvent, QImage, QMimeData, QPixmap, QPointF, Qt, QUrl
from tests.gui.conftest import segments_of


def _pane(qtbot, library, pool, actor=None) -> SearchPane:
    pane = SearchPane(library.services, actor or library.analyst, pool)
    qtbot.addWidget(pane)
    pane.resize(1000, 650)
    pane.show()
    qtbot.waitUntil(lambda: pane.filters_panel.objects_list.count() > 1, timeout=10_000)
    return pane


def _search(qtbot, pane: SearchPane, text: str):
    with qtbot.waitSignal(pane.search_finished, timeout=30_000) as finished:
        pane.query_combo.setEditText(text)
        qtbot.keyClick(pane.query_edit, Qt.Key.Key_Return)
    return finished.args[0]


def test_words_find_the_cars(qtbot, qtmodeltester, library, pool) -> None:
    pane = _pane(qtbot, library, pool)
    result = _search(qtbot, pane, "car")
    qtmodeltester.check(pane.results_model)
    assert pane.results_model.rowCount() > 0
    top = pane.results_model.index(0).data(HitRole)
    assert top.video_filename in {"car-detection.mp4", "video02.avi"}
    assert top.why
    assert "results for" in pane.status_label.text()
    assert result.query_type is QueryType.TEXT
    qtbot.waitUntil(
        lambda: isinstance(pane.results_model.index(0).data(Qt.ItemDataRole.DecorationRole), QPixmap),
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: pane.query_combo.findText("car") >= 0, timeout=10_000)  # history from `searches`
    pane.grid_button.setChecked(False)
    assert pane.grid_button.text() == "List"


def test_filters_narrow_the_hits(qtbot, library, pool) -> None:
    pane = _pane(qtbot, library, pool)
    pane.filters_button.setChecked(True)
    pane.filters_panel.faces_combo.setCurrentIndex(pane.filters_panel.faces_combo.findData(False))
    assert pane.filters_button.text() == "Filters (1)"
    _search(qtbot, pane, "people walking")
    hits = pane.results_model.hits
    assert hits
    assert all(not hit.has_faces for hit in hits)
    pane.filters_panel.reset()
    assert pane.filters_button.text() == "Filters"


def test_find_similar_on_a_hit(qtbot, library, pool) -> None:
    pane = _pane(qtbot, library, pool)
    _search(qtbot, pane, "car")
    source = pane.results_model.index(0).data(IdRole)
    pane.results_view.setCurrentIndex(pane.results_model.index(0))
    assert pane.similar_button.isEnabled()
    with qtbot.waitSignal(pane.search_finished, timeout=30_000) as finished:
        pane.find_similar_to_selected()
    result = finished.args[0]
    assert result.query_type is QueryType.SIMILAR
    assert result.hits
    assert source not in {hit.segment_id for hit in result.hits}


def test_dropping_an_image_searches_by_image(qtbot, library, pool, tmp_path) -> None:
    pane = _pane(qtbot, library, pool)
    segment = segments_of(library, "car-detection.mp4")[0]
    still = tmp_path / "still.png"
    assert QImage(str(library.services.media.redacted_thumbnail(library.analyst, segment))).save(str(still))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(still))])
    drop = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(pane.search_finished, timeout=60_000) as finished:
        pane.dropEvent(drop)
    result = finished.args[0]
    assert result.query_type is QueryType.IMAGE
    assert result.query_text == "image: still.png"


def test_a_contradicting_filter_is_explained_not_searched(qtbot, library, pool) -> None:
    pane = _pane(qtbot, library, pool)
    panel = pane.filters_panel
    panel.from_check.setChecked(True)
    panel.to_check.setChecked(True)
    panel.to_edit.setDateTime(panel.from_edit.dateTime().addDays(-1))
    pane.query_combo.setEditText("car")
    pane.run_text_search()
    assert not pane.busy
    assert "ends before it starts" in pane.status_label.text()


def test_results_model_alone(qtmodeltester) -> None:
    model = SearchResultsModel()
    qtmodeltester.check(model)


NOVA_FAILURE = (
    "nova: Bedrock could not be reached (EndpointConnectionError: Could not connect to the endpoint URL "
    '"https://bedrock-runtime.eu-west-1.amazonaws.com/model/amazon.nova-2-multimodal-embeddings-v1:0/invoke"); '
    "check the network, the region and the credentials, then search again"
)


def test_the_summary_names_the_engines_that_answered(qtbot, library, pool) -> None:
    pane = _pane(qtbot, library, pool)
    result = _search(qtbot, pane, "car")
    assert result.engines == ("offline",)  # nothing configured beside the default
    assert "engines: offline" in pane.status_label.text()
    assert pane.engines_warning.isHidden()

    width = pane.width()
    pane.show_result(replace(result, engines=("offline", "clip"), engines_failed=(NOVA_FAILURE,)))
    assert "engines: offline + clip" in pane.status_label.text()
    assert "results for" in pane.status_label.text()
    warning = pane.engines_warning
    assert warning.isVisible()
    assert warning.full_text.startswith("nova did not answer: Bedrock could not be reached")
    assert warning.toolTip() == warning.full_text
    assert warning.text().startswith("⚠ nova did not answer")
    assert warning.text().endswith("…")  # elided to the pane's width, the whole reason in the tooltip
    assert warning.fontMetrics().horizontalAdvance(warning.text()) <= warning.contentsRect().width()
    assert pane.width() == width  # a long reason never widens the pane

    pane.resize(3000, 650)
    qtbot.waitUntil(lambda: not warning.text().endswith("…"), timeout=5_000)

    _search(qtbot, pane, "people walking")  # the next answer has every engine: no warning left over
    assert pane.engines_warning.isHidden()
    assert pane.engines_warning.full_text == ""


def test_every_failed_engine_is_named() -> None:
    result = SearchResult(
        search_id=uuid.uuid4(),
        query_text="red top",
        query_type=QueryType.TEXT,
        hits=(),
        cache_hit=False,
        timings=SearchTimings(total_ms=12.0, embed_ms=3.0, vector_ms=2.0, db_ms=4.0),
        engines=("offline",),
        engines_failed=("nova: throttled after 5 tries", "clip: model folder /srv/clip is gone", "other"),
    )
    assert engines_text(result) == "engines: offline"
    assert failures_text(result) == (
        "nova did not answer: throttled after 5 tries; "
        "clip did not answer: model folder /srv/clip is gone; other did not answer"
    )
