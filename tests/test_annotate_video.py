"""The annotated video plays in a browser: H.264 in MP4 and VP9 in WebM, loaded by headless
Chromium (Debian's package) in a ``<video>`` element until a frame is decoded."""

from __future__ import annotations

import shutil
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from backcoach.analysis.annotate import OverlayTrack, write_annotated
from backcoach.errors import InputError

CHROMIUM = shutil.which("chromium")
WIDTH, HEIGHT, FRAMES = 321, 241, 20  # odd on purpose: H.264 in 4:2:0 needs even sides


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clip") / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 15.0, (WIDTH, HEIGHT))
    for index in range(FRAMES):
        writer.write(np.full((HEIGHT, WIDTH, 3), 40 + 8 * index, dtype=np.uint8))
    writer.release()
    return path


@pytest.mark.parametrize(("suffix", "codec"), [(".mp4", "h264"), (".webm", "vp9")])
def test_the_suffix_chooses_a_browser_codec(
    clip: Path, tmp_path: Path, suffix: str, codec: str
) -> None:
    out = write_annotated(clip, OverlayTrack(), tmp_path / f"annotated{suffix}", None)
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == codec
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.codec_context.width, stream.codec_context.height) == (WIDTH - 1, HEIGHT - 1)
        frames = list(container.decode(stream))
    assert len(frames) == FRAMES
    # The overlay was drawn: "no analysis for this frame" in yellow on the plain grey picture.
    picture = frames[5].to_ndarray(format="rgb24")
    assert (
        int(np.count_nonzero(np.abs(picture.astype(int) - picture[-1, -1]).sum(axis=2) > 60)) > 200
    )
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


def test_other_suffixes_and_missing_folders_are_clear_messages(clip: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"must end in \.mp4 \(H\.264\) or \.webm \(VP9\)"):
        write_annotated(clip, OverlayTrack(), tmp_path / "annotated.avi", None)
    with pytest.raises(InputError, match="does not exist"):
        write_annotated(clip, OverlayTrack(), tmp_path / "nowhere" / "annotated.mp4", None)


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_chromium_plays_both_kinds(clip: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    videos = [
        write_annotated(clip, OverlayTrack(), tmp_path / f"annotated{suffix}", None)
        for suffix in (".mp4", ".webm")
    ]
    page_file = tmp_path / "page.html"
    page_file.write_text("<!doctype html><title>videos</title>")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page()
            page.goto(page_file.as_uri())
            for video in videos:
                loaded = page.evaluate(
                    """(src) => new Promise((done) => {
                      const v = document.createElement("video");
                      v.muted = true;
                      v.onloadeddata = () => done({ready: v.readyState, width: v.videoWidth});
                      v.onerror = () => done({error: v.error ? v.error.code : -1});
                      setTimeout(() => done({timeout: v.readyState}), 10000);
                      v.src = src;
                      document.body.append(v);
                    })""",
                    video.as_uri(),
                )
                assert loaded.get("ready", 0) >= 2, (video.name, loaded)
                assert loaded["width"] == WIDTH - 1
        finally:
            browser.close()
