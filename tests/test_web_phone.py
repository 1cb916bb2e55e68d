"""Every page as a person meets it on a 390 px touch screen and on a desktop, in headless
Chromium (Debian's package) against the real app on a real SQLite journal: nothing wider than
the screen, controls the size of a fingertip, no keyboard hints on touch, a favicon, and no
internal codes in what is shown."""

from __future__ import annotations

import contextlib
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from backcoach.catalog.loader import load_catalog
from backcoach.journal.outcomes_store import Instrument, OutcomesStore
from backcoach.journal.store import JournalStore
from backcoach.web.app import create_app
from backcoach.web.settings import WebSettings

sys.path.insert(0, str(Path(__file__).parent))
from test_report_journals import add_session, open_store

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]

PAGES = ("/", "/screen", "/session", "/upload", "/progress", "/outcomes", "/progress?from=x")
# What the journal and the analysis store, never meant for a person's eyes.
CODES = ("stopped_pain", "in_progress", "hips-sag", "bird-dog", "knees-up-stretch", "article")
TOUCH_TARGET = 44


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def filled_journal(path: Path) -> JournalStore:
    """A person three weeks in: sessions (one stopped for pain, one ended early, one with a
    skipped exercise), check-ins, PSFS activities and ratings, a questionnaire total."""
    store = open_store(path)
    now = datetime.now(UTC)
    start = now - timedelta(days=21)
    store.add_screening(
        answers={},
        outcome="clear",
        flags=[],
        caution_acknowledged=True,
        at=now - timedelta(hours=1),
    )
    outcomes = OutcomesStore(store)
    outcomes.ensure_profile(start)
    activities = outcomes.set_psfs_activities(
        ["putting on socks", "lifting a bag", "sitting"], start
    )
    outcomes.add_psfs_assessment({a.id: 3 for a in activities}, start)
    outcomes.add_questionnaire_total(
        instrument=Instrument.OSWESTRY, score=30, day=start.date(), at=start
    )
    for day in range(20):
        at = start + timedelta(days=day)
        extra: dict[str, Any] = {}
        if day == 5:
            extra = {"status": "stopped_pain", "pain_during": (4, 7)}
        elif day == 9:
            extra = {"status": "quit", "stop_reason": "Ended with q."}
        elif day == 12:
            extra = {"skipped": ("bridge",)}
        add_session(store, at, pain_before=4, pain_after=3, camera=day % 2 == 0, **extra)
        store.add_checkin(day=(at + timedelta(days=1)).date(), pain=3, at=at + timedelta(days=1))
    return store


@contextlib.contextmanager
def serve(store: JournalStore) -> Iterator[str]:
    port = free_port()
    app = create_app(WebSettings(port=port), store, load_catalog())
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web coach did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    folder = tmp_path_factory.mktemp("phone")
    empty = JournalStore.open(f"sqlite:///{folder / 'empty.sqlite3'}")
    filled = filled_journal(folder / "filled.sqlite3")
    with serve(empty) as empty_url, serve(filled) as filled_url:
        yield {"empty": empty_url, "filled": filled_url}
    empty.close()
    filled.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


SMALL_CONTROLS = """() => {
  const controls = document.querySelectorAll(
    "button, .button, nav a, label.scale-choice, label.check, select, input.text, .pdf-link");
  return [...controls].filter((node) => {
    const box = node.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && box.height < 44;
  }).map((node) => node.outerHTML.slice(0, 80));
}"""


def check_page(page: Any, url: str, width: int) -> None:
    page.goto(url)
    document_width = page.evaluate("document.documentElement.scrollWidth")
    assert document_width <= width, f"{url} is {document_width} px wide at {width} px"
    text = page.inner_text("body")
    for code in CODES:
        assert code not in text, f"{url} shows '{code}'"


