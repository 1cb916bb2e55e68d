"""The supine analyzers and the avoided-movement detector on real footage, real pose model.

Landmarks are computed once per test session for every clip of the manifest (the model at
15 frames a second on frames at most 640 px wide, two processes; clips of avoided movements
only up to 25 s), then every test analyses them. Counts and hold times marked "frames" were
established by looking at the clips frame by frame (contact sheets every 0.1-0.5 s); the
others are the manifest's, where it is sure.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backcoach.analysis.footage import EXERCISE_OF_FOLDER
from backcoach.analysis.report import AnalysisReport
from backcoach.analysis.runner import analyze_frames
from backcoach.pose.frame import PoseFrame
from conftest import footage_manifest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FOOTAGE = SHARED / "footage"
MANIFEST = FOOTAGE / "manifest.csv"

pytestmark = [
    pytest.mark.footage,
    pytest.mark.skipif(not MANIFEST.exists(), reason=f"no footage at {FOOTAGE}"),
]

AVOIDED_OF = {
    "sit_up": {"bent-leg-sit-up", "straight-leg-sit-up"},
    "leg_raise": {"leg-lift"},
    "toe_touch": {"standing-toe-touch"},
}


def clips_of(*movements: str) -> list[str]:
    return [row["file"] for row in footage_manifest() if row["movement"] in movements]


@pytest.fixture(scope="session")
def poses(footage_poses: dict[str, list[PoseFrame]]) -> dict[str, list[PoseFrame]]:
    return footage_poses


def analysed(poses: dict[str, list[PoseFrame]], clip: str, exercise: str) -> AnalysisReport:
    return analyze_frames(poses[clip], exercise, source=clip)


BRIDGE = "bridge/"
BRIDGE_COUNTS = [
    ("BE-PROJECTS2018__GroupNo23-Health-and-Fitness-Assistant__bridge.mp4", 5),  # manifest
    ("lenagalanova8-debug__my-guides__glute-bridge.mp4", 3),  # manifest (the 3rd ends lowering)
    ("malikmrllh__exercises__buttbridge.mp4", 7),  # frames: 2 + 2 + 3 over three cut segments
    ("Hanshitha22__personalised-fitness-companion__bridge-pose.mp4", 1),  # manifest
    ("ForIRIS__fitness_gem__glute_bridge.mp4", 1),  # frames: one lift from the floor
]


@pytest.mark.parametrize(("clip", "reps"), BRIDGE_COUNTS, ids=[c[0][:24] for c in BRIDGE_COUNTS])
def test_bridge_counts(poses: dict[str, list[PoseFrame]], clip: str, reps: int) -> None:
    report = analysed(poses, BRIDGE + clip, "bridge")
    assert len(report.reps) == reps


def test_bridge_hold_is_timed(poses: dict[str, list[PoseFrame]]) -> None:
    # Frames every 0.1 s: the hips reach the top at 2.0 s and stay up to the end (7.38 s).
    report = analysed(
        poses, BRIDGE + "Hanshitha22__personalised-fitness-companion__bridge-pose.mp4", "bridge"
    )
    assert len(report.holds) == 1
    assert report.holds[0].seconds == pytest.approx(7.38 - 2.0, abs=0.5)


def test_pelvic_tilt_times_the_position_and_counts_nothing(
    poses: dict[str, list[PoseFrame]],
) -> None:
    # In the starting position for the whole clip (0-9.27 s); the tilts cannot be counted.
    report = analysed(
        poses, "pelvic_tilt/lenagalanova8-debug__my-guides__pelvic-tilt.mp4", "pelvic-tilt"
    )
    assert report.reps == []
    assert [round(h.seconds) for h in report.holds] == [9]
    assert report.holds[0].seconds == pytest.approx(9.27, abs=0.5)
    assert any("cannot see" in note for note in report.notes)


def test_knees_up_holds_sides_and_times(poses: dict[str, list[PoseFrame]]) -> None:
    # Frames every 0.1-0.25 s: near (right) knee 10.0-20.1 s (through a close-up), far (left)
    # knee 23.2-27.8 s, both knees 31.7-37.8 s (then the fade-out).
    report = analysed(
        poses, "knee_to_chest/malikmrllh__exercises__kneetochest.mp4", "knees-up-stretch"
    )
    assert [h.side for h in report.holds] == ["right", "left", "both"]
    truth = [10.1, 4.6, 6.1]
    for hold, seconds in zip(report.holds, truth, strict=True):
        assert hold.seconds == pytest.approx(seconds, abs=0.5)
    assert [r.side for r in report.reps] == ["right", "left", "both"]


def test_roll_and_stretch_counts_rolls_per_side(poses: dict[str, list[PoseFrame]]) -> None:
    # Frames every 0.2-0.5 s: nine rolls from 3.5 s on, alternating sides (man 4, woman 5);
    # nothing under the dim title card at the start (the legs stay up in the middle).
    report = analysed(
        poses, "trunk_rotation/malikmrllh__exercises__bentleg.mp4", "roll-and-stretch"
    )
    starts = [3.5, 7.5, 11.0, 18.0, 22.0, 26.0, 31.0, 35.0, 39.5]
    assert [r.start for r in report.reps] == pytest.approx(starts, abs=1.0)
    sides = [r.side for r in report.reps]
    assert all(a != b for a, b in itertools.pairwise(sides))


def test_roll_and_stretch_static_holds(poses: dict[str, list[PoseFrame]]) -> None:
    # Frames every 0.1 s: woman held to one side 1.9-18.65 s (cut), man 18.7-31.4 s (fade).
    report = analysed(
        poses, "trunk_rotation/malikmrllh__exercises__twistsstretch.mp4", "roll-and-stretch"
    )
    assert report.reps == []
    assert len(report.holds) == 2
    assert report.holds[0].seconds == pytest.approx(18.65 - 1.9, abs=0.5)
    assert report.holds[1].seconds == pytest.approx(31.4 - 18.7, abs=0.5)
    assert report.holds[0].side == report.holds[1].side


@pytest.mark.parametrize("clip", clips_of("sit_up", "leg_raise", "toe_touch"))
def test_every_avoided_movement_clip_is_warned(
    poses: dict[str, list[PoseFrame]], clip: str
) -> None:
    movement = clip.split("/")[0]
    for exercise in ("bridge", "knees-up-stretch"):  # whatever the person chose to do
        report = analysed(poses, clip, exercise)
        codes = {w.code for w in report.avoided}
        assert codes & AVOIDED_OF[movement], f"{clip} as {exercise}: {codes}"
        assert all(len(w.message) > 40 for w in report.avoided)


@pytest.mark.parametrize("clip", clips_of(*EXERCISE_OF_FOLDER, "other"))
def test_no_avoided_warning_on_the_programs_exercises(
    poses: dict[str, list[PoseFrame]], clip: str
) -> None:
    movement = clip.split("/")[0]
    report = analysed(poses, clip, EXERCISE_OF_FOLDER.get(movement, "bridge"))
    assert report.avoided == []


def test_cli_json_on_real_video(tmp_path: Path) -> None:
    video = FOOTAGE / "bridge" / BRIDGE_COUNTS[0][0]
    env = dict(os.environ, BACKCOACH_HOME=str(tmp_path))
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("backcoach")),
            "analyze",
            str(video),
            "-e",
            "bridge",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["exercise"] == "bridge"
    assert len(data["reps"]) == 5
    assert data["avoided_movements"] == []


def test_cli_refuses_two_people_at_once(tmp_path: Path) -> None:
    import cv2
    import numpy as np

    from backcoach.pose.sources import VideoFileSource

    first = FOOTAGE / "bridge" / BRIDGE_COUNTS[0][0]
    second = FOOTAGE / "bridge" / "lenagalanova8-debug__my-guides__glute-bridge.mp4"
    tops = [rgb for _, _, rgb in VideoFileSource(first, max_fps=10.0, max_width=480, end=3.0)]
    bottoms = [rgb for _, _, rgb in VideoFileSource(second, max_fps=10.0, max_width=480, end=3.0)]
    video = tmp_path / "two.mp4"
    height, width = tops[0].shape[:2]
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"mp4v"), 10.0, (width, 2 * height))
    for top, bottom in zip(tops, bottoms, strict=False):
        lower = cv2.resize(bottom, (width, height))
        writer.write(cv2.cvtColor(np.vstack([top, lower]), cv2.COLOR_RGB2BGR))
    writer.release()
    env = dict(os.environ, BACKCOACH_HOME=str(tmp_path / "home"))
    result = subprocess.run(
        [str(Path(sys.executable).with_name("backcoach")), "analyze", str(video), "-e", "bridge"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "people at once" in errors[0]
