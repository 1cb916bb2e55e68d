"""Metamorphic invariance on real footage, with the real pose model: a clip mirrored, rotated,
at another frame rate or size, reframed or started later must get the original's answer.

The transformed copies are made with ffmpeg into a temporary folder, H.264-encoded, and each
is posed once per test session exactly as ``footage_poses`` (tests/conftest.py) poses the
originals. The transforms, the clip matrix and the comparisons live in
``bench/invariance.py``, which runs the whole matrix as a benchmark.

The default run takes one clip per exercise family and per avoided movement with a few
transforms each, every kind of transform at least once; ``pytest -m invariance_full`` runs
every transform on every clip of the matrix. A case that breaks today is marked xfail with
what goes wrong, strict, so that it shows when fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

import pytest

from backcoach.analysis.footage import AVOIDED_OF_FOLDER, EXERCISE_OF_FOLDER
from backcoach.pose.frame import PoseFrame
from conftest import BackgroundPosing, footage_manifest
from invariance import (
    FOOTAGE,
    PORTRAIT_CROP,
    TRANSFORM_BY_NAME,
    TRANSFORMS,
    Answer,
    Clip,
    Transform,
    answer_of,
    count_difference,
    filter_for,
    hold_difference,
    load_clips,
    pose_variant,
    properties_of,
    recognition_difference,
    warning_difference,
)

# The first test posing the transformed copies waits for them (and for footage_poses).
QUICK_TIMEOUT = 3600
FULL_TIMEOUT = 4 * 3600

pytestmark = [
    pytest.mark.footage,
    pytest.mark.timeout(QUICK_TIMEOUT),
    pytest.mark.skipif(not (FOOTAGE / "manifest.csv").exists(), reason=f"no footage at {FOOTAGE}"),
]

# The default run's transforms per clip (by movement folder): short, small clips, and every
# kind of transform at least once.
QUICK: dict[str, tuple[str, ...]] = {
    "press_up": ("rotate-15",),
    "bridge": ("mirror", "fps10", "height240"),
    "bird_dog": ("portrait-crop", "rotate+15", "fps60"),
    "cat_cow": ("rotate-15", "portrait-crop"),
    "sit_up": ("landscape-pad", "fps24"),
    "leg_raise": ("rotate+15", "fps30"),
    "toe_touch": ("height1080", "start1s"),
}

# (property, movement folder, transform) -> what goes wrong today, from bench/invariance.py
# on the matrix: the original's answer, then the transformed copy's. Each is a strict xfail,
# so a fix shows up as an unexpected pass. None since 2026-12-03 (every run agrees).
KNOWN_BREAKS: dict[tuple[str, str, str], str] = {}


@dataclass(frozen=True)
class Case:
    clip: Clip
    transform: Transform

    @property
    def key(self) -> tuple[str, str]:
        return self.clip.file, self.transform.name

    @property
    def name(self) -> str:
        return f"{self.clip.movement}-{self.transform.name}"


CLIPS = load_clips()


def cases(prop: str) -> list[object]:
    """Parameters for one property's test: the default run's cases, then the full matrix."""
    clips = [clip for clip in CLIPS if prop in properties_of(clip)]
    quick = [Case(c, TRANSFORM_BY_NAME[name]) for c in clips for name in QUICK.get(c.movement, ())]
    full = [Case(c, t) for c in clips for t in TRANSFORMS if t.applies_to(c)]
    return [_param(prop, case, quick=True) for case in quick] + [
        _param(prop, case, quick=False) for case in full
    ]


def _param(prop: str, case: Case, quick: bool) -> object:
    marks = [] if quick else [pytest.mark.invariance_full, pytest.mark.timeout(FULL_TIMEOUT)]
    reason = KNOWN_BREAKS.get((prop, case.clip.movement, case.transform.name))
    if reason is not None:
        marks.append(pytest.mark.xfail(strict=True, reason=reason))
    prefix = "" if quick else "full-"
    return pytest.param(case, marks=marks, id=prefix + case.name)


_VARIANTS: dict[tuple[str, str], Future[list[PoseFrame]]] = {}


def _selected_cases(items: list[pytest.Item]) -> list[Case]:
    found: dict[tuple[str, str], Case] = {}
    for item in items:
        callspec = getattr(item, "callspec", None)
        case = callspec.params.get("case") if callspec is not None else None
        if isinstance(case, Case):
            found[case.key] = case
    return list(found.values())


def schedule_background_posing(posing: BackgroundPosing, items: list[pytest.Item]) -> None:
    """Queues the selected tests' transformed copies behind the originals (conftest calls
    this once the tests are collected; the ``variant_poses`` fixture, for any it missed)."""
    seconds = {row["file"]: float(row["duration_s"]) for row in footage_manifest()}
    cases = [case for case in _selected_cases(items) if case.key not in _VARIANTS]
    # Longest first, so that both processes end together.
    for case in sorted(cases, key=lambda c: -min(seconds[c.clip.file], c.clip.end or 1e9)):
        clip, transform = case.clip, case.transform
        if transform.name == PORTRAIT_CROP:  # framed around where the original finds the person

            def make_job(
                original: list[PoseFrame], clip: Clip = clip, transform: Transform = transform
            ) -> tuple[Callable[..., list[PoseFrame]], tuple[object, ...]]:
                video_filter = filter_for(clip, transform, original)
                return pose_variant, (clip, transform, video_filter, posing.folder)

            _VARIANTS[case.key] = posing.submit_after(clip.file, make_job)
        else:
            _VARIANTS[case.key] = posing.submit(
                pose_variant, clip, transform, transform.video_filter, posing.folder
            )


@pytest.fixture(scope="session")
def variant_poses(
    request: pytest.FixtureRequest, background_posing: BackgroundPosing
) -> dict[tuple[str, str], list[PoseFrame]]:
    """Every transformed copy this session's selected tests compare, posed once."""
    schedule_background_posing(background_posing, request.session.items)
    return {key: future.result() for key, future in _VARIANTS.items()}


