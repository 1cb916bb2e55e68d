"""HTML and PDF progress reports from empty, one-day, short and long journals (real SQLite)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from backcoach.cli.main import app
from backcoach.errors import InputError
from backcoach.journal.store import JournalStore
from backcoach.reports.html import render_report_html, report_html
from backcoach.reports.pdf import render_report_pdf, report_pdf
from backcoach.reports.report_data import gather_report
from test_report_journals import START, add_session, build_journal, open_store

SECTIONS = (
    "summary",
    "changes",
    "adherence",
    "pain",
    "psfs",
    "questionnaires",
    "doses",
    "reps",
    "warnings",
    "safety",
    "sessions",
)
PLOT_TITLES = {
    "adherence": "Sessions per week",
    "calendar": "Calendar",
    "pain": "Pain before, after and the next morning",
    "psfs": "Functional Scale",  # "Speci-fi-c" is drawn with a ligature glyph
    "doses": "Dose of each exercise over time",
    "reps": "Repetitions: planned and counted",
}
NOW = START + timedelta(days=400)
BACKCOACH = Path(sys.executable).with_name("backcoach")


A4_POINTS = (595.28, 841.89)


def pdf_reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def pdf_pages(pdf: bytes) -> int:
    return len(pdf_reader(pdf).pages)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pdf_reader(pdf).pages)


def assert_a4(pdf: bytes) -> None:
    for page in pdf_reader(pdf).pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4_POINTS, abs=0.5)


def pdf_figures(pdf: bytes) -> int:
    """Distinct pictures drawn in the document (pages may share one resource dictionary)."""
    return len({hash(image.data) for page in pdf_reader(pdf).pages for image in page.images})


def assert_table_header(text: str, *cells: str) -> None:
    """A table's header cells, in order, on one line of the extracted text (a real table is
    laid out as a row of cells; the old text pages ran them together with ' | ')."""
    # A header cell may wrap inside its column: its words then come one per line, still in order.
    pattern = r"\s+".join(re.escape(word) for cell in cells for word in cell.split())
    assert re.search(pattern, text), f"no header row {cells!r}"
    assert " | ".join(cells[:2]) not in text


def plots_in(html: str) -> set[str]:
    return set(
        re.findall(
            r'data-plot="(\w+)"><figcaption[^>]*>[^<]+</figcaption>'
            r'<img alt="[^"]+" style="width: [\d.]+in" src="data:image/png;base64,',
            html,
        )
    )


@pytest.fixture(scope="module")
def long_journal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JournalStore]:
    store = open_store(tmp_path_factory.mktemp("long") / "journal.sqlite3")
    build_journal(store, 90, seed=7)
    yield store
    store.close()


@pytest.fixture(scope="module")
def long_journal_pdf(long_journal: JournalStore) -> bytes:
    """The long journal's PDF, rendered once for the tests that read it."""
    return render_report_pdf(long_journal, None, None, now=NOW)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[JournalStore]:
    opened = open_store(tmp_path / "journal.sqlite3")
    yield opened
    opened.close()


def test_empty_journal_gives_a_sensible_report(store: JournalStore) -> None:
    html = render_report_html(store, None, None, now=NOW)
    for section in SECTIONS:
        assert f'<section id="{section}">' in html
    assert "Nothing was recorded in this period yet" in html
    assert plots_in(html) == set()
    pdf = render_report_pdf(store, None, None, now=NOW)
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf) <= 2
    assert_a4(pdf)
    assert pdf_figures(pdf) == 0
    text = pdf_text(pdf)
    assert "Nothing was recorded in this period yet" in text
    assert "Every session went as planned." in text and "No sessions in this period." in text


def test_one_day_journal(store: JournalStore) -> None:
    add_session(store, START, pain_before=5, pain_after=4, camera=True, warnings=1)
    html = render_report_html(store, None, None, now=NOW)
    assert plots_in(html) == {"adherence", "calendar", "pain", "doses", "reps"}
    assert "Not enough data yet to judge change" in html
    assert "Keep your hips level." in html
    pdf = render_report_pdf(store, None, None, now=NOW)
    assert_a4(pdf)
    assert pdf_figures(pdf) == 5
    text = pdf_text(pdf)
    for key in ("adherence", "calendar", "pain", "doses", "reps"):
        assert PLOT_TITLES[key] in text
    assert_table_header(text, "Exercise", "Sets", "Planned", "Counted by camera")
    assert "Keep your hips level." in text


def test_short_journal_with_a_period(store: JournalStore) -> None:
    build_journal(store, 10, seed=3)
    start = START.date() + timedelta(days=2)
    end = start + timedelta(days=4)
    data = gather_report(store, start, end, now=NOW)
    html = report_html(data)
    assert f"Period: {start} to {end}" in html
    assert plots_in(html) == {"adherence", "calendar", "pain", "doses", "reps"}  # no PSFS inside
    assert "Patient-Specific Functional Scale" in html
    assert "putting on socks" in html  # the activities are named even without a rating inside
    pdf = report_pdf(data)
    assert_a4(pdf)
    assert pdf_figures(pdf) == 5
    text = pdf_text(pdf)
    assert_table_header(text, "Week of", "Sessions", "Completed", "Planned")
    assert_table_header(
        text, "Date", "How it went", "Pain before", "Pain during", "Pain after", "Next morning"
    )
    assert "A new PSFS rating is due" not in text or "every two weeks" in text


