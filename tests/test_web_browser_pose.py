"""The live coach with pose on the person's device against pose on the server: headless
Chromium with a real clip as its webcam, once with ``?pose=browser`` (the pose model runs in a
Web Worker and the page sends landmarks) and once with ``?pose=server`` (the page sends
frames). Both count the clip's five reps. Every message the page sends is recorded: in
browser mode not one carries image bytes. About 45 s a mode, so marked slow.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from backcoach.web import pose_assets
from test_web_browser import (
    CHROMIUM,
    FOOTAGE,
    answer_screen_and_start,
    bridge_only,
    browser_page,
    fake_camera_file,
    serve,
    text_of,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.footage,
    pytest.mark.skipif(not FOOTAGE.is_dir(), reason=f"no footage at {FOOTAGE}"),
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
    pytest.mark.skipif(
        not pose_assets.available(), reason="the browser's pose model is not installed"
    ),
]

BRIDGE = "bridge/BE-PROJECTS2018__GroupNo23-Health-and-Fitness-Assistant__bridge.mp4"


class SentMessages:
    """What the page sends on its WebSockets, as Playwright sees it leave the browser."""

    def __init__(self, page: Any) -> None:
        self.images = 0
        self.image_bytes = 0
        self.kinds: dict[str, int] = {}
        self.text_bytes = 0
        page.on("websocket", self._watch)

    def _watch(self, socket: Any) -> None:
        socket.on("framesent", self._sent)

    def _sent(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            self.images += 1
            self.image_bytes += len(payload)
            return
        self.text_bytes += len(payload)
        kind = json.loads(payload).get("type", "?")
        self.kinds[kind] = self.kinds.get(kind, 0) + 1


def one_pass(page: Any) -> int:
    """Reps counted over one whole pass of the looping camera file (blank to blank)."""
    counts = []
    for _ in range(2):
        page.wait_for_selector("#seen-message:not([hidden])", timeout=60_000)
        page.wait_for_selector("#seen-message", state="hidden", timeout=10_000)
        time.sleep(1.5)
        counts.append(int(text_of(page, "#rep-count")))
    return counts[1] - counts[0]


@pytest.mark.parametrize("pose", ["browser", "server"])
def test_both_pose_paths_count_the_clip_and_only_the_server_path_sends_images(
    tmp_path: Path, pose: str
) -> None:
    camera = fake_camera_file(FOOTAGE / BRIDGE, tmp_path / "camera.y4m")
    with (
        serve(tmp_path, bridge_only(reps=15)) as served,
        browser_page(camera, f"pose-{pose}") as page,
    ):
        sent = SentMessages(page)
        answer_screen_and_start(page, served.url)
        page.goto(served.url + f"/session?pose={pose}")
        page.wait_for_selector(f"body[data-pose='{pose}']", timeout=60_000)
        page.wait_for_selector("#exercise-panel:not([hidden])", timeout=60_000)
        if pose == "browser":
            page.wait_for_selector("body[data-pose-fps]", timeout=30_000)
        where = text_of(page, "#pose-where")
        reps = one_pass(page)
        print(json.dumps({"pose": pose, "reps": reps, "sent": sent.kinds, "images": sent.images}))
        page.keyboard.press("q")
        page.click("#confirm-quit-button")
        page.wait_for_selector("#done-panel:not([hidden])", timeout=10_000)
        (session,) = served.store.sessions()
    assert reps == 5
    assert session.sets[0].counted_by == "camera" and session.sets[0].reps_done >= 5
    assert sent.kinds.get("mode", 0) >= 1
    if pose == "browser":
        assert where.startswith("Pose runs on this device") and "no picture leaves it" in where
        assert sent.images == 0 and sent.image_bytes == 0
        assert sent.kinds["landmarks"] > 100
        assert sent.text_bytes / sent.kinds["landmarks"] < 2_500  # about 2 kB a frame
    else:
        assert where.startswith("Pose runs on the coach's computer: you chose it")
        assert sent.images > 100 and "landmarks" not in sent.kinds
