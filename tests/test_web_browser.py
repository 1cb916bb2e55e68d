"""End-to-end: headless Chromium with a real clip as its webcam, the real pose model and
analyzers, the web coach served by uvicorn on 127.0.0.1. Asserts what a person sees.

Chromium loops the fake-camera file. Each clip is turned into: 3 s of an empty picture
(nobody seen: it marks where a pass begins), 4 s of the clip's first frame (the person still,
in the start position, which lets the exercise start), then the clip. A count
read in the still stretch after the empty stretch is the count of one whole pass. (A clip that
ends mid-rep, with the hips still up, is completed by the return to the still start position.)
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import pytest
import uvicorn

from backcoach.catalog.loader import load_catalog
from backcoach.catalog.schema import Catalog
from backcoach.journal.store import JournalStore
from backcoach.planning.screening import QUESTIONS
from backcoach.web.app import create_app
from backcoach.web.settings import WebSettings

REPO = Path(__file__).resolve().parents[1]
FOOTAGE = REPO.parent / "shared" / "footage"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium")
FPS = 15
STILL_SECONDS = 4
BLANK_SECONDS = 3  # long enough to be seen as empty on a slow, busy machine

pytestmark = [
    pytest.mark.browser,
    pytest.mark.footage,
    pytest.mark.skipif(not FOOTAGE.is_dir(), reason=f"no footage at {FOOTAGE}"),
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed"),
]


def fake_camera_file(clip: Path, target: Path, blank_seconds: float = BLANK_SECONDS) -> Path:
    """The clip as a 320 px wide, 15 fps y4m: an empty stretch, a still start, the clip."""
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
    out_h = round(height * 320 / width / 2) * 2
    graph = (
        f"[0:v]fps={FPS},scale=320:{out_h},setsar=1,format=yuv420p,split[a][b];"
        f"[a]trim=end_frame=1,loop=loop={STILL_SECONDS * FPS - 1}:size=1:start=0,"
        f"setpts=N/{FPS}/TB[still];"
        "[b]setpts=PTS-STARTPTS[clip];"
        f"color=c=0x808080:s=320x{out_h}:r={FPS}:d={blank_seconds},format=yuv420p,setsar=1[blank];"
        "[blank][still][clip]concat=n=3:v=1:a=0[out]"
    )
    subprocess.run(
        [
            *("ffmpeg", "-loglevel", "error", "-y", "-i", str(clip), "-filter_complex", graph),
            *("-map", "[out]", "-pix_fmt", "yuv420p", str(target)),
        ],
        check=True,
    )
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bridge_only(reps: int) -> Catalog:
    """The real catalog cut down to the bridge, with a fixed dose the test can count against
    (no rest between reps: the camera counts nothing during a rest)."""
    catalog = load_catalog()
    bridge = catalog.get("bridge")
    dose = bridge.dose.model_copy(update={"reps": reps, "rest_seconds": 0})
    bridge = bridge.model_copy(update={"levels": (), "dose": dose})
    return catalog.model_copy(update={"exercises": (bridge,)})


@dataclass
class Served:
    url: str
    store: JournalStore


@contextlib.contextmanager
def serve(tmp_path: Path, catalog: Catalog, browser_pose: bool = False) -> Iterator[Served]:
    """The web coach with the real pose model and analyzers, on a free loopback port.

    Without ``browser_pose`` the page finds no pose model of its own and sends frames, as on a
    device that cannot run it: these tests are about the session, and the server path is the
    faster one on this machine's headless Chromium (tests/test_web_browser_pose.py runs both).
    """
    port = free_port()
    store = JournalStore.open(f"sqlite:///{tmp_path / 'journal.sqlite3'}")
    no_model = None if browser_pose else tmp_path / "no-pose-model"
    settings = WebSettings(port=port, upload_dir=tmp_path, pose_assets_dir=no_model)
    app = create_app(settings, store, catalog)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web coach did not start")
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", store)
    finally:
        server.should_exit = True
        thread.join(15)
        store.close()


@contextlib.contextmanager
def browser_page(camera_file: Path | None, name: str, *, any_camera: bool = True) -> Iterator[Any]:
    """A Chromium page whose webcam is ``camera_file`` (Chromium's test pattern when None,
    no camera at all without ``any_camera``); a screenshot is kept on failure."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--use-fake-ui-for-media-stream",
                *(["--use-fake-device-for-media-stream"] if any_camera else []),
                *([f"--use-file-for-fake-video-capture={camera_file}"] if camera_file else []),
            ],
        )
        page = browser.new_context(viewport={"width": 1000, "height": 900}).new_page()
        try:
            yield page
        except BaseException:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            raise
        finally:
            browser.close()


