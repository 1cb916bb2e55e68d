"""The camera-led session in a real browser: headless Chromium with real clips as its webcam,
the real pose model and analyzers, the web coach on 127.0.0.1 with a real journal.

Chromium loops its fake-camera file, so each file is built (in a temp dir, with ffmpeg) as
the scene a test needs: clips of several exercises one after the other, or a stretch of an
empty picture. Screenshots of each state, at 390 px and 1280 px, go to test-artifacts/.
"""

from __future__ import annotations

import contextlib
import itertools
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backcoach.catalog.loader import load_catalog
from backcoach.catalog.schema import Catalog
from test_web_browser import (
    ARTIFACTS,
    CHROMIUM,
    FOOTAGE,
    answer_screen_and_start,
    serve,
    text_of,
    wait_until,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.footage,
    pytest.mark.skipif(not FOOTAGE.is_dir(), reason=f"no footage at {FOOTAGE}"),
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]

FPS = 15
WIDTH, HEIGHT = 320, 180
BRIDGE = "bridge/BE-PROJECTS2018__GroupNo23-Health-and-Fitness-Assistant__bridge.mp4"
BRIDGE_HOLD = "bridge/Hanshitha22__personalised-fitness-companion__bridge-pose.mp4"
KNEES = "knee_to_chest/malikmrllh__exercises__kneetochest.mp4"
CAT_COW = "cat_cow/Hanshitha22__personalised-fitness-companion__cat-cow.mp4"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def camera_file(target: Path, pieces: list[tuple[str | None, float, float | None]]) -> Path:
    """A 320×180, 15 fps y4m of ``pieces``: (clip, start, seconds); clip None is an empty
    picture, seconds None runs to the clip's end, and start -1 is the clip's first frame held
    still for ``seconds`` (the person waiting in the start position)."""
    inputs: list[str] = []
    graph: list[str] = []
    fit = f"fps={FPS},scale={WIDTH}:{HEIGHT},setsar=1,format=yuv420p"
    for n, (clip, start, seconds) in enumerate(pieces):
        if clip is None:
            inputs += ["-f", "lavfi", "-i", f"color=c=0x808080:s={WIDTH}x{HEIGHT}:r={FPS}"]
            graph.append(f"[{n}:v]trim=duration={seconds},{fit},setpts=N/{FPS}/TB[p{n}]")
        elif start < 0:
            inputs += ["-i", str(FOOTAGE / clip)]
            frames = round((seconds or 1) * FPS)
            graph.append(
                f"[{n}:v]{fit},trim=end_frame=1,loop=loop={frames - 1}:size=1:start=0,"
                f"setpts=N/{FPS}/TB[p{n}]"
            )
        else:
            inputs += ["-ss", f"{start}", *(["-t", f"{seconds}"] if seconds else [])]
            inputs += ["-i", str(FOOTAGE / clip)]
            graph.append(f"[{n}:v]{fit},setpts=N/{FPS}/TB[p{n}]")
    joined = "".join(f"[p{n}]" for n in range(len(pieces)))
    graph.append(f"{joined}concat=n={len(pieces)}:v=1:a=0[out]")
    subprocess.run(
        [
            *("ffmpeg", "-loglevel", "error", "-y", *inputs),
            *("-filter_complex", ";".join(graph), "-map", "[out]", "-pix_fmt", "yuv420p"),
            str(target),
        ],
        check=True,
    )
    return target


def catalog_of(doses: dict[str, dict[str, float]]) -> Catalog:
    """The real catalog cut down to these exercises, in this order, with fixed doses."""
    catalog = load_catalog()
    chosen = []
    for exercise_id, dose in doses.items():
        exercise = catalog.get(exercise_id)
        fixed = exercise.dose.model_copy(update=dose)
        chosen.append(exercise.model_copy(update={"levels": (), "dose": fixed}))
    return catalog.model_copy(update={"exercises": tuple(chosen)})


@contextlib.contextmanager
def camera_page(camera: Path, name: str, viewport: dict[str, int]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *("--no-sandbox", "--disable-gpu", "--disable-background-networking"),
                *("--disable-component-update", "--disable-sync"),
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={camera}",
            ],
        )
        page = browser.new_context(viewport=viewport).new_page()  # type: ignore[arg-type]
        try:
            yield page
        except BaseException:
            shoot(page, f"failed-{name}")
            raise
        finally:
            browser.close()


