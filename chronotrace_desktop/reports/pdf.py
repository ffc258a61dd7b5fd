"""The evidence report as a PDF, written with Qt's PDF writer: ``QtPdfReportRenderer`` implements the
services' ``ReportRenderer`` port.

The body is a flow of small ``QTextDocument`` blocks (Qt rich-text HTML) laid out at the writer's resolution
and placed on pages by hand: a table is a header row and one single-row table per row, all with the same
column widths, so a row is never cut across two pages, the header row repeats on every page a table spans,
and a heading stays with the start of its table. Each page gets a header (case, watermark) and a footer
(package, exporter, page N of M, watermark) painted around the body.

Qt needs a ``QGuiApplication`` for fonts. The desktop app has one; for the command line and benchmarks
:func:`ensure_gui_application` creates one on the ``offscreen`` platform (a PDF needs no screen), which works
with or without a display. Painting on a PDF writer is allowed off the GUI thread, so the GUI renders from a
worker; only the application object must be created on the main thread.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.reports import pdf_html as html
from chronotrace_desktop.reports.qt import (
    QAbstractTextDocumentLayout,
    QColor,
    QCoreApplication,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QMarginsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPalette,
    QPdfWriter,
    QPen,
    QRectF,
    Qt,
    QTextDocument,
    QUrl,
)

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.domain.export import ReportModel
    from chronotrace_desktop.domain.media import Box

logger = logging.getLogger(__name__)

RESOLUTION_DPI = 300
MARGINS_MM = (14.0, 12.0, 14.0, 10.0)  # left, top, right, bottom
HEADER_PT = 8.5
BODY_PT = 8.5
TEXT_COLOUR = "#111111"
BOX_COLOUR = "#ff4081"  # a bookmark's box on its still (as the player draws evidence)
_APP: QGuiApplication | None = None  # the application this module created, kept alive
_APP_LOCK = threading.Lock()


def ensure_gui_application() -> None:
    """Make sure a ``QGuiApplication`` exists (create an offscreen one on the main thread if none does)."""
    global _APP
    with _APP_LOCK:
        existing = QCoreApplication.instance()
        if isinstance(existing, QGuiApplication):
            return
        if existing is not None:
            raise EnvironmentProblemError(
                "PDF reports need Qt's GUI application, but a non-GUI Qt application is running"
            )
        if threading.current_thread() is not threading.main_thread():
            raise EnvironmentProblemError(
                "PDF reports need Qt's GUI application; create it on the main thread before exporting"
            )
        # "-platform" on the command line wins over QT_QPA_PLATFORM: a PDF needs no screen, and a missing or
        # unreachable display would otherwise abort the whole process.
        _APP = QGuiApplication(["chronotrace", "-platform", "offscreen"])
        logger.debug("Created an offscreen QGuiApplication for PDF reports")


@dataclass(frozen=True, slots=True)
class _Placed:
    """A block on a page: drawn at ``y``, showing its own ``[src_y, src_y + height)``."""

    doc: QTextDocument
    y: float
    src_y: float
    height: float


class _Layout:
    """Places blocks on pages of ``body`` height, top to bottom, never splitting a block that fits a page."""

    def __init__(self, writer: QPdfWriter, width: float, body: float, images: dict[str, QImage]) -> None:
        self._writer = writer
        self._width = width
        self._body = body
        self._images = images
        self.pages: list[list[_Placed]] = [[]]
        self._y = 0.0

    def doc(self, markup: str, image: str | None = None) -> QTextDocument:
        document = QTextDocument()
        document.documentLayout().setPaintDevice(self._writer)
        document.setDefaultFont(_font("DejaVu Sans", BODY_PT))
        document.setDefaultStyleSheet(html.STYLE)
        document.setDocumentMargin(0)
        if image is not None and image in self._images:
            document.addResource(
                QTextDocument.ResourceType.ImageResource.value, QUrl(image), self._images[image]
            )
        document.setHtml(markup)
        document.setTextWidth(self._width)
        return document

    def _room(self) -> float:
        return self._body - self._y

    def new_page(self) -> None:
        if self.pages[-1]:
            self.pages.append([])
        self._y = 0.0

    def place(self, document: QTextDocument, *, keep: float = 0.0) -> None:
        """Place ``document``; on a new page if it (plus ``keep``, what must follow it) does not fit here."""
        height = document.size().height()
        if self._y > 0 and height + keep > self._room():
            self.new_page()
        if height <= self._room():
            self.pages[-1].append(_Placed(document, self._y, 0.0, height))
            self._y += height
            return
        shown = 0.0  # taller than a page (a very long justification): cut into page-high slices
        while shown < height:
            part = min(self._room(), height - shown)
            self.pages[-1].append(_Placed(document, self._y, shown, part))
            shown += part
            self._y += part
            if shown < height:
                self.new_page()

    def table(self, table: html.Table) -> None:
        heading = self.doc(table.heading)
        header = self.doc(table.header_html())
        rows = [self.doc(row.markup, row.image) for row in table.rows]
        first = rows[0].size().height() if rows else 0.0
        self.place(heading, keep=header.size().height() + first)
        self.place(header, keep=first)
        for row in rows:
            if row.size().height() > self._room() and self._y > 0:
                self.new_page()
                self.place(self.doc(table.header_html(continued=True)))
            self.place(row)


class QtPdfReportRenderer:
    """A4 portrait with header and footer on every page. Satisfies ``domain.export.ReportRenderer``."""

    def __init__(self, *, resolution: int = RESOLUTION_DPI) -> None:
        self.resolution = resolution

    def render(self, model: ReportModel, dest: Path) -> None:
        ensure_gui_application()
        writer = QPdfWriter(str(dest))
        writer.setResolution(self.resolution)
        writer.setTitle(f"Evidence report - {model.case_id}")
        writer.setCreator(model.application)
        left, top, right, bottom = MARGINS_MM
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(left, top, right, bottom),
                QPageLayout.Unit.Millimeter,
            )
        )
        area = writer.pageLayout().paintRectPixels(self.resolution)
        width, height = float(area.width()), float(area.height())
        header, footer = self._pt(HEADER_PT) * 2.2, self._pt(HEADER_PT) * 3.4
        images = {}
        for segment in model.segments:
            if segment.thumbnail is not None:
                image = QImage(str(segment.thumbnail))
                if not image.isNull():
                    images[html.thumb_url(segment)] = image
        for bookmark in model.bookmarks:
            if bookmark.still is not None:
                image = QImage(str(bookmark.still))
                if not image.isNull():
                    images[html.still_url(bookmark)] = _with_box(image, bookmark.box)
        layout = _Layout(writer, width, height - header - footer, images)
        for block in html.report_blocks(model):
            if isinstance(block, html.Table):
                layout.table(block)
            else:
                layout.place(layout.doc(block))
        painter = QPainter()
        if not painter.begin(writer):
            raise EnvironmentProblemError(f"cannot write the PDF report at {dest}")
        try:
            for number, page in enumerate(layout.pages, 1):
                if number > 1:
                    writer.newPage()
                self._frame(painter, model, number, len(layout.pages), width, height, header, footer)
                for placed in page:
                    painter.save()
                    painter.translate(0, header + placed.y - placed.src_y)
                    _draw(painter, placed.doc, QRectF(0, placed.src_y, width, placed.height))
                    painter.restore()
        finally:
            painter.end()
        logger.info(
            "Wrote the report of case %s: %d pages, %d segments",
            model.case_id,
            len(layout.pages),
            len(model.segments),
        )

    def _pt(self, points: float) -> float:
        return points * self.resolution / 72.0

    def _frame(
        self,
        painter: QPainter,
        model: ReportModel,
        page: int,
        pages: int,
        width: float,
        height: float,
        header: float,
        footer: float,
    ) -> None:
        """Header: title and case left, watermark right. Footer: package and exporter, page N of M, watermark."""
        line = self._pt(0.6)
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        centre = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter
        painter.setPen(QPen(QColor("#1f3a5f"), line))
        painter.drawLine(0, round(header - 3 * line), round(width), round(header - 3 * line))
        top_of_footer = height - footer + 3 * line
        painter.drawLine(0, round(top_of_footer), round(width), round(top_of_footer))
        band = header - 4 * line
        painter.setFont(_font("DejaVu Sans", HEADER_PT, bold=True))
        painter.drawText(
            QRectF(0, 0, width * 0.6, band), left, f"Evidence report \u2014 case {model.case_id}"
        )
        painter.setPen(QColor("#b3001b"))
        painter.drawText(QRectF(width * 0.4, 0, width * 0.6, band), right, model.header_text)

        row = (footer - 4 * line) / 2
        first = top_of_footer + line
        exported = f"exported {model.created_at:%Y-%m-%d %H:%M} UTC by {model.examiner}"
        package = f"Package {model.package_id} \u00b7 {exported}"
        painter.setFont(_fitting(painter, package, HEADER_PT - 1.5, width * 0.8))
        painter.setPen(QColor("#444444"))
        painter.drawText(QRectF(0, first, width * 0.82, row), left, package)
        painter.setFont(_font("DejaVu Sans", HEADER_PT - 0.5, bold=True))
        painter.setPen(QColor("#222222"))
        painter.drawText(QRectF(width * 0.82, first, width * 0.18, row), right, f"Page {page} of {pages}")
        painter.setPen(QColor("#b3001b"))
        painter.drawText(QRectF(0, first + row, width, row), centre, model.header_text)


def _draw(painter: QPainter, document: QTextDocument, clip: QRectF) -> None:
    """``document.drawContents``, but in black on paper: its default colours would be the application's palette,
    so a report written while the desktop is dark would print light grey text."""
    context = QAbstractTextDocumentLayout.PaintContext()
    palette = context.palette
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText):
        palette.setColor(role, QColor(TEXT_COLOUR))
    palette.setColor(QPalette.ColorRole.Link, QColor("#1f3a5f"))
    context.palette = palette
    context.clip = clip
    painter.setClipRect(clip)
    document.documentLayout().draw(painter, context)


def _with_box(image: QImage, box: Box | None) -> QImage:
    """``image`` with the bookmark's box (normalised) drawn on it."""
    if box is None:
        return image
    marked = image.convertToFormat(QImage.Format.Format_RGB32)
    painter = QPainter(marked)
    pen = QPen(QColor(BOX_COLOUR), max(2.0, marked.width() / 160))
    painter.setPen(pen)
    w, h = marked.width(), marked.height()
    painter.drawRect(QRectF(box.x * w, box.y * h, box.w * w, box.h * h))
    painter.end()
    return marked


def _fitting(painter: QPainter, text: str, points: float, width: float) -> QFont:
    """The footer's font, smaller for a long examiner's name so the line is never cut (down to 60 %)."""
    font = _font("DejaVu Sans", points)
    for _ in range(8):
        if QFontMetricsF(font, painter.device()).horizontalAdvance(text) <= width:
            break
        font.setPointSizeF(font.pointSizeF() * 0.94)
    return font


def _font(family: str, points: float, *, bold: bool = False) -> QFont:
    font = QFont(family)
    font.setPointSizeF(points)
    font.setBold(bold)
    return font
