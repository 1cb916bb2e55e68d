"""The analysis runner, report and ``backcoach analyze`` (synthetic poses; no pose model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from backcoach.analysis.registry import ANALYZERS, make_analyzer
from backcoach.analysis.report import AnalysisReport, RepRecord, WarningRecord
from backcoach.analysis.runner import NOBODY, analyze_frames, prepare_frames
from backcoach.cli.analysis_cmds import print_report
from backcoach.cli.main import app
from backcoach.errors import InputError, NotFoundError
from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks_io import save_landmarks
from backcoach.pose.track import PoseTrack

sys.path.insert(0, str(Path(__file__).parent))
from test_analysis_analyzers import H, W, bridge_frames

BACKCOACH = Path(sys.executable).with_name("backcoach")


def saved_bridge(tmp_path: Path, reps: int = 3) -> Path:
    frames = bridge_frames(reps)
    track = PoseTrack(frames=frames, width=W, height=H, fps=15.0, duration=frames[-1].timestamp)
    return save_landmarks(track, tmp_path / "bridge.json")


def test_registry_knows_all_seven_exercises() -> None:
    assert set(ANALYZERS) == {
        "press-up",
        "pelvic-tilt",
        "bridge",
        "roll-and-stretch",
        "knees-up-stretch",
        "bird-dog",
        "cat-cow",
    }
    for exercise_id in ANALYZERS:
        assert make_analyzer(exercise_id).exercise_id == exercise_id
    with pytest.raises(NotFoundError, match="No analyzer for 'sit-up'"):
        make_analyzer("sit-up")


def test_report_has_reps_holds_and_times() -> None:
    report = analyze_frames(bridge_frames(3), "bridge")
    data = report.to_dict()
    assert data["exercise"] == "bridge"
    assert data["rep_count"] == 3 and len(data["reps"]) == 3
    first = data["reps"][0]
    assert set(first) >= {"start", "end", "duration", "side", "warnings"}
    assert first["end"] > first["start"]
    assert all("seconds" in hold for hold in data["holds"])
    assert data["unseen_seconds"] == 0.0
    assert data["frames"] == len(bridge_frames(3))
    assert data["warnings"] == []
    assert data["avoided_movements"] == []


def test_nobody_in_the_whole_video_is_an_input_error() -> None:
    frames = [PoseFrame.empty(i / 15, W, H, i) for i in range(30)]
    with pytest.raises(InputError) as caught:
        analyze_frames(frames, "bridge")
    assert str(caught.value) == NOBODY


def test_unknown_exercise_is_refused_before_any_work() -> None:
    with pytest.raises(NotFoundError, match="Choose one of"):
        analyze_frames(bridge_frames(1), "jumping-jacks")


def test_scene_cuts_are_marked_before_smoothing() -> None:
    frames = bridge_frames(1)
    moved = []
    for frame in frames:
        image = frame.image.copy()
        if frame.timestamp >= 2.0:
            image[:, 0] -= 0.3
        moved.append(PoseFrame(frame.timestamp, image, frame.world, frame.visibility, W, H))
    prepared = prepare_frames(moved)
    cuts = [f.timestamp for f in prepared if f.extras.get("scene_cut")]
    assert len(cuts) == 1 and cuts[0] == pytest.approx(2.0, abs=0.07)


def test_cli_json_from_saved_landmarks(tmp_path: Path) -> None:
    landmarks = saved_bridge(tmp_path)
    result = CliRunner().invoke(
        app,
        ["analyze", "clip.mp4", "--exercise", "bridge", "--landmarks", str(landmarks), "--json"],
        env={"BACKCOACH_HOME": str(tmp_path / "home")},
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["exercise"] == "bridge"
    assert len(data["reps"]) == 3
    assert {"holds", "warnings", "unseen_seconds"} <= set(data)


def test_cli_table_from_saved_landmarks(tmp_path: Path) -> None:
    landmarks = saved_bridge(tmp_path, reps=2)
    result = CliRunner().invoke(
        app,
        ["analyze", "clip.mp4", "-e", "bridge", "--landmarks", str(landmarks)],
        env={"BACKCOACH_HOME": str(tmp_path / "home")},
    )
    assert result.exit_code == 0, result.output
    assert "Repetitions" in result.stdout
    assert "Summary: 2 reps" in result.stdout


def test_cli_annotates_a_video(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"mp4v"), 15.0, (W, H))
    frames = bridge_frames(1)
    for _ in frames:
        writer.write(np.full((H, W, 3), 200, dtype=np.uint8))
    writer.release()
    landmarks = saved_bridge(tmp_path, reps=1)
    out = tmp_path / "annotated.mp4"
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            str(video),
            "-e",
            "bridge",
            "--landmarks",
            str(landmarks),
            "--annotate",
            str(out),
        ],
        env={"BACKCOACH_HOME": str(tmp_path / "home")},
    )
    assert result.exit_code == 0, result.output
    capture = cv2.VideoCapture(str(out))
    count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    capture.set(cv2.CAP_PROP_POS_FRAMES, 20)
    ok, image = capture.read()
    capture.release()
    assert count == len(frames)
    assert ok
    # Something was drawn on the plain grey picture: skeleton and counter text.
    assert int(np.count_nonzero(np.any(image != 200, axis=2))) > 2000


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, BACKCOACH_HOME=str(home))
    return subprocess.run(
        [str(BACKCOACH), *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(lambda d: d / "missing.mp4", "does not exist", id="missing"),
        pytest.param(lambda d: _write(d / "empty.mp4", b""), "empty", id="empty"),
        pytest.param(
            lambda d: _write(d / "notes.mp4", b"not a video " * 100), "not a video", id="text"
        ),
        pytest.param(lambda d: _png(d / "photo.png"), "still image", id="still-image"),
    ],
)
def test_cli_bad_input_is_one_line_and_nonzero(tmp_path: Path, make: object, expected: str) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    result = run_cli("analyze", str(path), "-e", "bridge", home=tmp_path / "home")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(lines) == 1 and expected in lines[0]
    assert "Traceback" not in result.stderr


def test_cli_unknown_exercise_message(tmp_path: Path) -> None:
    result = run_cli("analyze", "x.mp4", "-e", "handstand", home=tmp_path / "home")
    assert result.returncode != 0
    assert "No exercise 'handstand'" in result.stderr
    assert "Traceback" not in result.stderr


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _png(path: Path) -> Path:
    cv2.imwrite(str(path), np.zeros((64, 64, 3), dtype=np.uint8))
    return path


def test_the_planned_dose_sets_the_bird_dog_stage_and_hold() -> None:
    from backcoach.analysis.exercises.bird_dog import BirdDogAnalyzer
    from backcoach.catalog import load_catalog

    bird_dog = load_catalog().get("bird-dog")
    first, last = bird_dog.dose_at(0), bird_dog.dose_at(bird_dog.level_count - 1)
    early = make_analyzer("bird-dog", first)
    late = make_analyzer("bird-dog", last)
    assert isinstance(early, BirdDogAnalyzer) and isinstance(late, BirdDogAnalyzer)
    assert (early.stage, early.hold_target) == ("arm-only", first.hold_seconds)
    assert (late.stage, late.hold_target) == ("arm-and-leg", last.hold_seconds)


def test_the_table_gives_a_rep_s_warnings_in_words_not_codes() -> None:
    said = "Keep your hips on the floor."
    report = AnalysisReport(
        exercise="press-up",
        duration=10.0,
        reps=[RepRecord(3.9, 9.5, 5.6, warnings=("hips-lifted",))],
        warnings=[WarningRecord(9.6, "hips-lifted", said)],
    )
    console = Console(record=True, width=200)
    print_report(report, console)
    text = console.export_text()
    assert "hips-lifted" not in text
    assert text.count(said) == 2  # in the rep's row and in the list of form notes
