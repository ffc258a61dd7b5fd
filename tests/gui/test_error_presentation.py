"""Errors by blame: a user-facing error is a plain message, anything else a bug report with details."""

from __future__ import annotations

from chronotrace_desktop.domain.errors import AuthenticationError
from chronotrace_desktop.ui.errors import BUG_TEXT, error_box, show_error
from chronotrace_desktop.ui.qt import QMessageBox


def test_user_facing_error_is_a_plain_message(qtbot) -> None:
    box = error_box(None, AuthenticationError("This account is disabled. Ask an administrator to enable it."))
    qtbot.addWidget(box)
    assert box.icon() == QMessageBox.Icon.Warning
    assert box.text() == "This account is disabled. Ask an administrator to enable it."
    assert box.detailedText() == ""


def test_bug_shows_the_traceback_in_the_details(qtbot) -> None:
    try:
        {}["missing"]
    except KeyError as exc:
        caught = exc
    box = show_error(None, caught)  # deletes itself once closed
    assert box.isVisible()
    assert box.icon() == QMessageBox.Icon.Critical
    assert box.text() == BUG_TEXT
    assert "KeyError: 'missing'" in box.informativeText()
    assert "Traceback (most recent call last)" in box.detailedText()
    box.close()
