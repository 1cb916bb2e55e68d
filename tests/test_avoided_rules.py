"""The avoided-movement rules that must hold for any person and camera, on synthetic poses:
warned from the first full repetition, judged against the scene's own resting level, a
leg pull-in told from a knees-up stretch, and the same answer at any frame rate."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from backcoach.analysis.avoided import AvoidedMovementDetector
from backcoach.analysis.events import EventKind
from backcoach.analysis.recognize import recognize
from backcoach.analysis.runner import analyze_frames, limit_fps, prepare_frames
from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks import Landmark as L
from test_analysis_analyzers import (
    FLOOR,
    FPS,
    H,
    W,
    kinds,
    play,
    smooth_step,
    supine,
    timeline,
)

PERIOD = 3.0


def crunches(seconds: float, lean: float = 0.0, peak: float = 45.0) -> list[PoseFrame]:
    """Crunches every 3 s; ``lean`` tilts the whole picture's trunk (a camera that makes the
    lying trunk look raised, as one above the feet does)."""
    frames = []
    for t in timeline(seconds):
        k = int(t // PERIOD)
        up = smooth_step(t - PERIOD * k, 0.3, 0.8, 0.4, 0.8)
        frames.append(supine(t, trunk_deg=lean + peak * up))
    return frames


def first_warning(frames: list[PoseFrame]) -> float | None:
    events = kinds(play(AvoidedMovementDetector(), frames), EventKind.AVOIDED_MOVEMENT)
    return events[0].time if events else None


def test_a_crunch_is_warned_after_the_first_repetition() -> None:
    warned = first_warning(crunches(9.0))
    # The first curl is back down by 0.3 + 0.8 + 0.4 + 0.8 = 2.3 s.
    assert warned is not None and warned < PERIOD


def test_a_crunch_is_judged_against_the_resting_trunk_not_the_picture() -> None:
    # Resting trunk 15 deg above the picture's horizontal: the curls still show.
    assert first_warning(crunches(12.0, lean=15.0)) is not None


def test_lying_still_with_a_raised_looking_trunk_is_not_a_crunch() -> None:
    frames = [supine(t, trunk_deg=20.0) for t in timeline(12.0)]
    assert first_warning(frames) is None


def legs_frame(t: float, drawn: float, hands_on_knees: bool) -> PoseFrame:
    """Lying on the back, legs off the floor: ``drawn`` 1 = both knees at the chest (thighs
    30 deg from the trunk, knees bent), 0 = both legs stretched out low and straight."""
    frame = supine(t, knee_deg={"left": 130.0, "right": 130.0})
    world = frame.world.copy()
    image = frame.image.copy()
    hip = np.array([600.0, FLOOR])
    hip_angle = np.radians(150.0 - 120.0 * drawn)  # between the trunk (towards -x) and thigh
    thigh = np.array([-np.cos(hip_angle), -np.sin(hip_angle)])
    bend = np.radians(120.0 * drawn)  # the knee folds as the thigh comes in
    shin = np.array(
        [
            thigh[0] * np.cos(bend) - thigh[1] * np.sin(bend),
            thigh[0] * np.sin(bend) + thigh[1] * np.cos(bend),
        ]
    )
    knee = hip + 250.0 * thigh
    ankle = knee + 250.0 * shin
    for index, point in (
        (L.LEFT_KNEE, knee),
        (L.RIGHT_KNEE, knee),
        (L.LEFT_ANKLE, ankle),
        (L.RIGHT_ANKLE, ankle),
        (L.LEFT_HEEL, ankle),
        (L.RIGHT_HEEL, ankle),
        (L.LEFT_FOOT_INDEX, ankle),
        (L.RIGHT_FOOT_INDEX, ankle),
    ):
        image[index, :2] = point / np.array([W, H])
        world[index, :2] = point / 600
    if hands_on_knees:
        for index in (L.LEFT_WRIST, L.RIGHT_WRIST):
            image[index, :2] = knee / np.array([W, H])
            world[index, :2] = knee / 600
    return dataclasses.replace(frame, image=image, world=world)


def pull_ins(seconds: float, hands_on_knees: bool, every: float = PERIOD) -> list[PoseFrame]:
    frames = []
    for t in timeline(seconds):
        k = int(t // every)
        drawn = smooth_step(t - every * k, 0.3, 0.7, 0.5, 0.7)
        frames.append(legs_frame(t, drawn, hands_on_knees))
    return frames


def test_repeated_leg_pull_ins_are_a_leg_lift() -> None:
    events = kinds(
        play(AvoidedMovementDetector(), pull_ins(10.0, hands_on_knees=False)),
        EventKind.AVOIDED_MOVEMENT,
    )
    assert [e.code for e in events] == ["leg-lift"]


def test_knees_pulled_in_by_the_hands_are_a_stretch_not_a_leg_lift() -> None:
    assert first_warning(pull_ins(10.0, hands_on_knees=True)) is None


def test_knees_rolled_over_that_read_straight_are_no_leg_pull_in() -> None:
    """The pose model can read knees rolled to one side as straight legs, but the feet stay
    near the hips: drawing the knees in and rolling them over is no leg lift."""
    frames = []
    for frame in pull_ins(10.0, hands_on_knees=False):
        world = frame.world.copy()
        hips = (world[L.LEFT_HIP] + world[L.RIGHT_HIP]) / 2
        trunk = float(np.linalg.norm((world[L.LEFT_SHOULDER] + world[L.RIGHT_SHOULDER]) / 2 - hips))
        for knee, ankle in ((L.LEFT_KNEE, L.LEFT_ANKLE), (L.RIGHT_KNEE, L.RIGHT_ANKLE)):
            reach = world[ankle] - hips
            length = float(np.linalg.norm(reach))
            if length > 1.1 * trunk:  # legs out: shortened, as the model reads rolled knees
                world[ankle] = hips + reach / length * 1.1 * trunk
                world[knee] = hips + reach / length * 0.55 * trunk
        frames.append(dataclasses.replace(frame, world=world))
    assert first_warning(frames) is None


def test_one_tuck_between_positions_is_not_a_leg_lift() -> None:
    assert first_warning(pull_ins(PERIOD, hands_on_knees=False)) is None


@pytest.mark.parametrize("fps", [3.0, 5.0, 10.0, 15.0])
def test_the_answer_does_not_depend_on_the_frame_rate(fps: float) -> None:
    frames = limit_fps(crunches(12.0), fps)
    report = analyze_frames(frames, "bridge")
    assert {w.code for w in report.avoided} == {"bent-leg-sit-up"}
    assert recognize(prepare_frames(frames)).movement_id == "bent-leg-sit-up"
    assert FPS == 15.0  # the builders draw at 15 frames a second; limit_fps thins them


def drifting(frames: list[PoseFrame], torsos_per_second: float) -> list[PoseFrame]:
    """The picture drifts sideways and back, as a hand-held phone does."""
    out = []
    torso = 300.0 / W
    for frame in frames:
        phase = (frame.timestamp % 4.0) / 4.0
        shift = torsos_per_second * torso * 2.0 * (phase if phase < 0.5 else 1.0 - phase)
        image = frame.image.copy()
        image[:, 0] += shift
        out.append(dataclasses.replace(frame, image=image))
    return out


@pytest.mark.parametrize("fps", [3.0, 15.0])
def test_a_hand_held_camera_is_no_scene_cut_at_any_frame_rate(fps: float) -> None:
    from backcoach.analysis.tools.cuts import CutDetector

    frames = limit_fps(drifting(crunches(12.0), torsos_per_second=1.2), fps)
    detector = CutDetector()
    assert not any(detector.update(frame) for frame in frames)
