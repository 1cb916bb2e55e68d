"""Black bars round the camera's picture are cut off before posing, a picture an editor turned
is turned back upright, and the landmarks come back in the whole frame's coordinates."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import cv2
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
    MIN_TURN,
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


def turned(picture: Image, degrees: float) -> tuple[Image, npt.NDArray[np.float64]]:
    """The picture turned ``degrees`` clockwise on the screen in a frame grown to hold all of
    it, the corners black (as ffmpeg's rotate filter with ``ow=rotw``), and the map from the
    picture's pixels to the frame's."""
    height, width = picture.shape[:2]
    angle = math.radians(degrees)
    frame_width = int(width * abs(math.cos(angle)) + height * abs(math.sin(angle)))
    frame_height = int(width * abs(math.sin(angle)) + height * abs(math.cos(angle)))
    to_frame = cv2.getRotationMatrix2D((width / 2, height / 2), -degrees, 1.0)
    to_frame[:, 2] += ((frame_width - width) / 2, (frame_height - height) / 2)
    frame = cv2.warpAffine(picture, to_frame, (frame_width, frame_height), borderValue=0)
    return np.asarray(frame, dtype=np.uint8), np.asarray(to_frame, dtype=np.float64)


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


@given(
    degrees=st.floats(MIN_TURN + 0.5, 30).flatmap(lambda d: st.sampled_from([d, -d])),
    # pictures as small as the pose model is given (240 px high at the least in the invariance
    # runs); on smaller ones a turn of a degree or two makes corners thinner than the sampling
    height=st.integers(160, 360),
    width=st.integers(160, 640),
    u=st.floats(0.05, 0.95),
    v=st.floats(0.05, 0.95),
)
@settings(max_examples=40, deadline=None)
def test_a_turned_picture_is_turned_back_upright(
    degrees: float, height: int, width: int, u: float, v: float
) -> None:
    picture = scene(height, width, seed=int(abs(degrees) * 100))
    frame, to_frame = turned(picture, degrees)
    found = PictureBounds().update(frame)
    assert found.turn == pytest.approx(degrees, abs=0.5)
    # the whole picture but the blended edge, without any of the black corners
    assert width - 2 * EDGE_TRIM - 3 <= found.width <= width - 2 * EDGE_TRIM + 2
    assert height - 2 * EDGE_TRIM - 3 <= found.height <= height - 2 * EDGE_TRIM + 2
    upright = found.cut(frame)
    assert upright.shape[:2] == (found.height, found.width)
    assert upright.min() > DARK
    # a point of the upright picture goes back where the turn put it in the frame (its place
    # in the picture is known to within the trim's rounding)
    x0 = (width - found.width) / 2
    y0 = (height - found.height) / 2
    here = np.array([[(u * width - x0) / found.width, (v * height - y0) / found.height, 0.2]])
    back = found.to_frame(here)[0] * (frame.shape[1], frame.shape[0], frame.shape[1])
    expected = to_frame @ np.array([u * width, v * height, 1.0])
    assert np.linalg.norm(back[:2] - expected) < 2.0
    assert back[2] == pytest.approx(0.2 * found.width)


def test_a_picture_turned_less_than_a_degree_is_posed_as_it_is() -> None:
    frame, _ = turned(scene(), MIN_TURN / 2)
    assert PictureBounds().update(frame).is_whole


def test_a_scene_with_dark_corners_is_not_a_turned_picture() -> None:
    """A dim room darkens the frame's corners (a round vignette, a diagonal shadow on one
    side): that is not a turned picture, which is a tilted rectangle touching every side."""
    height, width = 180, 320
    rows, columns = np.mgrid[0:height, 0:width]
    distance = np.hypot((rows - height / 2) / height, (columns - width / 2) / width)
    vignette = scene(height, width)
    vignette[distance > 0.55] = 0
    diagonal = scene(height, width)
    diagonal[rows < 0.4 * columns - 60] = 0  # only the top-right corner dark
    diagonal[:8, :8] = diagonal[-8:, :8] = diagonal[-8:, -8:] = 0
    small = np.zeros((height, width, 3), dtype=np.uint8)  # a turned picture inside the frame
    inner, _ = turned(scene(80, 140), 12)
    small[40 : 40 + inner.shape[0], 60 : 60 + inner.shape[1]] = inner
    for frame in (vignette, diagonal, small):
        assert PictureBounds().update(frame).turn == 0.0


def test_a_turned_picture_is_followed_until_its_corners_light_up() -> None:
    frame, _ = turned(scene(), 10)
    bounds = PictureBounds()
    assert bounds.update(frame).turn == pytest.approx(10, abs=0.5)
    whole = scene(frame.shape[0], frame.shape[1])
    assert all(bounds.update(whole).turn for _ in range(CHECK_EVERY - 1))
    assert bounds.update(whole).is_whole  # the corners have shown picture after all


def test_dark_things_at_the_edge_are_not_bars() -> None:
    """Dark pixels at the end of some rows (black leggings leaving the picture, two black
    corners) are not whole dark rows: nothing is cut."""
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


def assert_the_model_finds_the_same_hips(
    clip: Path, reframe: Callable[[Image], tuple[Image, npt.NDArray[np.float64]]]
) -> None:
    """The real model on a clip's first 2 s, each frame posed as it is and reframed
    (``reframe`` gives the new frame and the affine map from the old frame's pixels to its):
    the reframed run's hips are where the map puts the plain run's, within 2 % of the width."""
    from backcoach.pose.mediapipe_backend import MediaPipePoseEstimator
    from backcoach.pose.sources import VideoFileSource

    frames = [rgb for _, _, rgb in VideoFileSource(clip, max_fps=15, max_width=480, end=2.0)]
    compared = 0
    with MediaPipePoseEstimator() as plain, MediaPipePoseEstimator() as reframed:
        for i, rgb in enumerate(frames):
            bare = plain.estimate(rgb, i / 15, i)
            frame, to_frame = reframe(rgb)
            seen = reframed.estimate(frame, i / 15, i)
            if not (bare.detected and seen.detected):
                continue
            assert (seen.width, seen.height) == (frame.shape[1], frame.shape[0])
            px_bare, px_seen = bare.pixels(), seen.pixels()
            for hip in (L.LEFT_HIP, L.RIGHT_HIP):
                expected = to_frame @ np.array([*px_bare[hip], 1.0])
                assert np.linalg.norm(px_seen[hip] - expected) < 0.02 * rgb.shape[1]
            compared += 1
    assert compared >= len(frames) // 2  # the person was found on most frames both ways


def in_portrait_bars(rgb: Image) -> tuple[Image, npt.NDArray[np.float64]]:
    bars = rgb.shape[1] * 16 // 9 // 2 - rgb.shape[0] // 2  # into a portrait frame
    return framed(rgb, bars, bars, 0, 0), np.array([[1.0, 0.0, 0.0], [0.0, 1.0, bars]])


@pytest.mark.footage
@pytest.mark.skipif(not (FOOTAGE / "manifest.csv").exists(), reason=f"no footage at {FOOTAGE}")
def test_the_real_model_finds_the_same_body_with_bars_round_the_picture() -> None:
    """The pose model, given a real clip's frames framed in black bars, places the body where
    it is in the frames without bars."""
    clip = FOOTAGE / "bridge" / "lenagalanova8-debug__my-guides__glute-bridge.mp4"
    assert_the_model_finds_the_same_hips(clip, in_portrait_bars)


@pytest.mark.footage
@pytest.mark.skipif(not (FOOTAGE / "manifest.csv").exists(), reason=f"no footage at {FOOTAGE}")
def test_the_real_model_finds_the_same_body_in_a_turned_picture() -> None:
    """The pose model, given a real clip's frames turned 15° with black corners, places the
    body where the turn put it in the frames posed upright."""
    clip = FOOTAGE / "bird_dog" / "lenagalanova8-debug__my-guides__bird-dog.mp4"
    assert_the_model_finds_the_same_hips(clip, lambda rgb: turned(rgb, 15))
