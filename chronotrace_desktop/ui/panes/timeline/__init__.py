"""The timeline pane: cameras as lanes on one wall-clock axis (``pane``), its painted area (``canvas``,
``paint``) and the tiles of data it fetches in the background (``tiles``)."""

from chronotrace_desktop.ui.panes.timeline.pane import TimelinePane

__all__ = ["TimelinePane"]