def shoot(page: Any, name: str) -> None:
    """The page as a person sees it, at 390 px and at 1280 px; at 390 px it fits the width."""
    ARTIFACTS.mkdir(exist_ok=True)
    before = page.viewport_size
    for label, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        page.screenshot(path=str(ARTIFACTS / f"camera-led-{name}-{label}.png"))
        if label == "390":
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name}: the page is {width} px wide at 390 px"
    page.set_viewport_size(before)


def readouts(page: Any) -> dict[str, Any]:
    """What the session page shows, read at one moment."""
    values: dict[str, Any] = page.evaluate(
        """() => ({
            label: document.getElementById("progress-label").textContent,
            set: !document.getElementById("exercise-panel").hidden,
            phase: document.getElementById("phase").textContent,
            count: Number(document.getElementById("rep-count").textContent),
            target: Number(document.getElementById("rep-target").textContent),
        })"""
    )
    return values


def shown(page: Any, selector: str) -> bool:
    return bool(page.is_visible(selector))


def test_a_camera_led_session_of_three_exercises(tmp_path: Path) -> None:
    camera = camera_file(
        tmp_path / "three.y4m",
        [
            (None, 0, 1.0),
            (BRIDGE, -1, 2.0),
            (BRIDGE, 0, None),
            (KNEES, 9.0, None),
            (CAT_COW, 0, None),
        ],
    )
    doses = {
        "bridge": {"reps": 5, "rest_seconds": 0},
        "knees-up-stretch": {"reps": 1, "rest_seconds": 0},
        "cat-cow": {"reps": 1, "rest_seconds": 0},
    }
    with (
        serve(tmp_path, catalog_of(doses)) as served,
        camera_page(camera, "three", DESKTOP) as page,
    ):
        answer_screen_and_start(page, served.url)
        page.wait_for_selector("#setup-panel:not([hidden])", timeout=10_000)
        seen_rest = set()
        deadline = time.monotonic() + 360
        shots: set[str] = set()
        while not shown(page, "#done-panel"):
            assert time.monotonic() < deadline, "the three exercises did not finish"
            now = readouts(page)
            if now["set"] and now["phase"] == "Rest":
                # The rest before the next exercise: the set is done and its count stands.
                assert now["count"] == now["target"], now
                seen_rest.add(now["label"])
                if "rest" not in shots:
                    shots.add("rest")
                    shoot(page, "rest")
                time.sleep(1.0)
                later = readouts(page)
                if later["label"] == now["label"] and later["phase"] == "Rest":
                    assert later["count"] == now["count"], (now, later)
            elif now["set"] and now["count"] > 0 and "counting" not in shots:
                shots.add("counting")
                shoot(page, "counting")
            assert not shown(page, "#quit-dialog"), "nobody asked to quit"
            time.sleep(0.3)
        (session,) = served.store.sessions()
    assert len(seen_rest) == 2  # after the bridge and after the knees-up stretch
    assert [s.exercise_id for s in session.sets] == ["bridge", "knees-up-stretch", "cat-cow"]
    assert [s.status for s in session.sets] == ["completed"] * 3
    assert [s.reps_done for s in session.sets] == [5, 1, 1]
    assert [len(s.reps) for s in session.sets] == [5, 3, 2]  # every part of each repetition
    assert all(s.counted_by == "camera" for s in session.sets)
    # No rep counted twice: the clips' reps and holds are at least 1.5 s apart.
    for done in session.sets:
        times = [rep.finished_at for rep in done.reps]
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        assert all(gap >= 1.0 for gap in gaps), (done.exercise_id, gaps)
    knees = session.sets[1]
    # The clip's three holds, each once (the set may begin at any of them: the file loops).
    # The right knee's hold runs into a close-up with the hips at the picture's edge, where
    # the pose model at this size may read the hidden far knee as raised too, on some frame
    # timings and not others (docs/benchmarks.md, invariance): that hold is "right" or
    # "both". The left knee's and both knees' holds are read alike every time.
    sides = sorted(rep.side or "" for rep in knees.reps)
    assert len(sides) == 3 and {"left", "both"} <= set(sides), sides
    assert set(sides) <= {"left", "right", "both"}
    assert all(rep.hold_seconds > 3.0 for rep in knees.reps)  # holds timed by the camera


