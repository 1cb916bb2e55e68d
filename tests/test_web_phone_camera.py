"""The live session page on a phone that is the camera, upright (390×844) and on its side
(844×390): nothing wider than the screen, and on its side the picture and the rep count
both in the first screen. Then the automatic choice of where pose runs: a device slower than
the coach asks for, or a browser without WebAssembly, hands pose to the server and the page
says why. Chromium's own test pattern is the camera; screenshots go to test-artifacts/."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from backcoach.journal.store import JournalStore
from backcoach.web import pose_assets
from backcoach.web.app import create_app
from backcoach.web.settings import WebSettings
from test_web_browser import (
    ARTIFACTS,
    CHROMIUM,
    answer_screen_and_start,
    bridge_only,
    free_port,
    serve,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]

SIZES = {"portrait": (390, 844), "landscape": (844, 390)}


def bottom_of(page: Any, selector: str) -> float:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not shown"
    return float(box["y"]) + float(box["height"])


def test_the_session_page_fits_a_phone_upright_and_on_its_side(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with serve(tmp_path, bridge_only(reps=5)) as served, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *("--no-sandbox", "--disable-gpu", "--disable-background-networking"),
                *("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"),
            ],
        )
        try:
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
            )
            page = context.new_page()
            answer_screen_and_start(page, served.url)
            page.goto(served.url + "/session?pose=server")
            page.wait_for_selector("#pose-where:not([hidden])", timeout=30_000)
            page.click("#ready-button")
            page.wait_for_selector("#exercise-panel:not([hidden])", timeout=10_000)
            ARTIFACTS.mkdir(exist_ok=True)
            for name, (width, height) in SIZES.items():
                page.set_viewport_size({"width": width, "height": height})
                page.evaluate("window.scrollTo(0, 0)")
                time.sleep(0.4)
                page.screenshot(path=str(ARTIFACTS / f"phone-camera-{name}.png"))
                assert page.evaluate("document.documentElement.scrollWidth") <= width, name
                if name == "landscape":  # the phone on the floor: picture and count at once
                    assert bottom_of(page, "#video") <= height, "the picture is below the screen"
                    assert bottom_of(page, ".readout-reps") <= height, "the count is below it"
                    video = page.locator("#video").bounding_box()
                    reps = page.locator(".readout-reps").bounding_box()
                    assert video is not None and reps is not None
                    assert reps["x"] >= video["x"] + video["width"]  # side by side
        finally:
            browser.close()


@contextlib.contextmanager
def coach_asking(tmp_path: Path, min_fps: float) -> Iterator[str]:
    """The web coach whose page keeps pose on the device only at ``min_fps`` or faster."""
    port = free_port()
    store = JournalStore.open(f"sqlite:///{tmp_path / 'journal.sqlite3'}")
    settings = WebSettings(port=port, upload_dir=tmp_path, browser_pose_min_fps=min_fps)
    app = create_app(settings, store, bridge_only(reps=5))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the web coach did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        store.close()


@pytest.mark.skipif(not pose_assets.available(), reason="the browser's pose model is missing")
def test_a_slow_device_or_no_webassembly_hands_pose_to_the_server(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with coach_asking(tmp_path, min_fps=1000.0) as url, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *("--no-sandbox", "--disable-gpu", "--disable-background-networking"),
                *("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"),
            ],
        )
        try:
            page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
            hosts: set[str] = set()
            page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
            answer_screen_and_start(page, url)
            # The device runs the model, measures itself, and is too slow for 1000 a second.
            page.wait_for_selector("body[data-pose='browser']", timeout=60_000)
            page.wait_for_selector("body[data-pose='server']", timeout=60_000)
            measured = float(page.evaluate("document.body.dataset.poseFps"))
            said = str(page.inner_text("#pose-where"))
            assert said.startswith("Pose runs on the coach's computer: this device managed")
            assert f"{measured:.0f} frames a second" in said
            # Frames now go to the server, which answers with the landmarks it found.
            page.wait_for_function(
                "document.getElementById('setup-message').textContent.length > 0"
            )
            # Without WebAssembly the page does not try, and says why.
            page.add_init_script("delete window.WebAssembly")
            page.reload()
            page.wait_for_selector("body[data-pose='server']", timeout=30_000)
            said = str(page.inner_text("#pose-where"))
            assert said.startswith("Pose runs on the coach's computer: this browser has no")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "pose-on-the-server-no-webassembly.png"))
        finally:
            browser.close()
    assert hosts == {url.split("/")[2]}  # nothing fetched from anywhere else
