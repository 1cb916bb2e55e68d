"""Which movement a recording shows: one of the program's seven exercises, one of the movements
it avoids, or none of them (``--exercise auto``).

Two steps. First the body position over time (posture.py) picks the family: lying face down,
on hands and knees, lying on the back, or standing. Then the movement inside that family is
told from what the body does, measured on MediaPipe's world landmarks: the exercise analyzers
themselves run over the frames (a press-up must rise from lying face down, a bird dog must
raise a limb), and the avoided-movement detector flags sit-ups, leg lifts and toe touches.
Each candidate gets a score in 0..1; the best one wins and its score is the confidence.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from backcoach.analysis import posture
from backcoach.analysis.avoided import AvoidedMovementDetector
from backcoach.analysis.events import EventKind
from backcoach.analysis.exercises.base import BaseAnalyzer
from backcoach.analysis.exercises.bird_dog import BirdDogAnalyzer, LimbAngles
from backcoach.analysis.exercises.cat_cow import CatCowAnalyzer
from backcoach.analysis.exercises.press_up import PressUpAnalyzer
from backcoach.analysis.exercises.roll_and_stretch import RollAndStretchAnalyzer
from backcoach.analysis.posture import Position, body_points, classify_position
from backcoach.analysis.supine import knee_angles, thigh_to_trunk_angles
from backcoach.pose.frame import PoseFrame
from backcoach.pose.geometry import elevation
from backcoach.pose.landmarks import Landmark as L

EXERCISES = (
    "press-up",
    "pelvic-tilt",
    "bridge",
    "roll-and-stretch",
    "knees-up-stretch",
    "bird-dog",
    "cat-cow",
)
AVOIDED = ("straight-leg-sit-up", "bent-leg-sit-up", "leg-lift", "standing-toe-touch")
NONE = "none"
SIT_UP_FAMILY = frozenset({"straight-leg-sit-up", "bent-leg-sit-up"})

# Thresholds on the lying-on-the-back measures (degrees, or thigh lengths for the roll).
BRIDGE_LINE = 145.0  # ... with shoulders, hips and knees nearly in line (twists lift too)
KNEE_TO_CHEST = 55.0  # thigh within this angle of the trunk: a knee pulled to the chest
KNEES_ROLLED = 0.45  # knees this far to one side of the hips (thigh lengths); flat ~0.3
STRAIGHT_LEG = 150.0  # knee angle above this: a straight leg
LEG_LIFTED = 40.0  # a straight leg this far above the floor: a leg lift
FORWARD_FOLD = -20.0  # standing, the trunk this far below level: folded down to the toes
HANDS_NEAR_FEET = 1.0  # torso lengths between hands and feet, measured along the floor
TRUNK_CURL = 12.0  # shoulders this far above the hips line, lying on the back: a sit-up/crunch
ROLL_WEIGHT = 4.0  # how strongly a share of rolled-knee frames speaks for the roll-and-stretch
PRESENCE_FULL_SHARE = 0.5  # share of a recording in one position that counts as all of it
ARM_ACTIVITY = 25.0  # forearms swinging through this range (deg): arm work, e.g. dead bug
LEGS_UP_SHARE = 0.15  # share of the hands-and-knees frames with a leg raised: a bird dog
STILL_CAT_COW = 0.35  # cat-cow's score on hands and knees with no limb raised, no full cycle


@dataclass(frozen=True)
class Recognition:
    """The recognised movement id (an exercise, an avoided movement or "none")."""

    movement_id: str
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)
    position: str = Position.UNKNOWN.value

    @property
    def exercise_id(self) -> str:
        return self.movement_id

    @property
    def is_exercise(self) -> bool:
        return self.movement_id in EXERCISES


def same_movement(found: str, truth: str) -> bool:
    """Scoring rule: the two kinds of sit-up count as one family."""
    if found in SIT_UP_FAMILY and truth in SIT_UP_FAMILY:
        return True
    return found == truth


@dataclass(frozen=True)
class SupineMeasures:
    """What a body lying on its back is doing, from one frame's world landmarks: one number per
    measure, for telling the movements apart (``supine.SupineBody`` keeps each side's angles)."""

    hip_lift: float  # shoulders-to-hips line above the floor (deg): bridge
    thigh_to_trunk: float  # smaller of the two shoulder-hip-knee angles: knee to chest
    knees_aside: float  # knees' sideways offset from the hips, in thigh lengths: roll
    lifted_straight_leg: float  # highest straight leg's angle above the floor: leg lift
    forearm_up: float  # higher forearm's angle above the floor: dead bug with elbows down
    knee_angle: float  # the straighter knee's angle (180 = straight)

    @classmethod
    def of(cls, frame: PoseFrame) -> SupineMeasures:
        w = frame.world
        shoulders = (w[L.LEFT_SHOULDER] + w[L.RIGHT_SHOULDER]) / 2
        hips = (w[L.LEFT_HIP] + w[L.RIGHT_HIP]) / 2
        knees = (w[L.LEFT_KNEE] + w[L.RIGHT_KNEE]) / 2
        hip_axis = w[L.LEFT_HIP] - w[L.RIGHT_HIP]
        axis_len = float(np.linalg.norm(hip_axis))
        thigh = float(np.linalg.norm(knees - hips))
        aside = math.nan
        if axis_len > 1e-6 and thigh > 1e-6:
            aside = abs(float(np.dot(knees - hips, hip_axis / axis_len))) / thigh
        knees = knee_angles(w)
        legs = [
            elevation(w[hip], w[ankle]) if angle >= STRAIGHT_LEG else -90.0
            for angle, hip, ankle in zip(
                knees, (L.LEFT_HIP, L.RIGHT_HIP), (L.LEFT_ANKLE, L.RIGHT_ANKLE), strict=True
            )
        ]
        return cls(
            hip_lift=elevation(shoulders, hips),
            thigh_to_trunk=min(thigh_to_trunk_angles(w)),
            knees_aside=aside,
            knee_angle=max(knees),
            lifted_straight_leg=max(legs),
            forearm_up=max(
                elevation(w[L.LEFT_ELBOW], w[L.LEFT_WRIST]),
                elevation(w[L.RIGHT_ELBOW], w[L.RIGHT_WRIST]),
            ),
        )


A = TypeVar("A", bound=BaseAnalyzer)


def _share(values: list[float], test: float, above: bool = True) -> float:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0.0
    hits = sum(1 for v in finite if (v >= test if above else v <= test))
    return hits / len(finite)


def _run(analyzer: BaseAnalyzer, frames: Sequence[PoseFrame]) -> list[EventKind]:
    kinds: list[EventKind] = []
    for frame in frames:
        kinds += [e.kind for e in analyzer.update(frame)]
    if frames:
        kinds += [e.kind for e in analyzer.finish(frames[-1].timestamp)]
    return kinds


def _clip(value: float) -> float:
    return max(0.0, min(1.0, value))


def _presence(share: float) -> float:
    """How much a position's share of the recording weighs: held for ``PRESENCE_FULL_SHARE``
    of it weighs fully, since a recording also shows getting into position, resting, talking."""
    return _clip(share / PRESENCE_FULL_SHARE)


class _Evidence:
    """Scores for every candidate, gathered family by family."""

    def __init__(self, frames: Sequence[PoseFrame]) -> None:
        self.frames = [f for f in frames if f.detected]
        self.positions = [classify_position(f) for f in self.frames]
        counts: Counter[Position] = Counter(p for p in self.positions if p is not Position.UNKNOWN)
        known = sum(counts.values())
        self.share = {p: (counts[p] / known if known else 0.0) for p in Position}
        self.scores: dict[str, float] = dict.fromkeys((*EXERCISES, *AVOIDED, NONE), 0.0)

    def frames_in(self, *positions: Position) -> list[PoseFrame]:
        return [f for f, p in zip(self.frames, self.positions, strict=True) if p in positions]

    def avoided(self) -> None:
        detector = AvoidedMovementDetector()
        codes: Counter[str] = Counter()
        for frame in self.frames:
            codes.update(e.code for e in detector.update(frame) if e.code)
        if self.frames:
            codes.update(e.code for e in detector.finish(self.frames[-1].timestamp) if e.code)
        for code, n in codes.items():
            if code in self.scores:
                self.scores[code] = max(self.scores[code], _clip(0.6 + 0.15 * n))

    def face_down(self) -> None:
        weight = self.share[Position.PRONE]
        if weight < 0.2:
            return
        press = PressUpAnalyzer()
        kinds = _run(press, self.frames)
        if EventKind.REP_COMPLETED in kinds or EventKind.HOLD_STARTED in kinds:
            self.scores["press-up"] = _clip(0.5 + weight)
        else:
            self.scores[NONE] = max(self.scores[NONE], _clip(0.3 + weight / 2))

    def hands_and_knees(self) -> None:
        if self.share[Position.QUADRUPED] < 0.2:
            return
        weight = _presence(self.share[Position.QUADRUPED])
        cat_cow = CatCowAnalyzer()
        _run(cat_cow, self.frames)
        bird_dog = BirdDogAnalyzer(stage="arm-only")
        _run(bird_dog, self.frames)
        quadruped = self.frames_in(Position.QUADRUPED)
        limbs = [LimbAngles.of(f) for f in quadruped]
        legs_up = _share(
            [1.0 if (x.leg_raised("left") or x.leg_raised("right")) else 0.0 for x in limbs], 1.0
        )
        both_phases = min(cat_cow.counts["cat"], cat_cow.counts["cow"]) >= 1
        raises = bird_dog.rep_count > 0 or legs_up >= LEGS_UP_SHARE
        # Cat-cow moves the spine, bird dog reaches with the limbs: on hands and knees with
        # no limb ever raised, what there is of movement is the spine's.
        cat_cow_score = 0.9 if both_phases else 0.2 if raises else STILL_CAT_COW
        self.scores["cat-cow"] = _clip(weight * cat_cow_score)
        self.scores["bird-dog"] = _clip(weight * (0.95 if raises else 0.15))

    def on_the_back(self) -> None:
        lying = self.frames_in(Position.SUPINE)
        weight = self.share[Position.SUPINE] + 0.5 * self.share[Position.SITTING]
        if weight < 0.2 or not lying:
            return
        m = [SupineMeasures.of(f) for f in lying]
        # Hips up in a bridge: off the line from the shoulders to the ankles in the picture
        # (``posture.HIPS_DOWN``), with shoulders, hips and knees nearly in line; both read the
        # same with the camera turned or set higher.
        raised = [_hips_above_line(f) for f in lying]
        bridge = _share(
            [
                r if x.thigh_to_trunk >= BRIDGE_LINE else -1.0
                for x, r in zip(m, raised, strict=True)
            ],
            posture.HIPS_DOWN,
        )
        knee_chest = _share([x.thigh_to_trunk for x in m], KNEE_TO_CHEST, above=False)
        rolled = max(
            _share([x.knees_aside for x in m], KNEES_ROLLED),
            self._share_judged(RollAndStretchAnalyzer(), lambda a: a.rolled.active),
        )
        legs_up = _share([x.lifted_straight_leg for x in m], LEG_LIFTED)
        # A curl is the trunk rising above where it usually lies in this recording.
        rises = np.array([x.hip_lift for x in m])
        rises = rises[np.isfinite(rises)]
        lying_level = float(np.percentile(rises, 75)) if rises.size else 0.0
        curled = _share([lying_level - x.hip_lift for x in m], TRUNK_CURL)
        forearms = np.array([x.forearm_up for x in m])
        forearms = forearms[np.isfinite(forearms)]
        arm_range = (
            float(np.percentile(forearms, 90) - np.percentile(forearms, 10))
            if forearms.size
            else 0.0
        )
        arms_up = _clip(arm_range / ARM_ACTIVITY - 1.0)
        self.supine = {
            "bridge": bridge,
            "knee_chest": knee_chest,
            "rolled": rolled,
            "legs_up": legs_up,
            "arms_up": arms_up,
            "curled": curled,
        }
        self.scores["bridge"] = _clip(weight * 3.0 * bridge)
        self.scores["knees-up-stretch"] = _clip(weight * 3.0 * knee_chest)
        self.scores["roll-and-stretch"] = _clip(weight * ROLL_WEIGHT * rolled)
        # Arm work marks none of the program's movements only while the legs show none of
        # them either (a dead bug's arms move, a twist's hand pulls the knee across).
        legs_busy = _clip(2.0 * max(bridge, knee_chest, rolled, legs_up))
        self.scores[NONE] = max(self.scores[NONE], _clip(weight * 0.7 * arms_up * (1 - legs_busy)))
        # Lying on the back with none of the above: a pelvic tilt is too small to see, so
        # it is what is left when nothing else moves.
        busy = max(bridge, knee_chest, rolled, legs_up, arms_up, curled)
        self.scores["pelvic-tilt"] = _clip(weight * (0.55 - 2.0 * busy))

    def _share_judged(self, analyzer: A, judged: Callable[[A], bool]) -> float:
        """Share of the lying frames in which an exercise's own analysis judges its movement
        under way (the bridge's hips up, the roll's knees over), so that the recogniser and
        the count agree and both use the analysis's camera-independent measures."""
        hits = lying = 0
        for frame, position in zip(self.frames, self.positions, strict=True):
            analyzer.update(frame)
            if position is Position.SUPINE:
                lying += 1
                hits += judged(analyzer)
        return hits / lying if lying else 0.0

    def standing(self) -> None:
        weight = self.share[Position.STANDING]
        standing = self.frames_in(Position.STANDING)
        if weight < 0.2 or not standing:
            return
        folded = _share([_fold(f) for f in standing], -FORWARD_FOLD)
        toe_touch = _clip(weight * 2.5 * folded)
        self.scores["standing-toe-touch"] = max(self.scores["standing-toe-touch"], toe_touch)
        self.scores[NONE] = max(self.scores[NONE], _clip(0.6 * weight - toe_touch))


def _hips_above_line(frame: PoseFrame) -> float:
    b = body_points(frame)
    return b.hips_above_line() if b is not None else math.nan


def _fold(frame: PoseFrame) -> float:
    """How far (deg) the trunk is folded below level with the hands near the feet, else -90.

    The hands-near-feet test keeps a downward dog (hands far ahead of the feet) out."""
    w = frame.world
    hips = (w[L.LEFT_HIP] + w[L.RIGHT_HIP]) / 2
    shoulders = (w[L.LEFT_SHOULDER] + w[L.RIGHT_SHOULDER]) / 2
    reach = (w[L.LEFT_WRIST] + w[L.RIGHT_WRIST]) / 2 - (w[L.LEFT_ANKLE] + w[L.RIGHT_ANKLE]) / 2
    torso = float(np.linalg.norm(shoulders - hips))
    apart = math.hypot(float(reach[0]), float(reach[2]))
    if not (torso > 1e-6 and apart < HANDS_NEAR_FEET * torso):
        return -90.0
    return -elevation(hips, shoulders)


def recognize(frames: Sequence[PoseFrame]) -> Recognition:
    """Tell which movement ``frames`` (one recording, in time order) show."""
    evidence = _Evidence(frames)
    if not evidence.frames:
        return Recognition(NONE, 0.0, dict.fromkeys((NONE,), 0.0))
    evidence.avoided()
    evidence.face_down()
    evidence.hands_and_knees()
    evidence.on_the_back()
    evidence.standing()
    scores = {k: round(v, 3) for k, v in evidence.scores.items()}
    best = max(scores, key=lambda k: scores[k])
    if scores[best] <= 0.0:
        best = NONE
    position = max(evidence.share, key=lambda p: evidence.share[p])
    return Recognition(best, scores[best], scores, position.value)