def test_wrong_position_nobody_seen_pause_skip_and_timers_mid_set(tmp_path: Path) -> None:
    camera = camera_file(
        tmp_path / "bridge-hold.y4m",
        [(None, 0, 3.0), (BRIDGE_HOLD, -1, 2.0), (BRIDGE_HOLD, 0, None)],
    )
    doses = {
        "press-up": {"reps": 2},
        "bridge": {"reps": 3, "rest_seconds": 0, "hold_seconds": 2},
    }
    with (
        serve(tmp_path, catalog_of(doses)) as served,
        camera_page(camera, "wrong-position", PHONE) as page,
    ):
        answer_screen_and_start(page, served.url)
        page.wait_for_selector("#setup-panel:not([hidden])", timeout=10_000)
        # The empty picture: said plainly, on the phone screen and on the video.
        page.wait_for_function(
            "document.getElementById('setup-message').textContent.startsWith(\"I can't see you\")",
            timeout=60_000,
        )
        shoot(page, "cant-see-you")
        # The woman doing a bridge is not the press-up's start, and the coach says why.
        wrong = "You are lying on your back; the press-up starts lying face down."
        page.wait_for_function(
            f"document.getElementById('setup-message').textContent === {wrong!r}",
            timeout=30_000,
        )
        shoot(page, "get-ready-wrong-position")
        time.sleep(8.0)  # more than one pass of the clip: still getting ready
        assert shown(page, "#setup-panel") and not shown(page, "#exercise-panel")
        # Skip names what it skips; in the rest after it, skip skips the rest.
        assert text_of(page, "#skip-button").startswith("Skip the press-up")
        page.click("#skip-button")
        page.wait_for_function(
            "document.getElementById('skip-button').textContent.startsWith('Skip the rest')"
        )
        page.click("#skip-button")
        page.wait_for_function(
            "document.getElementById('progress-label').textContent.includes('Bridge')"
        )
        # The bridge starts lying on the back: the camera lets the set begin.
        page.wait_for_selector("#exercise-panel:not([hidden])", timeout=40_000)
        # The camera times the hold; pause freezes it.
        page.wait_for_selector("#hold-timer[data-running='true']", timeout=40_000)
        page.click("#pause-button")
        page.wait_for_function("document.getElementById('phase').textContent === 'Paused'")
        frozen = text_of(page, "#hold-timer")
        shoot(page, "paused")
        time.sleep(2.0)
        assert text_of(page, "#hold-timer") == frozen
        assert page.get_attribute("#hold-timer", "data-running") == "false"
        page.click("#pause-button")
        page.wait_for_function("document.getElementById('phase').textContent !== 'Paused'")
        # Go on without the camera in the middle of the set: the timers count from here.
        before = int(text_of(page, "#rep-count"))
        page.click("#set-no-camera-button")
        page.wait_for_function(
            "document.getElementById('counted-by').textContent === 'Counting with the timers.'"
        )
        assert not shown(page, "#stage")
        wait_until(lambda: int(text_of(page, "#rep-count")) > before, 20, "a rep by the timers")
        # Quit asks first; Keep going carries on, End the session ends it.
        page.click("#quit-button")
        page.wait_for_selector("#quit-dialog[open]")
        shoot(page, "quit-asks")
        page.click("#keep-going-button")
        page.wait_for_selector("#quit-dialog:not([open])", state="attached")
        assert not shown(page, "#done-panel")
        page.click("#quit-button")
        page.click("#confirm-quit-button")
        page.wait_for_selector("#done-panel:not([hidden])", timeout=10_000)
        page.click("#pain-after-skip")
        page.wait_for_selector("#saved-message:not([hidden])", timeout=10_000)
        (session,) = served.store.sessions()
    assert session.status == "quit"
    press_up, bridge = session.sets
    assert press_up.exercise_id == "press-up" and press_up.status == "skipped"
    assert press_up.reps == ()
    assert bridge.status == "stopped" and "hand" in {rep.counted_by for rep in bridge.reps}
