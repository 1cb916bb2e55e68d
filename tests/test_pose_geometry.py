"""Geometry helpers: hand-computed values and properties that must hold for any input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcoach.pose import geometry as g
from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks import LANDMARK_COUNT, Landmark


def frame_with(points: dict[int, tuple[float, float]], width: int, height: int) -> PoseFrame:
    """A frame whose named landmarks sit at the given pixel positions (others at the centre)."""
    image = np.full((LANDMARK_COUNT, 3), 0.5)
    for index, (x, y) in points.items():
        image[index, :2] = (x / width, y / height)
    return PoseFrame(
        timestamp=0.0,
        image=image,
        world=np.zeros((LANDMARK_COUNT, 3)),
        visibility=np.full(LANDMARK_COUNT, 0.9),
        width=width,
        height=height,
    )


def test_joint_angle_hand_computed() -> None:
    assert g.joint_angle((1, 0), (0, 0), (0, 1)) == pytest.approx(90.0)
    assert g.joint_angle((1, 0), (0, 0), (-1, 0)) == pytest.approx(180.0)
    assert g.joint_angle((1, 0), (0, 0), (1, 1)) == pytest.approx(45.0)
    assert g.joint_angle((2, 0), (0, 0), (1, math.sqrt(3))) == pytest.approx(60.0)
    assert g.joint_angle((1, 0, 0), (0, 0, 0), (0, 0, 5)) == pytest.approx(90.0)


def test_joint_angle_degenerate_or_missing_is_nan() -> None:
    assert math.isnan(g.joint_angle((0, 0), (0, 0), (1, 1)))
    assert math.isnan(g.joint_angle((math.nan, 0), (0, 0), (1, 1)))


def test_inclination_and_direction() -> None:
    assert g.inclination((0, 0), (10, 0)) == pytest.approx(0.0)
    assert g.inclination((0, 0), (0, 10)) == pytest.approx(90.0)
    assert g.inclination((0, 0), (10, -10)) == pytest.approx(45.0)
    assert g.inclination((10, 0), (0, 10)) == pytest.approx(45.0)
    # Image y points down: a point with a smaller y is higher, direction 90 = up.
    assert g.segment_direction((0, 10), (0, 0)) == pytest.approx(90.0)
    assert g.segment_direction((0, 0), (-10, 0)) == pytest.approx(180.0)
    assert g.rises((0, 10), (0, 4)) == pytest.approx(6.0)
    assert g.is_horizontal((0, 0), (10, 1)) and not g.is_vertical((0, 0), (10, 1))
    assert g.is_vertical((0, 0), (1, 10)) and not g.is_horizontal((0, 0), (1, 10))


def test_frame_angles_use_pixels_not_normalised_coordinates() -> None:
    # In a 200x100 image, (0, 0) -> (100, 100) px is 45 degrees; in normalised
    # coordinates it would be (0, 0) -> (0.5, 1.0), about 63 degrees.
    frame = frame_with(
        {Landmark.LEFT_HIP: (0, 0), Landmark.LEFT_KNEE: (100, 100)}, width=200, height=100
    )
    assert g.frame_inclination(frame, Landmark.LEFT_HIP, Landmark.LEFT_KNEE) == pytest.approx(45)
    bent = frame_with(
        {
            Landmark.LEFT_HIP: (50, 20),
            Landmark.LEFT_KNEE: (100, 20),
            Landmark.LEFT_ANKLE: (100, 70),
        },
        width=200,
        height=100,
    )
    angle = g.frame_joint_angle(bent, Landmark.LEFT_HIP, Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE)
    assert angle == pytest.approx(90.0)


def test_body_size_normalisation() -> None:
    frame = frame_with(
        {
            Landmark.LEFT_SHOULDER: (100, 100),
            Landmark.RIGHT_SHOULDER: (100, 120),
            Landmark.LEFT_HIP: (300, 100),
            Landmark.RIGHT_HIP: (300, 120),
            Landmark.LEFT_WRIST: (0, 110),
            Landmark.LEFT_ANKLE: (500, 110),
        },
        width=640,
        height=360,
    )
    assert g.torso_length(frame) == pytest.approx(200.0)
    assert np.allclose(g.shoulder_mid(frame), (100, 110))
    distance = g.body_distance(frame, Landmark.LEFT_WRIST, Landmark.LEFT_ANKLE)
    assert distance == pytest.approx(2.5)


def test_body_distance_without_torso_is_nan() -> None:
    frame = PoseFrame.empty(0.0, 640, 360)
    assert math.isnan(g.body_distance(frame, Landmark.LEFT_WRIST, Landmark.LEFT_ANKLE))


def test_side_facing_camera_is_the_more_visible_side() -> None:
    frame = frame_with({}, 100, 100)
    visibility = frame.visibility.copy()
    visibility[list(g.RIGHT_SIDE)] = 0.2
    right_hidden = PoseFrame(0.0, frame.image, frame.world, visibility, 100, 100)
    assert g.side_facing_camera(right_hidden) == "left"
    visibility[list(g.RIGHT_SIDE)] = 0.99
    assert g.side_facing_camera(PoseFrame(0.0, frame.image, frame.world, visibility, 100, 100)) == (
        "right"
    )
    assert g.side_landmarks("right")["knee"] == Landmark.RIGHT_KNEE


def test_midpoint_and_distance() -> None:
    assert np.allclose(g.midpoint((0, 0, 0), (2, 4, 6)), (1, 2, 3))
    assert g.distance((0, 0), (3, 4)) == pytest.approx(5.0)


coordinate = st.floats(-1000, 1000, allow_nan=False)
point = st.tuples(coordinate, coordinate)


def far_apart(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return math.dist(a, b) > 1e-3


@given(point, point, point)
def test_joint_angle_is_between_0_and_180(
    a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]
) -> None:
    angle = g.joint_angle(a, b, c)
    if far_apart(a, b) and far_apart(c, b):
        assert 0.0 <= angle <= 180.0
    else:
        assert math.isnan(angle) or 0.0 <= angle <= 180.0


@given(
    point,
    point,
    point,
    st.floats(0.01, 100),
    st.tuples(coordinate, coordinate),
)
def test_joint_angle_ignores_scale_and_translation(
    a: tuple[float, float],
    b: tuple[float, float],
    c: tuple[float, float],
    scale: float,
    shift: tuple[float, float],
) -> None:
    if not (far_apart(a, b) and far_apart(c, b)):
        return
    moved = [np.asarray(p) * scale + np.asarray(shift) for p in (a, b, c)]
    assert g.joint_angle(*moved) == pytest.approx(g.joint_angle(a, b, c), abs=1e-4)


@given(point, point, st.floats(0.01, 100))
def test_inclination_is_between_0_and_90_and_scale_invariant(
    a: tuple[float, float], b: tuple[float, float], scale: float
) -> None:
    if not far_apart(a, b):
        return
    value = g.inclination(a, b)
    assert 0.0 <= value <= 90.0
    assert g.inclination(b, a) == pytest.approx(value, abs=1e-6)
    scaled = g.inclination(np.asarray(a) * scale, np.asarray(b) * scale)
    assert scaled == pytest.approx(value, abs=1e-4)


def test_elevation_in_world_coordinates_has_y_down_and_ignores_heading() -> None:
    from backcoach.pose.geometry import elevation

    # Up 1 m over 1 m along x, or along z (towards the camera): 45 deg either way.
    assert elevation((0.0, 0.0, 0.0), (1.0, -1.0, 0.0)) == pytest.approx(45.0)
    assert elevation((0.0, 0.0, 0.0), (0.0, -1.0, 1.0)) == pytest.approx(45.0)
    assert elevation((0.0, 0.0, 0.0), (1.0, 1.0, 0.0)) == pytest.approx(-45.0)
    assert math.isnan(elevation((0.0, 0.0, 0.0), (math.nan, 0.0, 0.0)))


@given(
    st.floats(-60.0, 60.0),
    st.floats(-30.0, 30.0),
    st.floats(0.1, 3.0),
)
def test_elevation_above_a_turned_up_reads_as_if_the_camera_were_level(
    angle: float, camera_tilt: float, length: float
) -> None:
    """A segment at ``angle`` above the floor, seen by a camera turned by ``camera_tilt`` in
    its own plane, reads ``angle`` against the turned up and ``angle + tilt`` against the
    camera's own."""
    seen = math.radians(angle + camera_tilt)
    segment = np.array([length * math.cos(seen), -length * math.sin(seen), 0.0])
    tilt = math.radians(camera_tilt)
    up = np.array([-math.sin(tilt), -math.cos(tilt), 0.0])
    assert g.elevation_above((0, 0, 0), segment, up) == pytest.approx(angle, abs=1e-6)
    assert g.elevation_above((0, 0, 0), segment, (0, -1, 0)) == pytest.approx(
        g.elevation((0, 0, 0), segment), abs=1e-6
    )


def test_elevation_above_of_a_point_is_nan() -> None:
    assert math.isnan(g.elevation_above((1, 2, 3), (1, 2, 3), (0, -1, 0)))