@pytest.mark.parametrize("journal", ["empty", "filled"])
def test_every_page_fits_a_phone_and_is_made_for_touch(
    browser: Any, sites: dict[str, str], journal: str
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    missing: list[str] = []
    try:
        page = context.new_page()
        page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
        for path in PAGES:
            check_page(page, sites[journal] + path, 390)
            assert page.evaluate(SMALL_CONTROLS) == [], path
            # Every page leads to the others: the menu has the progress report and measures.
            links = page.eval_on_selector_all("nav a", "links => links.map(a => a.pathname)")
            assert {"/", "/session", "/upload", "/progress", "/outcomes", "/screen"} <= set(links)
        if journal == "filled":
            # A session under way: the keyboard hints are not shown on a touch screen.
            page.goto(sites[journal] + "/session")
            page.click("label.scale-choice:has(input[value='2'])")
            page.click("#start-button")
            page.wait_for_selector("#setup-panel:not([hidden])")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            hints = page.eval_on_selector_all(
                "kbd, .key-hint",
                "nodes => nodes.filter(n => getComputedStyle(n).display !== 'none')",
            )
            assert hints == []
            assert page.evaluate(SMALL_CONTROLS) == []
            page.click("#quit-button")  # quit asks first, with fingertip-sized answers
            page.wait_for_selector("#quit-dialog[open]")
            assert page.evaluate(SMALL_CONTROLS) == []
            page.click("#confirm-quit-button")
            page.wait_for_selector("#done-panel:not([hidden])")
            assert "Session ended early: 0 of 7 exercises done." in page.inner_text("#done-message")
    finally:
        context.close()
    assert missing == []  # the favicon included


def test_every_page_fits_a_desktop_and_the_favicon_is_there(
    browser: Any, sites: dict[str, str]
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        for journal in ("empty", "filled"):
            for path in PAGES:
                check_page(page, sites[journal] + path, 1280)
        favicon = page.request.get(sites["filled"] + "/favicon.ico")
        assert favicon.status == 200 and favicon.headers["content-type"] == "image/x-icon"
    finally:
        context.close()


def test_a_video_check_reads_well_on_a_phone(
    browser: Any, sites: dict[str, str], tmp_path: Path
) -> None:
    """The upload page's report at 390 px: names and sentences, tables as cards. The analysis
    itself is stood in for (the browser's requests to the upload API are answered here); the
    report is what ``analyze_upload`` hands the page, codes and all."""
    from backcoach.web.report import with_plain_words

    report = with_plain_words(
        {
            "exercise": "knees-up-stretch",
            "recognized": None,
            "confidence": None,
            "duration": 42.0,
            "rep_count": 2,
            "hold_count": 1,
            "reps": [
                {
                    "start": 1.0,
                    "end": 9.5,
                    "duration": 8.5,
                    "side": "left",
                    "warnings": ["short-hold"],
                },
                {
                    "start": 11.0,
                    "end": 19.0,
                    "duration": 8.0,
                    "side": "right",
                    "warnings": [],
                    "confidence": 0.3,
                },
            ],
            "count_sentence": "1 counted, 1 not sure (the camera could not judge it well)",
            "holds": [{"start": 3.0, "end": 7.0, "seconds": 4.0, "side": "left"}],
            "warnings": [
                {
                    "time": 6.0,
                    "code": "short-hold",
                    "message": "Hold a little longer.",
                    "kind": "form",
                }
            ],
            "notes": [],
            "unseen_seconds": 0.0,
        }
    )
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\0" * 64)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    try:
        page = context.new_page()
        page.route(
            "**/api/uploads?*",
            lambda route: route.fulfill(json={"id": "job1", "state": "queued", "progress": 0}),
        )
        page.route(
            "**/api/uploads/job1",
            lambda route: route.fulfill(json={"state": "done", "progress": 1, "report": report}),
        )
        page.goto(sites["empty"] + "/upload")
        page.set_input_files("#video-file", str(video))
        page.click("#upload-button")
        page.wait_for_selector("#report:not([hidden])")
        text = page.inner_text("#report")
        assert "Knees-up stretch: 42 seconds of video" in text
        cells = page.eval_on_selector_all(
            "#report tbody td", "cells => cells.map(c => [c.dataset.label, c.textContent])"
        )
        assert ["Form notes", "Hold a little longer."] in cells and ["Side", "left"] in cells
        # On a phone each row is a card of labelled cells, not a row wider than the screen.
        assert page.eval_on_selector("#report tbody tr", "r => getComputedStyle(r).display") == (
            "block"
        )
        assert ["Sure", "not sure"] in cells
        assert (
            "Summary: 1 counted, 1 not sure (the camera could not judge it well), 1 hold, "
            "1 form note; the camera saw you all the time." in text
        )
        for code in ("short-hold", "knees-up-stretch", "start s", "end s"):
            assert code not in text
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
