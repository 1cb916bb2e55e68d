"""Black bars round the camera's picture are cut off before posing, and the landmarks come
back in the whole frame's coordinates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcoach.pose.landmarks import Landmark as L
from backcoach.pose.picture import (
    CHECK_EVERY,
    DARK,
    EDGE_TRIM,
    SAMPLE_STEP,
    Picture,
    PictureBounds,
)

FOOTAGE = Path(__file__).resolve().parents[1].parent / "shared" / "footage"
Image = npt.NDArray[np.uint8]


def scene(height: int = 120, width: int = 200, seed: int = 0) -> Image:
    """A picture with nothing black in it."""
    rng = np.random.default_rng(seed)
    return rng.integers(DARK + 20, 250, (height, width, 3)).astype(np.uint8)


def framed(picture: Image, top: int, bottom: int, left: int, right: int) -> Image:
    height, width = picture.shape[:2]
    out = np.zeros((height + top + bottom, width + left + right, 3), dtype=np.uint8)
    out[top : top + height, left : left + width] = picture
    return out


def test_a_frame_without_framing_is_posed_whole_and_untouched() -> None:
    image = scene()
    bounds = PictureBounds()
    for _ in range(3):
        picture = bounds.update(image)
        assert picture.is_whole
        assert picture.cut(image) is image or np.array_equal(picture.cut(image), image)


@given(
    top=st.integers(0, 60),
    bottom=st.integers(0, 60),
    left=st.integers(0, 60),
    right=st.integers(0, 60),
)
@settings(max_examples=40, deadline=None)
def test_bars_are_cut_off_and_only_bars(top: int, bottom: int, left: int, right: int) -> None:
    picture = scene()
    image = framed(picture, top, bottom, left, right)
    found = PictureBounds().update(image)
    bars = {"t": top, "b": bottom, "l": left, "r": right}
    # each bar goes, with EDGE_TRIM more and at most one pixel for looking at every other one
    trim = {
        side: (EDGE_TRIM, EDGE_TRIM + SAMPLE_STEP - 1) if bar else (0, 0)
        for side, bar in bars.items()
    }
    assert top + trim["t"][0] <= found.y0 <= top + trim["t"][1]
    assert left + trim["l"][0] <= found.x0 <= left + trim["l"][1]
    assert top + 120 - trim["b"][1] <= found.y1 <= top + 120 - trim["b"][0]
    assert left + 200 - trim["r"][1] <= found.x1 <= left + 200 - trim["r"][0]
    cut = found.cut(image)
    assert cut.min() > DARK  # nothing of the bars is left
    assert np.array_equal(
        cut, picture[found.y0 - top : found.y1 - top, found.x0 - left : found.x1 - left]
    )


@given(
    top=st.integers(0, 60),
    left=st.integers(0, 60),
    u=st.floats(0, 1),
    v=st.floats(0, 1),
    z=st.floats(-1, 1),
)
@settings(max_examples=40, deadline=None)
def test_landmarks_return_to_the_same_place_in_the_whole_frame(
    top: int, left: int, u: float, v: float, z: float
) -> None:
    image = framed(scene(), top, top, left, left)
    found = PictureBounds().update(image)
    point = np.array([[u, v, z]])
    back = found.to_frame(point)[0]
    width, height = found.x1 - found.x0, found.y1 - found.y0
    assert back[0] * image.shape[1] == pytest.approx(found.x0 + u * width)
    assert back[1] * image.shape[0] == pytest.approx(found.y0 + v * height)
    # depth keeps its size against the width: the same in pixels of either image
    assert back[2] * image.shape[1] == pytest.approx(z * width)


def test_dark_things_at_the_edge_are_not_bars() -> None:
    """Dark pixels at the end of some rows (black leggings leaving the picture, the black
    corners of a picture turned by an editor) are not whole dark rows: nothing is cut."""
    image = scene()
    image[40:90, :30] = 5
    corners = scene()
    for row in range(30):
        corners[row, : 30 - row] = 0
        corners[-1 - row, -(30 - row) :] = 0
    for picture in (image, corners):
        assert PictureBounds().update(picture).is_whole


def test_a_dark_edge_that_lights_up_later_is_not_a_bar_any_more() -> None:
    image = scene()
    dark_top = image.copy()
    dark_top[:20] = 0  # a dark first frame edge, as in a dim room
    bounds = PictureBounds()
    assert bounds.update(dark_top).y0 == 20 + EDGE_TRIM
    found = [bounds.update(image) for _ in range(CHECK_EVERY)]  # looked at again this often
    assert found[-1].is_whole
    assert bounds.update(dark_top).is_whole  # the edge has shown picture: it is not a bar


def test_a_fade_from_black_decides_nothing() -> None:
    bounds = PictureBounds()
    black = np.zeros((120, 200, 3), dtype=np.uint8)
    for _ in range(CHECK_EVERY):
        assert bounds.update(black).is_whole
    assert bounds.update(framed(scene(80, 200), 20, 20, 0, 0)).y0 == 20 + EDGE_TRIM


def test_a_new_frame_size_starts_again() -> None:
    bounds = PictureBounds()
    bounds.update(framed(scene(), 30, 30, 0, 0))
    assert bounds.update(scene(100, 100)).is_whole


def test_whole_picture_maps_landmarks_unchanged() -> None:
    whole = Picture.whole(640, 360)
    points = np.random.default_rng(1).random((33, 3))
    assert np.allclose(whole.to_frame(points), points)


@pytest.mark.footage
@pytest.mark.skipif(not (FOOTAGE / "manifest.csv").exists(), reason=f"no footage at {FOOTAGE}")
def test_the_real_model_finds_the_same_body_with_bars_round_the_picture() -> None:
    """The pose model, given a real clip's frames framed in black bars, places the body where
    it is in the frames without bars."""
    from backcoach.pose.mediapipe_backend import MediaPipePoseEstimator
    from backcoach.pose.sources import VideoFileSource

    clip = FOOTAGE / "bridge" / "lenagalanova8-debug__my-guides__glute-bridge.mp4"
    frames = [rgb for _, _, rgb in VideoFileSource(clip, max_fps=15, max_width=480, end=2.0)]
    compared = 0
    with MediaPipePoseEstimator() as plain, MediaPipePoseEstimator() as barred:
        for i, rgb in enumerate(frames):
            bare = plain.estimate(rgb, i / 15, i)
            bars = rgb.shape[1] * 16 // 9 // 2 - rgb.shape[0] // 2  # into a portrait frame
            boxed = barred.estimate(framed(rgb, bars, bars, 0, 0), i / 15, i)
            if not (bare.detected and boxed.detected):
                continue
            assert boxed.height == rgb.shape[0] + 2 * bars
            # back in the unframed picture's pixels, the hips are within 2 % of its width
            px_bare = bare.pixels()
            px_boxed = boxed.pixels() - np.array([0, bars])
            for hip in (L.LEFT_HIP, L.RIGHT_HIP):
                assert np.linalg.norm(px_bare[hip] - px_boxed[hip]) < 0.02 * rgb.shape[1]
            compared += 1
    assert compared >= len(frames) // 2  # the person was found on most frames both ways