def answer_screen_and_start(page: Any, url: str) -> None:
    """What a person does first: the safety questions, then pain before, then start."""
    page.goto(url + "/")
    assert page.url.endswith("/screen")
    for question in QUESTIONS:
        page.check(f'input[name="{question.id}"][value="no"]')
    page.check('input[name="caution"]')
    page.click("text=Save my answers")
    page.wait_for_selector("#plan")
    page.click("#start-link")
    page.check('input[name="pain_before"][value="1"]')
    page.wait_for_load_state("networkidle")  # the page has looked for a camera
    page.click("#start-button")
    page.wait_for_url(url + "/session")


def text_of(page: Any, selector: str) -> str:
    return str(page.inner_text(selector)).strip()


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def count_one_pass(tmp_path: Path, clip: str, expected: int, name: str) -> None:
    camera = fake_camera_file(FOOTAGE / clip, tmp_path / "camera.y4m")
    with (
        serve(tmp_path, bridge_only(reps=expected * 3)) as served,
        browser_page(camera, name) as page,
    ):
        answer_screen_and_start(page, served.url)
        # The camera sees the person lying still in the start position: the exercise starts.
        page.wait_for_selector("#setup-message[data-ok='true']", state="attached", timeout=30_000)
        assert "start position" in text_of(page, "#setup-message")
        page.wait_for_selector("#exercise-panel:not([hidden])", timeout=10_000)
        # A second tab gets a clear message, not a share of this session.
        second = page.context.new_page()
        second.goto(served.url + "/session")
        second.wait_for_selector("#tab-message:not([hidden])", timeout=10_000)
        assert "already open in another tab" in text_of(second, "#tab-message")
        assert second.is_hidden("#exercise-panel")
        second.close()
        # The empty stretch between two passes: nobody is seen ("I can't see you"). Then the
        # still start again, where the count stands and does not move. One whole pass, from
        # one such still to the next, counts the clip's reps.
        counts = []
        for _ in range(2):
            page.wait_for_selector("#seen-message:not([hidden])", timeout=60_000)
            assert text_of(page, "#seen-message").startswith("I can't see you")
            page.wait_for_selector("#seen-message", state="hidden", timeout=10_000)
            time.sleep(1.5)
            counts.append(int(text_of(page, "#rep-count")))
            time.sleep(1.5)
            assert int(text_of(page, "#rep-count")) == counts[-1]
        assert counts[1] - counts[0] == expected, counts
        page.keyboard.press("q")  # quit asks first
        page.click("#confirm-quit-button")
        page.wait_for_selector("#done-panel:not([hidden])", timeout=10_000)
        page.click(".pain-after[data-score='2']")
        page.wait_for_selector("#saved-message:not([hidden])", timeout=10_000)
        (session,) = served.store.sessions()
    assert session.front_end == "web" and session.status == "quit"
    assert session.pain_before == 1 and session.pain_after == 2
    (bridge,) = session.sets
    assert bridge.exercise_id == "bridge" and bridge.counted_by == "camera"
    assert bridge.reps_done >= counts[1]
    assert {rep.counted_by for rep in bridge.reps} == {"camera"}


def test_bridge_clip_counts_five_reps_and_is_journaled(tmp_path: Path) -> None:
    count_one_pass(
        tmp_path,
        "bridge/BE-PROJECTS2018__GroupNo23-Health-and-Fitness-Assistant__bridge.mp4",
        5,
        "bridge-five-reps",
    )


def test_hold_timer_runs_while_held_and_stops_when_the_hold_ends(tmp_path: Path) -> None:
    camera = fake_camera_file(
        FOOTAGE / "bridge/Hanshitha22__personalised-fitness-companion__bridge-pose.mp4",
        tmp_path / "camera.y4m",
    )
    with serve(tmp_path, bridge_only(reps=5)) as served, browser_page(camera, "hold") as page:
        answer_screen_and_start(page, served.url)
        page.wait_for_selector("#exercise-panel:not([hidden])", timeout=40_000)
        page.wait_for_selector("#hold-timer[data-running='true']", timeout=30_000)
        wait_until(
            lambda: float(text_of(page, "#hold-timer")) >= 2.5, 15, "the hold timer to pass 2.5 s"
        )
        # The clip ends while the person holds; then nobody is seen, and the still start
        # (hips down) follows: the hold is over and its timer stops.
        page.wait_for_selector("#hold-timer[data-running='false']", timeout=30_000)
        stopped_at = float(text_of(page, "#hold-timer"))
        assert stopped_at >= 2.5
        time.sleep(1.5)
        assert float(text_of(page, "#hold-timer")) == stopped_at
        # Pain from the keyboard: P, then 7 (above 5) stops the session and says why.
        page.keyboard.press("p")
        page.wait_for_selector("#pain-dialog[open]")
        page.keyboard.press("7")
        page.wait_for_selector("#done-panel:not([hidden])", timeout=10_000)
        assert "7/10" in text_of(page, "#done-message")
        (session,) = served.store.sessions()
    assert session.status == "stopped_pain"
    assert [(p.context, p.score) for p in session.pain_entries] == [("before", 1), ("during", 7)]
    assert session.sets[0].status == "stopped"


