"""The supine analyzers, posture and the avoided-movement detector on synthetic poses.

A synthetic person is drawn from a side camera: head to the left, lying on a floor at
y = 600 px (image y grows downwards). Each helper places the joints for one moment of an
exercise, so sequences of frames can be played through the analyzers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np
import pytest

from backcoach.analysis.avoided import AvoidedMovementDetector
from backcoach.analysis.events import Event, EventKind
from backcoach.analysis.exercises.bridge import BridgeAnalyzer
from backcoach.analysis.exercises.knees_up import KneesUpAnalyzer
from backcoach.analysis.exercises.pelvic_tilt import PelvicTiltAnalyzer
from backcoach.analysis.exercises.roll_and_stretch import RollAndStretchAnalyzer
from backcoach.analysis.posture import Position, View, classify_position, classify_view
from backcoach.analysis.recognize import recognize
from backcoach.analysis.report import SURE_CONFIDENCE
from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks import Landmark as L

FPS = 15.0
FLOOR = 600.0
TORSO = 300.0
THIGH = 250.0
SHIN = 250.0
W, H = 1280, 720
Point = tuple[float, float]


def _polar(origin: Point, length: float, degrees: float) -> Point:
    """A point ``length`` away at ``degrees`` above the +x axis (image y points down)."""
    a = math.radians(degrees)
    return origin[0] + length * math.cos(a), origin[1] - length * math.sin(a)


def frame_from(
    t: float,
    joints: dict[str, Point],
    legs: dict[str, dict[str, Point]] | None = None,
    depth: dict[str, float] | None = None,
    visibility: float = 0.95,
) -> PoseFrame:
    """Build a frame: ``joints`` shared by both sides, ``legs`` per side overrides.

    ``depth`` gives world z (metres) per landmark name prefix, e.g. {"left_knee": -0.2}.
    """
    image = np.zeros((33, 3))
    world = np.zeros((33, 3))
    sides = {"left": -1.0, "right": 1.0}
    names = {
        "shoulder": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
        "elbow": (L.LEFT_ELBOW, L.RIGHT_ELBOW),
        "wrist": (L.LEFT_WRIST, L.RIGHT_WRIST),
        "hip": (L.LEFT_HIP, L.RIGHT_HIP),
        "knee": (L.LEFT_KNEE, L.RIGHT_KNEE),
        "ankle": (L.LEFT_ANKLE, L.RIGHT_ANKLE),
        "heel": (L.LEFT_HEEL, L.RIGHT_HEEL),
        "foot": (L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX),
        "ear": (L.LEFT_EAR, L.RIGHT_EAR),
        "eye": (L.LEFT_EYE, L.RIGHT_EYE),
    }
    hands = (
        (L.LEFT_PINKY, L.LEFT_INDEX, L.LEFT_THUMB),
        (L.RIGHT_PINKY, L.RIGHT_INDEX, L.RIGHT_THUMB),
    )
    for name, (left, right) in names.items():
        for index, side in ((left, "left"), (right, "right")):
            source = (legs or {}).get(side, {})
            point = source.get(name, joints.get(name))
            if point is None:
                point = joints["shoulder"]
            image[index, :2] = point
            z = sides[side] * 0.1 + (depth or {}).get(f"{side}_{name}", 0.0)
            world[index] = [point[0] / 600, point[1] / 600, z]
    for k, hand in enumerate(hands):
        for index in hand:
            image[index] = image[(L.LEFT_WRIST, L.RIGHT_WRIST)[k]]
            world[index] = world[(L.LEFT_WRIST, L.RIGHT_WRIST)[k]]
    face = (L.NOSE, L.MOUTH_LEFT, L.MOUTH_RIGHT, L.LEFT_EYE_INNER, L.LEFT_EYE_OUTER)
    for face_index in (*face, L.RIGHT_EYE_INNER, L.RIGHT_EYE_OUTER):
        image[face_index, :2] = joints["nose"]
        world[face_index] = [joints["nose"][0] / 600, joints["nose"][1] / 600, 0.0]
    image[:, 0] /= W
    image[:, 1] /= H
    return PoseFrame(t, image, world, np.full(33, visibility), W, H, index=round(t * FPS))


def supine(
    t: float,
    hip_lift: float = 0.0,
    knee_deg: dict[str, float] | None = None,
    trunk_deg: float = 0.0,
    straight_leg_deg: float | None = None,
    roll: float = 0.0,
    roll_in_depth: bool = True,
) -> PoseFrame:
    """Lying on the back, knees bent, feet flat (hook lying), with optional changes.

    ``hip_lift``: pixels the hips rise (bridge). ``knee_deg``: per side, the thigh's angle
    measured from the trunk (small = knee at the chest). ``trunk_deg``: shoulders raised about
    the hips (sit-up). ``straight_leg_deg``: both legs straight at this angle above the floor.
    ``roll``: knees rolled to the person's left (+) or right (-), 0..1; without
    ``roll_in_depth`` the pose model's 3-D estimate is taken to miss the roll (a camera beside
    the person), so only the knees' drop in the picture shows.
    """
    hip = (600.0, FLOOR - hip_lift)
    shoulder = _polar((600.0, FLOOR), TORSO, 180.0 - trunk_deg)
    ear = _polar(shoulder, 70.0, 180.0 - trunk_deg)
    nose = (ear[0] + 10.0 * math.cos(math.radians(trunk_deg)), ear[1] - 22.0)
    if trunk_deg > 30:
        nose = (ear[0] + 25.0, ear[1] + 5.0)  # face turned towards the knees
    joints: dict[str, Point] = {
        "shoulder": shoulder,
        "elbow": (450.0, FLOOR + 3),
        "wrist": (560.0, FLOOR + 5),
        "hip": hip,
        "ear": ear,
        "eye": (ear[0] + 12.0, ear[1] - 12.0),
        "nose": nose,
    }
    legs: dict[str, dict[str, Point]] = {}
    depth: dict[str, float] = {}
    for side in ("left", "right"):
        if straight_leg_deg is not None:
            knee = _polar(hip, THIGH, straight_leg_deg)
            ankle = _polar(hip, THIGH + SHIN, straight_leg_deg)
        else:
            from_trunk = (knee_deg or {}).get(side, 130.0)
            # The feet stay planted, so the knees stay put when the hips lift.
            knee = _polar((600.0, FLOOR), THIGH, 180.0 - from_trunk)
            if roll:
                # Rolled knees drop towards the floor in the picture and move sideways in 3-D.
                knee = (knee[0], knee[1] + abs(roll) * (FLOOR - knee[1]))
            reach = max(SHIN**2 - (FLOOR - knee[1]) ** 2, 0.0)
            ankle = (
                (knee[0] + math.sqrt(reach), FLOOR)
                if from_trunk > 90
                else (
                    knee[0] + 40.0,
                    knee[1] - 150.0,
                )
            )
        legs[side] = {
            "knee": knee,
            "ankle": ankle,
            "heel": ankle,
            "foot": (ankle[0] + 30, ankle[1]),
        }
        depth[f"{side}_knee"] = -0.45 * roll
    frame = frame_from(t, joints, legs, depth)
    if roll and not roll_in_depth:
        frame = replace(frame, world=supine(t).world)
    return frame


def standing(t: float, fold_deg: float = 0.0) -> PoseFrame:
    """Standing side-on; ``fold_deg`` bends the trunk forward (90 = level, 150 = hanging)."""
    hip = (640.0, 330.0)
    shoulder = _polar(hip, TORSO, 90.0 - fold_deg)
    ear = _polar(shoulder, 70.0, 90.0 - fold_deg)
    hanging = fold_deg > 100
    wrist = (660.0, 640.0) if hanging else (shoulder[0], shoulder[1] + 250.0)
    joints: dict[str, Point] = {
        "shoulder": shoulder,
        "elbow": ((shoulder[0] + wrist[0]) / 2, (shoulder[1] + wrist[1]) / 2),
        "wrist": wrist,
        "hip": hip,
        "knee": (640.0, 330.0 + THIGH),
        "ankle": (640.0, 330.0 + THIGH + SHIN),
        "heel": (630.0, 330.0 + THIGH + SHIN),
        "foot": (680.0, 330.0 + THIGH + SHIN),
        "ear": ear,
        "eye": (ear[0] + 10.0, ear[1]),
        "nose": (ear[0] + 25.0, ear[1] + 5.0),
    }
    return frame_from(t, joints)


def play(analyzer: object, frames: list[PoseFrame]) -> list[Event]:
    events: list[Event] = []
    update: Callable[[PoseFrame], list[Event]] = analyzer.update  # type: ignore[attr-defined]
    finish: Callable[[float], list[Event]] = analyzer.finish  # type: ignore[attr-defined]
    for frame in frames:
        events += update(frame)
    events += finish(frames[-1].timestamp)
    return events


def kinds(events: list[Event], kind: EventKind) -> list[Event]:
    return [e for e in events if e.kind is kind]


def timeline(seconds: float) -> Iterator[float]:
    for i in range(round(seconds * FPS)):
        yield i / FPS


def smooth_step(t: float, start: float, rise: float, hold: float, fall: float) -> float:
    """0 -> 1 over ``rise`` s from ``start``, held ``hold`` s, back to 0 over ``fall`` s."""
    if t < start:
        return 0.0
    t -= start
    if t < rise:
        return 0.5 - 0.5 * math.cos(math.pi * t / rise)
    t -= rise
    if t < hold:
        return 1.0
    t -= hold
    if t < fall:
        return 0.5 + 0.5 * math.cos(math.pi * t / fall)
    return 0.0


# -- posture ------------------------------------------------------------------------------


def test_posture_classifies_lying_on_the_back_from_the_side() -> None:
    frame = supine(0.0)
    assert classify_position(frame) is Position.SUPINE
    assert classify_view(frame) is View.SIDE


def test_posture_classifies_standing_and_sitting_up() -> None:
    assert classify_position(standing(0.0)) is Position.STANDING
    assert classify_position(standing(0.0, fold_deg=150)) is Position.STANDING
    assert classify_position(supine(0.0, trunk_deg=80)) is Position.SITTING


def test_posture_unknown_without_a_person() -> None:
    assert classify_position(PoseFrame.empty(0.0, W, H)) is Position.UNKNOWN


# -- bridge -------------------------------------------------------------------------------


def bridge_frames(
    reps: int, lift: float = 125.0, hold: float = 1.5, noise: float = 0.0, seed: int = 0
) -> list[PoseFrame]:
    rng = np.random.default_rng(seed)
    period = 1.5 + hold + 1.5 + 1.0
    frames = []
    for t in timeline(reps * period + 1.0):
        k = int(t // period)
        up = smooth_step(t - k * period, 0.5, 1.0, hold, 1.5) if k < reps else 0.0
        frame = supine(t, hip_lift=lift * up)
        if noise:
            jitter = rng.normal(0, noise / W, frame.image.shape)
            jitter[:, 2] = 0
            frame = PoseFrame(
                t, frame.image + jitter, frame.world, frame.visibility, W, H, frame.index
            )
        frames.append(frame)
    return frames


def test_bridge_counts_reps_and_holds() -> None:
    events = play(BridgeAnalyzer(), bridge_frames(4))
    reps = kinds(events, EventKind.REP_COMPLETED)
    assert len(reps) == 4
    assert all(not rep.data["warnings"] for rep in reps)
    holds = kinds(events, EventKind.HOLD_ENDED)
    assert len(holds) == 4
    # The top is held 1.5 s; part of the 1 s rise and 1.5 s descent is high enough too.
    assert all(1.5 <= (h.duration or 0) <= 1.5 + 1.0 + 1.5 for h in holds)


def test_bridge_with_landmark_jitter_counts_the_same() -> None:
    events = play(BridgeAnalyzer(), bridge_frames(5, noise=4.0, seed=3))
    assert len(kinds(events, EventKind.REP_COMPLETED)) == 5


def test_bridge_warns_when_the_line_is_not_reached() -> None:
    # Hips rise only part way: shoulders, hips and knees stay well short of a line.
    events = play(BridgeAnalyzer(), bridge_frames(2, lift=75.0))
    reps = kinds(events, EventKind.REP_COMPLETED)
    assert len(reps) == 2
    assert all("line-not-reached" in rep.data["warnings"] for rep in reps)
    assert kinds(events, EventKind.FORM_WARNING)[0].code == "line-not-reached"


def test_bridge_warns_when_the_hips_sag_during_a_hold() -> None:
    frames = []
    for t in timeline(12.0):
        lift = 125.0 * smooth_step(t, 0.5, 1.0, 9.0, 1.5)
        if 4.0 <= t < 9.0:
            lift = min(lift, 60.0)  # sinking to about half-way and staying there
        frames.append(supine(t, hip_lift=lift))
    codes = [e.code for e in kinds(play(BridgeAnalyzer(), frames), EventKind.FORM_WARNING)]
    assert "hips-sag" in codes


def test_bridge_a_cut_mid_rep_is_not_a_rep() -> None:
    frames = []
    for t in timeline(8.0):
        if t < 2.0:
            frame = supine(t, hip_lift=125.0 * smooth_step(t, 0.5, 1.0, 9.0, 1.0))
        else:
            # Another take, framed elsewhere, of someone lying down: hips come down.
            frame = supine(t)
            frame.image[:, 0] -= 0.3
        frames.append(frame)
    events = play(BridgeAnalyzer(), frames)
    assert kinds(events, EventKind.REP_COMPLETED) == []


def test_bridge_says_which_part_it_cannot_see() -> None:
    frames = bridge_frames(1)
    hidden = []
    for frame in frames:
        vis = frame.visibility.copy()
        if 1.0 <= frame.timestamp < 3.0:
            vis[[L.LEFT_KNEE, L.RIGHT_KNEE]] = 0.1
        hidden.append(PoseFrame(frame.timestamp, frame.image, frame.world, vis, W, H))
    analyzer = BridgeAnalyzer()
    events = play(analyzer, hidden)
    cannot = kinds(events, EventKind.CANNOT_SEE)
    assert cannot and cannot[0].data["missing"] == ["knees"]
    assert kinds(events, EventKind.SEEN_AGAIN)
    assert analyzer.visibility.unseen_seconds == pytest.approx(2.0, abs=0.15)


# -- pelvic tilt --------------------------------------------------------------------------


def test_pelvic_tilt_times_the_position_and_says_the_tilt_is_not_counted() -> None:
    frames = [supine(t) for t in timeline(6.0)] + [
        supine(t, straight_leg_deg=0.0) for t in (6.0 + s for s in timeline(3.0))
    ]
    events = play(PelvicTiltAnalyzer(), frames)
    notes = kinds(events, EventKind.NOTE)
    assert len(notes) == 1 and "cannot see" in notes[0].message
    assert kinds(events, EventKind.REP_COMPLETED) == []
    holds = kinds(events, EventKind.HOLD_ENDED)
    assert len(holds) == 1
    assert holds[0].duration == pytest.approx(6.0, abs=0.2)
    assert "knees-straight" in [e.code for e in kinds(events, EventKind.FORM_WARNING)]


# -- knees-up stretch ---------------------------------------------------------------------


def knees_frames(sequence: list[tuple[str, float]], gap: float = 2.0) -> list[PoseFrame]:
    """Holds in order, e.g. [("left", 20), ("right", 20), ("both", 20)]."""
    frames = []
    t = 0.0
    for side, seconds in [("none", gap)] + [item for s in sequence for item in (s, ("none", gap))]:
        end = t + seconds
        while t < end:
            angle = 40.0
            knees = {
                "left": angle if side in ("left", "both") else 130.0,
                "right": angle if side in ("right", "both") else 130.0,
            }
            frames.append(supine(t, knee_deg=knees))
            t += 1 / FPS
    return frames


def test_knees_up_tells_left_right_and_both() -> None:
    frames = knees_frames([("left", 20.0), ("right", 20.0), ("both", 20.0)])
    events = play(KneesUpAnalyzer(), frames)
    holds = kinds(events, EventKind.HOLD_ENDED)
    assert [h.side for h in holds] == ["left", "right", "both"]
    assert all(h.duration == pytest.approx(20.0, abs=0.5) for h in holds)
    reps = kinds(events, EventKind.REP_COMPLETED)
    assert [r.side for r in reps] == ["left", "right", "both"]
    assert kinds(events, EventKind.FORM_WARNING) == []


def test_knees_up_short_hold_is_warned() -> None:
    events = play(KneesUpAnalyzer(), knees_frames([("right", 6.0)]))
    warnings = kinds(events, EventKind.FORM_WARNING)
    assert [w.code for w in warnings] == ["short-hold"]


def test_knees_up_a_quick_knee_movement_is_not_a_hold() -> None:
    events = play(KneesUpAnalyzer(), knees_frames([("left", 1.0), ("right", 1.5)]))
    assert kinds(events, EventKind.HOLD_ENDED) == []


# -- roll and stretch ---------------------------------------------------------------------


def roll_frames(sides: list[float], hold: float = 20.0) -> list[PoseFrame]:
    frames = []
    period = 1.5 + hold + 1.5 + 2.0
    for t in timeline(len(sides) * period + 1.0):
        k = min(int(t // period), len(sides) - 1)
        amount = smooth_step(t - k * period, 0.5, 1.5, hold, 1.5)
        frames.append(supine(t, roll=sides[k] * amount))
    return frames


def test_roll_and_stretch_counts_each_side() -> None:
    analyzer = RollAndStretchAnalyzer()
    events = play(analyzer, roll_frames([1.0, -1.0, 1.0, -1.0]))
    reps = kinds(events, EventKind.REP_COMPLETED)
    assert [r.side for r in reps] == ["left", "right", "left", "right"]
    assert analyzer.side_counts == {"left": 2, "right": 2}
    holds = kinds(events, EventKind.HOLD_ENDED)
    assert len(holds) == 4
    # Held 20 s at full roll, plus the part of each 1.5 s roll that is far enough over.
    assert all(20.0 <= (h.duration or 0) <= 23.0 for h in holds)
    assert [e for e in events if e.code == "short-hold"] == []  # held long enough


def test_rolling_through_is_a_roll_but_no_hold_and_is_told_to_hold() -> None:
    """Over to the side for 2.5 s: counted, timed on the rep, but not a hold (that needs a
    quarter of the 20 s asked), and the person hears to hold longer."""
    analyzer = RollAndStretchAnalyzer()
    events = play(analyzer, roll_frames([1.0, -1.0], hold=2.5))
    reps = kinds(events, EventKind.REP_COMPLETED)
    assert [r.side for r in reps] == ["left", "right"]
    assert kinds(events, EventKind.HOLD_ENDED) == []
    assert all(2.5 <= float(r.data["hold_seconds"]) < analyzer.min_hold for r in reps)
    assert all("short-hold" in r.data["warnings"] for r in reps)


def _farther(frame: PoseFrame, scale: float) -> PoseFrame:
    """The same frame seen from farther away: the person smaller around the picture's centre."""
    image = frame.image.copy()
    image[:, :2] = 0.5 + (image[:, :2] - 0.5) * scale
    return replace(frame, image=image)


