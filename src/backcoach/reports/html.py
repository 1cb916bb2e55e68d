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
    SESSION_STATUS_TEXT,
    completed_count,
    number,
    pain_range,
    weekly_rows,
)

_ENVIRONMENT = Environment(
    loader=PackageLoader("backcoach.reports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def report_html(data: ReportData) -> str:
    """Lay out gathered report data as HTML."""
    images = {plot.key: (plot.title, figure_png(plot.figure)) for plot in report_plots(data)}

    def plot(key: str) -> Markup:
        if key not in images:
            return Markup("")
        title, png = images[key]
        encoded = base64.b64encode(png).decode("ascii")
        return Markup(
            f'<figure class="plot" data-plot="{escape(key)}">'
            f'<img alt="{escape(title)}" src="data:image/png;base64,{encoded}">'
            f"<figcaption>{escape(title)}</figcaption></figure>"
        )

    def empty(text: str) -> Markup:
        return Markup(f'<p class="empty">{escape(text)}</p>')

    template = _ENVIRONMENT.get_template("report.html.j2")
    return template.render(
        data=data,
        version=__version__,
        plot=plot,
        empty=empty,
        num=number,
        pain_range=pain_range,
        completed=completed_count(data),
        weekly_rows=weekly_rows(data),
        calendar_weeks=CALENDAR_MAX_WEEKS,
        status_text=SESSION_STATUS_TEXT,
        outcome_text=SCREENING_OUTCOME_TEXT,
    )


def render_report_html(
    store: JournalStore, start: date | None, end: date | None, *, now: datetime | None = None
) -> str:
    """The progress report of local days ``start``..``end`` (None: from the first / to the
    last recorded day) as a self-contained HTML page; the web app's report page uses this."""
    moment = now if now is not None else datetime.now(UTC)
    return report_html(gather_report(store, start, end, now=moment))
