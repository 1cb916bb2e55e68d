"""The progress report as one self-contained HTML page (plots embedded as PNG data URLs)."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from backcoach import __version__
from backcoach.journal.store import JournalStore
from backcoach.reports.plots import figure_png, report_plots
from backcoach.reports.report_data import CALENDAR_MAX_WEEKS, ReportData, gather_report
from backcoach.reports.text import (
    SCREENING_OUTCOME_TEXT,
    completed_count,
    number,
    pain_range,
    pain_text,
    sessions_sentence,
    weekly_rows,
)

_ENVIRONMENT = Environment(
    loader=PackageLoader("backcoach.reports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


SCREEN_DPI = 110
PRINT_DPI = 170


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels, from the PNG's header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def report_html(
    data: ReportData, *, for_print: bool = False, nav: bool = False, pdf_link: str = ""
) -> str:
    """Lay out gathered report data as one self-contained HTML page.

    The same page makes the PDF (``for_print``: sharper figures sized in inches for A4).
    ``nav`` adds the web app's links (back to today, the outcome forms, the PDF at
    ``pdf_link``), shown on screen only.
    """
    dpi = PRINT_DPI if for_print else SCREEN_DPI
    images = {
        plot.key: (plot.title, figure_png(plot.figure, dpi=dpi)) for plot in report_plots(data)
    }

    def plot(key: str) -> Markup:
        if key not in images:
            return Markup("")
        title, png = images[key]
        width_px, _height = _png_size(png)
        encoded = base64.b64encode(png).decode("ascii")
        return Markup(
            f'<figure class="plot" data-plot="{escape(key)}">'
            f'<figcaption class="keep-with-next">{escape(title)}</figcaption>'
            f'<img alt="{escape(title)}" style="width: {width_px / dpi:.2f}in" '
            f'src="data:image/png;base64,{encoded}"></figure>'
        )

    def empty(text: str) -> Markup:
        return Markup(f'<p class="empty">{escape(text)}</p>')

    def seconds(value: float | None) -> str:
        return "no hold" if not value else f"{number(value)} s"

    during = [score for row in data.sessions for score in row.outcome.pain_during]
    pain_during_summary = (
        "none reported"
        if not during
        else f"{len(during)} rating{'s' if len(during) != 1 else ''}, highest {max(during)}/10"
    )
    template = _ENVIRONMENT.get_template("report.html.j2")
    return template.render(
        data=data,
        version=__version__,
        plot=plot,
        empty=empty,
        num=number,
        seconds=seconds,
        pain_range=pain_range,
        pain_text=pain_text,
        pain_during_summary=pain_during_summary,
        sessions_sentence=sessions_sentence(data),
        completed=completed_count(data),
        weekly_rows=weekly_rows(data),
        calendar_weeks=CALENDAR_MAX_WEEKS,
        outcome_text=SCREENING_OUTCOME_TEXT,
        nav=nav,
        pdf_link=pdf_link,
    )


def render_report_html(
    store: JournalStore,
    start: date | None,
    end: date | None,
    *,
    now: datetime | None = None,
    nav: bool = False,
    pdf_link: str = "",
) -> str:
    """The progress report of local days ``start``..``end`` (None: from the first / to the
    last recorded day) as a self-contained HTML page; the web app's report page uses this."""
    moment = now if now is not None else datetime.now(UTC)
    return report_html(gather_report(store, start, end, now=moment), nav=nav, pdf_link=pdf_link)