def test_upload_page_shows_progress_and_the_report(tmp_path: Path) -> None:
    clip = FOOTAGE / "bridge/BE-PROJECTS2018__GroupNo23-Health-and-Fitness-Assistant__bridge.mp4"
    with serve(tmp_path, load_catalog()) as served, browser_page(None, "upload") as page:
        page.goto(served.url + "/upload")
        page.set_input_files("#video-file", str(clip))
        page.select_option("#exercise", "bridge")
        page.click("#upload-button")
        page.wait_for_selector("#upload-progress", state="visible", timeout=10_000)
        seen: list[float] = []
        deadline = time.monotonic() + 120
        while page.is_hidden("#report") and page.is_hidden("#upload-error"):
            assert time.monotonic() < deadline, "the analysis did not finish"
            seen.append(float(page.eval_on_selector("#upload-progress", "e => e.value")))
            time.sleep(0.2)
        assert page.is_hidden("#upload-error"), text_of(page, "#upload-error")
        summary = text_of(page, "#report-summary")
    assert "Summary: 5 counted" in summary and "Repetitions" in summary
    assert any(0.0 < value < 1.0 for value in seen)  # the bar moved while it ran
    assert list(tmp_path.glob("backcoach-upload-*")) == []  # the upload is gone


def test_without_a_camera_the_timers_guide_the_same_page(tmp_path: Path) -> None:
    with (
        serve(tmp_path, load_catalog()) as served,
        browser_page(None, "no-camera", any_camera=False) as page,
    ):
        answer_screen_and_start(page, served.url)
        page.wait_for_selector("#setup-panel:not([hidden])")
        assert "timers guide you" in text_of(page, "#setup-message")
        assert page.is_hidden("#stage") and page.is_hidden("#placement-block")
        page.focus("#ready-button")
        page.keyboard.press("Enter")
        page.wait_for_selector("#exercise-panel:not([hidden])", timeout=10_000)
        assert text_of(page, "#counted-by") == "Counting with the timers."
        # Press-up: move, then a 3 s hold that the hold timer counts, then the slow return.
        page.wait_for_selector("#hold-timer[data-running='true']", timeout=15_000)
        page.wait_for_selector("#hold-timer[data-running='false']", timeout=15_000)
        assert float(text_of(page, "#hold-timer")) >= 2.5
        page.keyboard.press(" ")  # pause
        page.wait_for_function("document.getElementById('phase').textContent === 'Paused'")
        page.keyboard.press(" ")
        page.wait_for_function("document.getElementById('phase').textContent !== 'Paused'")
        page.wait_for_function(
            "document.getElementById('rep-count').textContent === '1'", timeout=15_000
        )
        # In the rest after it, S skips the rest; then it skips the press-up, named on the button.
        page.wait_for_function(
            "document.getElementById('skip-button').textContent.startsWith('Skip the rest')"
        )
        page.keyboard.press("s")
        page.wait_for_function(
            "document.getElementById('skip-button').textContent.startsWith('Skip the press-up')"
        )
        page.keyboard.press("s")
        page.wait_for_function(
            "document.getElementById('progress-label').textContent.includes('Exercise 2')",
            timeout=15_000,
        )
        page.keyboard.press("q")
        page.click("#confirm-quit-button")
        page.wait_for_selector("#done-panel:not([hidden])", timeout=10_000)
        page.click("#pain-after-skip")
        page.wait_for_selector("#saved-message:not([hidden])", timeout=10_000)
        (session,) = served.store.sessions()
    assert session.status == "quit" and session.pain_after is None
    press_up = session.sets[0]
    assert press_up.status == "skipped" and press_up.counted_by == "hand"
    assert press_up.reps_done == 1 and press_up.reps[0].counted_by == "hand"
