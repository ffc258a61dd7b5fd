"""Documents rendered from what services produce: the evidence report as a PDF (Qt's PDF writer)."""

from chronotrace_desktop.reports.pdf import QtPdfReportRenderer, ensure_gui_application

__all__ = ["QtPdfReportRenderer", "ensure_gui_application"]