def test_roll_seen_only_as_the_knees_dropping_is_counted_without_a_side() -> None:
    frames = []
    period = 1.5 + 4.0 + 1.5 + 2.0
    for t in timeline(3 * period + 1.0):
        k = int(t // period)
        amount = smooth_step(t - k * period, 0.5, 1.5, 4.0, 1.5)
        frames.append(supine(t, roll=amount, roll_in_depth=False))
    for scale in (1.0, 0.4):
        analyzer = RollAndStretchAnalyzer()
        events = play(analyzer, [_farther(f, scale) for f in frames])
        reps = kinds(events, EventKind.REP_COMPLETED)
        assert len(reps) == 3 and all(r.side is None for r in reps)
        notes = [e.code for e in kinds(events, EventKind.NOTE)]
        assert notes == ["roll-side-unseen"]  # said once: which way is not seen


def _knees_read_straight(frame: PoseFrame, feet_slide: float = 0.0) -> PoseFrame:
    """The pose model's 3-D reading of knees rolled right over: hip, knee and ankle in a line
    (the knees read straight), the feet where they were, or slid ``feet_slide`` torso
    lengths further from the hips, as a leg stretching out would put them."""
    world = frame.world.copy()
    torso = TORSO / 600
    for hip, knee, ankle in (
        (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
        (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
    ):
        away = world[ankle] - world[hip]
        world[ankle] += away / np.linalg.norm(away) * feet_slide * torso
        world[knee] = (world[hip] + world[ankle]) / 2
    return replace(frame, world=world)


@pytest.mark.parametrize(("feet_slide", "rolls"), [(0.0, 3), (0.6, 0)])
def test_knees_rolled_over_that_read_straight_count_while_the_feet_stay(
    feet_slide: float, rolls: int
) -> None:
    """Rolled over, bent knees can read straight in the pose model's 3-D estimate; the feet
    staying where they were tells a roll from legs stretching out."""
    frames = []
    period = 1.5 + 4.0 + 1.5 + 2.0
    for t in timeline(3 * period + 1.0):
        k = int(t // period)
        amount = smooth_step(t - k * period, 0.5, 1.5, 4.0, 1.5)
        frame = supine(t, roll=amount, roll_in_depth=False)
        frames.append(_knees_read_straight(frame, feet_slide) if amount > 0.5 else frame)
    reps = kinds(play(RollAndStretchAnalyzer(), frames), EventKind.REP_COMPLETED)
    assert len(reps) == rolls


def shallow_roll_frames(depth: float, rolls: int = 3, hold: float = 2.0) -> list[PoseFrame]:
    """Rolls to ``depth`` seen only as the knees dropping, ``hold`` s over, 3 s in the middle."""
    frames = []
    period = 1.5 + hold + 1.5 + 3.0
    for t in timeline(rolls * period + 1.0):
        k = int(t // period)
        amount = depth * smooth_step(t - k * period, 0.5, 1.5, hold, 1.5)
        frames.append(supine(t, roll=amount, roll_in_depth=False))
    return frames


@pytest.mark.parametrize("hold", [2.0, 20.0])
@pytest.mark.parametrize(("depth", "shallow"), [(0.1, 0), (0.35, 3), (1.0, 0)])
def test_a_roll_only_part_of_the_way_over_counts_as_not_sure(
    depth: float, shallow: int, hold: float
) -> None:
    """From the side a roll away from the camera shows only part of its depth: counted, but
    not sure, even held the full 20 s; a wobble of the knees is no roll, a full roll is sure."""
    frames = shallow_roll_frames(depth, hold=hold)
    events = play(RollAndStretchAnalyzer(), frames)
    reps = kinds(events, EventKind.REP_COMPLETED)
    unsure = [r for r in reps if float(r.data.get("confidence", 1.0)) < SURE_CONFIDENCE]
    assert len(unsure) == shallow
    assert len(reps) == (0 if depth < 0.2 else 3)
    # The time over reaches the journal, sure or not (the ramps to and from the side are 1.5 s).
    assert all(hold <= float(r.data["hold_seconds"]) <= hold + 3.0 for r in reps)
    notes = {e.code for e in kinds(events, EventKind.NOTE)}
    assert ("roll-shallow" in notes) == bool(shallow)


def test_a_bridge_is_not_a_knee_roll() -> None:
    events = play(RollAndStretchAnalyzer(), bridge_frames(4, hold=5.0))
    assert kinds(events, EventKind.REP_COMPLETED) == []
    assert kinds(events, EventKind.HOLD_STARTED) == []


def test_roll_and_stretch_lying_still_is_nothing() -> None:
    events = play(RollAndStretchAnalyzer(), [supine(t) for t in timeline(20.0)])
    assert kinds(events, EventKind.REP_COMPLETED) == []
    assert kinds(events, EventKind.HOLD_ENDED) == []


def test_roll_and_stretch_warns_when_shoulders_lift() -> None:
    frames = []
    for t in timeline(12.0):
        amount = smooth_step(t, 0.5, 1.5, 8.0, 1.5)
        frames.append(supine(t, roll=amount, trunk_deg=25.0 if 4 <= t < 8 else 0.0))
    codes = [e.code for e in kinds(play(RollAndStretchAnalyzer(), frames), EventKind.FORM_WARNING)]
    assert "shoulders-up" in codes


# -- avoided movements --------------------------------------------------------------------


def avoided_codes(frames: list[PoseFrame]) -> list[str]:
    return [
        e.code or ""
        for e in kinds(play(AvoidedMovementDetector(), frames), EventKind.AVOIDED_MOVEMENT)
    ]


def test_sit_ups_are_flagged_with_the_reason() -> None:
    frames = []
    for t in timeline(12.0):
        k = int(t // 3.0)
        frames.append(supine(t, trunk_deg=70.0 * smooth_step(t - 3.0 * k, 0.3, 1.0, 0.5, 1.0)))
    events = kinds(play(AvoidedMovementDetector(), frames), EventKind.AVOIDED_MOVEMENT)
    assert [e.code for e in events] == ["bent-leg-sit-up"]
    assert "sit-up" in events[0].message.lower()
    assert len(events[0].message) > 30  # names the movement and gives a reason


def test_straight_leg_lifts_are_flagged() -> None:
    frames = []
    for t in timeline(12.0):
        k = int(t // 3.0)
        frames.append(
            supine(t, straight_leg_deg=80.0 * smooth_step(t - 3.0 * k, 0.3, 1.0, 0.5, 1.0))
        )
    assert avoided_codes(frames) == ["leg-lift"]


def test_standing_toe_touch_is_flagged() -> None:
    frames = [
        standing(t, fold_deg=150.0 * smooth_step(t, 1.0, 1.5, 4.0, 1.5)) for t in timeline(10.0)
    ]
    assert avoided_codes(frames) == ["standing-toe-touch"]


@pytest.mark.parametrize(
    "frames",
    [
        pytest.param(bridge_frames(4), id="bridge"),
        pytest.param(knees_frames([("left", 5.0), ("both", 5.0)]), id="knees-up"),
        pytest.param(roll_frames([1.0, -1.0], hold=5.0), id="roll-and-stretch"),
        pytest.param([supine(t) for t in timeline(10.0)], id="pelvic-tilt"),
        pytest.param([standing(t) for t in timeline(5.0)], id="standing"),
    ],
)
def test_the_programs_own_exercises_are_never_flagged(frames: list[PoseFrame]) -> None:
    assert avoided_codes(frames) == []


def test_knees_up_far_leg_hidden_behind_the_near_one_keeps_its_state() -> None:
    # Right knee held at the chest; then (as in a close-up) the far left leg is hidden and the
    # model puts its knee where the right one is, with low visibility: still "right", not both.
    frames = []
    for t in timeline(12.0):
        frame = supine(t, knee_deg={"left": 130.0, "right": 40.0 if t >= 1.0 else 130.0})
        if t >= 5.0:
            image, vis = frame.image.copy(), frame.visibility.copy()
            image[L.LEFT_KNEE] = image[L.RIGHT_KNEE]
            image[L.LEFT_ANKLE] = image[L.RIGHT_ANKLE]
            vis[[L.LEFT_KNEE, L.LEFT_ANKLE]] = 0.6  # seen, but less than the near leg
            frame = PoseFrame(t, image, frame.world, vis, W, H, frame.index)
        frames.append(frame)
    holds = kinds(play(KneesUpAnalyzer(), frames), EventKind.HOLD_ENDED)
    assert [h.side for h in holds] == ["right"]
    assert holds[0].duration == pytest.approx(11.0, abs=0.5)


def test_knees_up_a_raised_knee_hidden_behind_the_other_is_not_timed_as_held() -> None:
    # The left knee comes up for a moment, then, as the far leg from this camera, hides behind
    # the right one: the model puts it where the right knee is, lying down, and sees it
    # poorly. Whether it is still held cannot be told, so nothing is timed or counted.
    frames = []
    for t in timeline(12.0):
        raised = 2.0 <= t < 3.0
        frame = supine(t, knee_deg={"left": 40.0 if raised else 130.0, "right": 130.0})
        if 3.0 <= t < 10.0:
            image, vis = frame.image.copy(), frame.visibility.copy()
            image[L.LEFT_KNEE] = image[L.RIGHT_KNEE]
            image[L.LEFT_ANKLE] = image[L.RIGHT_ANKLE]
            vis[[L.LEFT_KNEE, L.LEFT_ANKLE]] = 0.3
            frame = PoseFrame(t, image, frame.world, vis, W, H, frame.index)
        frames.append(frame)
    events = play(KneesUpAnalyzer(), frames)
    assert kinds(events, EventKind.HOLD_ENDED) == []
    assert kinds(events, EventKind.REP_COMPLETED) == []


def test_roll_and_stretch_a_scene_opening_rolled_is_a_hold_not_a_roll() -> None:
    # The video starts with the knees already over (the roll itself was not seen).
    frames = [supine(t, roll=1.0 if t < 8.0 else 0.0) for t in timeline(10.0)]
    events = play(RollAndStretchAnalyzer(), frames)
    assert kinds(events, EventKind.REP_COMPLETED) == []
    assert len(kinds(events, EventKind.HOLD_ENDED)) == 1


def test_recognise_a_roll_seen_only_as_the_knees_dropping() -> None:
    frames = []
    period = 1.5 + 4.0 + 1.5 + 2.0
    for t in timeline(3 * period + 1.0):
        k = int(t // period)
        amount = smooth_step(t - k * period, 0.5, 1.5, 4.0, 1.5)
        frames.append(supine(t, roll=amount, roll_in_depth=False))
    assert recognize(frames).movement_id == "roll-and-stretch"
    # Lying still in the same position is not a roll.
    assert recognize([supine(t) for t in timeline(30.0)]).movement_id == "pelvic-tilt"


def test_knees_up_a_hidden_knee_wobbling_near_the_other_is_not_a_second_stretch() -> None:
    # The right knee is pulled in and held; the left leg, lying behind it from this camera,
    # is placed by the model next to the right knee, its guess wobbling from just overlapping
    # to a little apart. It stays hidden: one stretch, on the right.
    frames = []
    for i, frame in enumerate(knees_frames([("right", 12.0)])):
        if 3.0 <= frame.timestamp <= 13.5:
            gap = (0.1 if (i // 3) % 2 else 0.27) * TORSO
            image = frame.image.copy()
            image[L.LEFT_KNEE, :2] = image[L.RIGHT_KNEE, :2] + (gap / W, 0.0)
            visibility = frame.visibility.copy()
            visibility[L.LEFT_KNEE] = 0.6
            frame = replace(frame, image=image, visibility=visibility)
        frames.append(frame)
    holds = kinds(play(KneesUpAnalyzer(), frames), EventKind.HOLD_ENDED)
    assert [h.side for h in holds] == ["right"]


def _turned(frame: PoseFrame, degrees: float) -> PoseFrame:
    """The frame as a camera turned ``degrees`` about its axis would see it."""
    a = math.radians(degrees)
    turn = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    pixels = (frame.image[:, :2] - 0.5) * (W, H)
    image = frame.image.copy()
    image[:, :2] = (pixels @ turn.T) / (W, H) + 0.5
    world = frame.world.copy()
    world[:, :2] = frame.world[:, :2] @ turn.T
    return replace(frame, image=image, world=world)


@pytest.mark.parametrize("degrees", [-15.0, 15.0])
def test_recognition_of_lying_exercises_does_not_change_with_a_turned_camera(
    degrees: float,
) -> None:
    clips = {
        "pelvic-tilt": [supine(t) for t in timeline(30.0)],
        "bridge": bridge_frames(4, lift=110.0, hold=3.0),
    }
    for movement, frames in clips.items():
        assert recognize(frames).movement_id == movement
        assert recognize([_turned(f, degrees) for f in frames]).movement_id == movement


@pytest.mark.parametrize("degrees", [-15.0, 0.0, 15.0])
def test_sit_ups_are_warned_and_bridges_are_not_with_a_turned_camera(degrees: float) -> None:
    sit_ups = []
    for t in timeline(12.0):
        k = int(t // 3.0)
        sit_ups.append(supine(t, trunk_deg=70.0 * smooth_step(t - 3.0 * k, 0.3, 1.0, 0.5, 1.0)))
    assert avoided_codes([_turned(f, degrees) for f in sit_ups]) == ["bent-leg-sit-up"]
    bridges = bridge_frames(4, lift=110.0, hold=3.0)
    assert avoided_codes([_turned(f, degrees) for f in bridges]) == []