def test_long_journal_report_has_every_section_and_plot(
    long_journal: JournalStore, long_journal_pdf: bytes
) -> None:
    html = render_report_html(long_journal, None, None, now=NOW)
    for section in SECTIONS:
        assert f'<section id="{section}">' in html
    assert plots_in(html) == set(PLOT_TITLES)
    assert "a meaningful improvement" in html
    assert "Oswestry Disability Index" in html
    assert "stopped for pain" in html
    assert "Pain reached 7/10, above the limit, so the session stopped." in html
    assert "no warning signs" in html  # the red-flag screen
    assert "Arm and opposite leg" in html  # the bird-dog stage
    pdf = long_journal_pdf
    assert_a4(pdf)
    assert pdf_figures(pdf) == len(PLOT_TITLES)
    text = pdf_text(pdf)
    for title in PLOT_TITLES.values():
        assert title in text
    for heading in ("Summary", "Changes", "Form warnings", "did not go as planned"):
        assert heading in text
    assert "a meaningful improvement" in text and "Pain reached 7/10" in text
    assert_table_header(
        text, "From", "To", "Level", "Stage", "Reps planned", "Hold planned", "Sets"
    )
    assert_table_header(text, "Date", "Result", "Signs reported", "Cleared by a clinician")
    # Plain words only: no stored reason codes, no dash for a missing pain rating.
    for code in ("Ended with q", "Highest pain: -", "hips-sag", "stopped_pain", "in_progress"):
        assert code not in text and code not in html


def test_a_heading_is_never_the_last_line_of_a_page(long_journal_pdf: bytes) -> None:
    pdf = long_journal_pdf
    headings = {"Summary", "Changes", "Adherence", "Pain", "Form warnings", "All sessions"}
    headings |= {"Pelvic tilt", "Bridge", "Bird dog", "Red-flag screens"}
    for page in pdf_reader(pdf).pages:
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        body = [line for line in lines if not line.startswith(("backcoach progress", "Page "))]
        assert body and body[-1] not in headings


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BACKCOACH_HOME": str(home), "COLUMNS": "200"}
    env.pop("BACKCOACH_DATABASE_URL", None)
    return subprocess.run(
        [str(BACKCOACH), *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_report_command_writes_html_and_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    journal = open_store(home / "journal.sqlite3")
    build_journal(journal, 8)
    journal.close()
    pdf_path, html_path = tmp_path / "report.pdf", tmp_path / "week.html"
    made = run(home, "report", "-o", str(pdf_path))
    assert made.returncode == 0, made.stderr
    assert pdf_pages(pdf_path.read_bytes()) >= 3
    assert_a4(pdf_path.read_bytes())
    again = run(home, "report", "-o", str(pdf_path))
    assert again.returncode == 1 and "--force" in again.stderr and "Traceback" not in again.stderr

    monkeypatch.setenv("BACKCOACH_HOME", str(home))
    monkeypatch.delenv("BACKCOACH_DATABASE_URL", raising=False)
    runner = CliRunner()
    first, last = START.date(), START.date() + timedelta(days=6)
    week = runner.invoke(
        app, ["report", "--from", str(first), "--to", str(last), "-o", str(html_path)]
    )
    assert week.exit_code == 0, week.output
    assert f"Period: {first} to {last}" in html_path.read_text(encoding="utf-8")
    replaced = runner.invoke(app, ["report", "-o", str(html_path), "--force"])
    assert replaced.exit_code == 0 and f"Period: {first} to " in html_path.read_text()
    with pytest.raises(InputError, match=r"\.html or \.pdf"):
        runner.invoke(app, ["report", "-o", str(tmp_path / "r.docx")], catch_exceptions=False)
    with pytest.raises(InputError, match="--from needs a date"):
        runner.invoke(
            app,
            ["report", "--from", "yesterday", "-o", str(tmp_path / "x.html")],
            catch_exceptions=False,
        )


def test_report_command_on_a_fresh_home_creates_no_journal(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    made = run(home, "report", "-o", str(tmp_path / "empty.html"))
    assert made.returncode == 0, made.stderr
    assert "Nothing was recorded" in (tmp_path / "empty.html").read_text()
    assert not home.exists()


def test_text_people_typed_is_escaped_in_html(store: JournalStore) -> None:
    from backcoach.journal.outcomes_store import OutcomesStore

    outcomes = OutcomesStore(store)
    outcomes.set_name("<script>alert(1)</script>", START)
    outcomes.set_psfs_activities(["<b>socks</b>", "lifting", "sitting"], START)
    html = render_report_html(store, None, None, now=NOW)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;socks&lt;/b&gt;" in html


def test_an_end_before_all_data_gives_an_empty_period(store: JournalStore) -> None:
    add_session(store, START, pain_before=3, pain_after=2)
    end = START.date() - timedelta(days=10)
    data = gather_report(store, None, end, now=NOW)
    assert (data.start, data.end, data.sessions) == (end, end, ())
    assert "No sessions in this period." in report_html(data)


def test_every_series_of_the_dose_figure_is_in_its_legend(store: JournalStore) -> None:
    from backcoach.reports.plots import dose_figure

    add_session(store, START, pain_before=3, pain_after=2)
    figure = dose_figure(gather_report(store, None, None, now=NOW))
    assert figure is not None
    labels = {text.get_text() for legend in figure.legends for text in legend.get_texts()}
    assert labels == {"reps planned", "reps done", "hold planned (s)", "hold done (s)"}