class Answers:
    """The analysis's answer for each original and transformed clip, computed once."""

    def __init__(
        self,
        originals: dict[str, list[PoseFrame]],
        variants: dict[tuple[str, str], list[PoseFrame]],
    ) -> None:
        self._originals = originals
        self._variants = variants
        self._cache: dict[tuple[str, str | None], Answer] = {}

    def pair(self, case: Case) -> tuple[Answer, Answer]:
        return self._get(case.clip, None), self._get(case.clip, case.transform.name)

    def _get(self, clip: Clip, transform: str | None) -> Answer:
        key = (clip.file, transform)
        if key not in self._cache:
            frames = (
                self._originals[clip.file]
                if transform is None
                else self._variants[(clip.file, transform)]
            )
            self._cache[key] = answer_of(frames, clip.exercise)
        return self._cache[key]


@pytest.fixture(scope="session")
def answers(
    footage_poses: dict[str, list[PoseFrame]],
    variant_poses: dict[tuple[str, str], list[PoseFrame]],
) -> Answers:
    return Answers(footage_poses, variant_poses)


@pytest.mark.parametrize("case", cases("count"))
def test_rep_count_unchanged(answers: Answers, case: Case) -> None:
    original, changed = answers.pair(case)
    assert count_difference(original, changed, case.transform.start) is None


@pytest.mark.parametrize("case", cases("warnings"))
def test_avoided_movement_warnings_unchanged(answers: Answers, case: Case) -> None:
    original, changed = answers.pair(case)
    assert warning_difference(original, changed) is None


@pytest.mark.parametrize("case", cases("recognition"))
def test_recognised_movement_unchanged(answers: Answers, case: Case) -> None:
    original, changed = answers.pair(case)
    assert recognition_difference(original, changed) is None


@pytest.mark.parametrize("case", cases("holds"))
def test_holds_unchanged_within_a_third_of_a_second(answers: Answers, case: Case) -> None:
    original, changed = answers.pair(case)
    assert hold_difference(original, changed, case.transform.start) is None


def test_matrix_covers_every_exercise_avoided_movement_and_transform() -> None:
    folders = {clip.movement for clip in CLIPS}
    assert folders >= set(EXERCISE_OF_FOLDER) | set(AVOIDED_OF_FOLDER)
    quick_transforms = {name for names in QUICK.values() for name in names}
    assert quick_transforms == set(TRANSFORM_BY_NAME)
    quick_folders = set(QUICK)
    assert quick_folders >= set(AVOIDED_OF_FOLDER)
    assert all(
        TRANSFORM_BY_NAME[name].applies_to(clip)
        for clip in CLIPS
        for name in QUICK.get(clip.movement, ())
    )


def test_the_comparisons_catch_a_change() -> None:
    original = Answer((0.5, 2.0, 5.0), ((0.2, 4.0),), frozenset(), "bridge")
    changed = Answer((2.0,), ((0.0, 3.6),), frozenset({"sit-up"}), "bird-dog")
    assert count_difference(original, changed, 0.0) == "count 3 -> 1"
    assert warning_difference(original, changed) is not None
    assert recognition_difference(original, changed) is not None
    assert hold_difference(original, changed, 0.0) is not None
    # Started 1 s in: the rep begun at 0.5 s may be lost, and the hold begun at 0.2 s may
    # lose the 0.8 s cut off, but the rep at 5 s may not.
    assert count_difference(original, changed, 1.0) is not None
    cut = Answer((2.0, 5.0), ((0.0, 3.3),), frozenset(), "bridge")
    assert count_difference(original, cut, 1.0) is None
    assert hold_difference(original, cut, 1.0) is None
