"""The live session page on a phone that is the camera, upright (390×844) and on its side
(844×390): nothing wider than the screen, and on its side the picture and the rep count
both in the first screen. Chromium's own test pattern is the camera; screenshots of each go
to test-artifacts/."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from test_web_browser import (
    ARTIFACTS,
    CHROMIUM,
    answer_screen_and_start,
    bridge_only,
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
