"""The progress report as a PDF: the HTML report's own template, printed by WeasyPrint.

One template, two outputs: the page a browser shows is the document printed here, with the
template's print rules (A4 pages, table headers repeated on each page, headings kept with what
follows, figures never split) and sharper figures.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from backcoach.errors import BackcoachError
from backcoach.journal.store import JournalStore
from backcoach.reports.html import report_html
from backcoach.reports.report_data import ReportData, gather_report


def report_pdf(data: ReportData) -> bytes:
    """Lay out gathered report data as an A4 PDF document."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:  # OSError: the system's Pango library is missing
        raise BackcoachError(
            "The PDF report needs WeasyPrint and the Pango library; run scripts/setup.sh, "
            f"or write the report as .html instead ({error})."
        ) from error
    # WeasyPrint reports CSS it ignores (e.g. screen-only rules) as warnings: not the reader's.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    document = HTML(string=report_html(data, for_print=True))
    pdf: bytes = document.write_pdf()
    return pdf


def render_report_pdf(
    store: JournalStore, start: date | None, end: date | None, *, now: datetime | None = None
) -> bytes:
    moment = now if now is not None else datetime.now(UTC)
    return report_pdf(gather_report(store, start, end, now=moment))
