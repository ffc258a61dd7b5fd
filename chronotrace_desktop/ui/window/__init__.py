"""The main window and what it owns beyond the panes: the export command, anomaly alerts, layout persistence."""

from chronotrace_desktop.ui.window.main_window import MainWindow

__all__ = ["MainWindow"]
