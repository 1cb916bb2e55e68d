"""The floor found from the hands and feet resting on it (``FloorTilt``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcoach.analysis.tools.floor import CAMERA_UP, FloorTilt
from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks import Landmark as L


def lying(t: float, floor_tilt: float, hands_up: float = 0.0, knees_up: float = 0.05) -> PoseFrame:
    """Lying face down along x on a floor that rises ``floor_tilt`` degrees towards the head
    (as a turned camera sees it); the hands ``hands_up`` metres off the floor."""
    along = np.array([math.cos(math.radians(floor_tilt)), -math.sin(math.radians(floor_tilt))])
    square = np.array([-along[1], along[0]])  # points down, into the floor

    def at(x: float, height: float) -> tuple[float, float, float]:
        point = x * along - height * square
        return (float(point[0]), float(point[1]), 0.0)

    world = np.zeros((33, 3))
    for left, right, point in (
        (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, at(0.5, 0.15)),
        (L.LEFT_HIP, L.RIGHT_HIP, at(0.0, 0.12)),
        (L.LEFT_KNEE, L.RIGHT_KNEE, at(-0.45, knees_up)),
        (L.LEFT_ANKLE, L.RIGHT_ANKLE, at(-0.9, 0.06)),
        (L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX, at(-1.0, 0.0)),
        (L.LEFT_WRIST, L.RIGHT_WRIST, at(0.6, hands_up)),
    ):
        world[left] = point
        world[right] = point
    image = np.zeros((33, 3))
    image[:, :2] = 0.5 + 0.3 * world[:, :2]
    return PoseFrame(t, image, world, np.ones(33), 640, 480, round(t * 15))


@given(st.floats(-20.0, 20.0))
def test_the_tilt_of_the_floor_is_found_and_up_is_square_to_it(tilt: float) -> None:
    floor = FloorTilt()
    for i in range(30):
        floor.update(lying(i / 15, tilt))
    assert floor.tilt == pytest.approx(tilt, abs=1e-6)
    up = floor.up(lying(2.0, tilt))
    rises = math.radians(tilt)
    along_the_floor = np.array([math.cos(rises), -math.sin(rises), 0.0])
    assert float(np.dot(up, along_the_floor)) == pytest.approx(0.0, abs=1e-9)
    assert float(np.dot(up, CAMERA_UP)) > 0.9  # still up, not down


def test_a_hand_lifted_for_a_moment_does_not_move_the_floor() -> None:
    floor = FloorTilt()
    for i in range(60):
        floor.update(lying(i / 15, 10.0, hands_up=0.4 if 20 <= i < 30 else 0.0))
    assert floor.tilt == pytest.approx(10.0, abs=1e-6)


def test_hands_far_above_the_feet_say_nothing_about_the_floor() -> None:
    floor = FloorTilt()
    for i in range(30):
        floor.update(lying(i / 15, 60.0))  # kneeling or standing, not lying on a slope
    assert floor.tilt == 0.0
    assert floor.up(lying(2.0, 60.0)) is CAMERA_UP


def test_knees_off_the_floor_say_nothing_and_the_last_floor_is_kept() -> None:
    floor = FloorTilt(window=1.0)
    for i in range(30):
        floor.update(lying(i / 15, 8.0))
    for i in range(30, 120):  # kneeling up, hands on the thighs: no floor in sight
        floor.update(lying(i / 15, -10.0, hands_up=0.1, knees_up=0.4))
    assert floor.tilt == pytest.approx(8.0, abs=1e-6)


def test_old_readings_expire_and_a_cut_forgets_the_floor() -> None:
    floor = FloorTilt(window=1.0)
    for i in range(15):
        floor.update(lying(i / 15, 12.0))
    for i in range(15, 45):
        floor.update(lying(i / 15, -5.0))
    assert floor.tilt == pytest.approx(-5.0, abs=1e-6)
    floor.reset(3.0)
    assert floor.tilt == 0.0


def test_a_frame_without_a_body_leaves_the_floor_alone() -> None:
    floor = FloorTilt()
    floor.update(lying(0.0, 7.0))
    flat = lying(0.1, 7.0)
    for world in (np.zeros((33, 3)), np.full((33, 3), np.nan)):
        floor.update(PoseFrame(0.2, flat.image, world, flat.visibility, 640, 480, 3))
    floor.update(PoseFrame.empty(0.3, 640, 480, 4))
    assert floor.tilt == pytest.approx(7.0, abs=1e-6)
