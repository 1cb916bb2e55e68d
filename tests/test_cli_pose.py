"""``backcoach pose`` end to end: the real command in a subprocess, the real model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from backcoach.pose.landmarks_io import load_landmarks
from test_pose_sources import make_video, regular_times

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CLIP = SHARED / "footage" / "bridge" / "ForIRIS__fitness_gem__glute_bridge.mp4"
BACKCOACH = Path(sys.executable).with_name("backcoach")


def backcoach(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BACKCOACH_HOME": str(home), "COLUMNS": "200"}
    command = [str(BACKCOACH)] if BACKCOACH.exists() else [sys.executable, "-m", "backcoach"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


@pytest.mark.footage
@pytest.mark.skipif(not CLIP.exists(), reason=f"real footage not available at {CLIP}")
def test_pose_saves_landmarks_of_real_footage_with_two_workers(tmp_path: Path) -> None:
    out = tmp_path / "landmarks.json"
    args = ("pose", str(CLIP), "-o", str(out), "--max-fps", "8", "--workers", "2")
    result = backcoach(*args, home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "49 frames, person found in" in result.stdout
    assert "Traceback" not in result.stderr
    assert "XNNPACK" not in result.stderr and "W0000" not in result.stderr  # native chatter
    track = load_landmarks(out)
    assert len(track) == 49 and track.detected_share > 0.9
    saved = json.loads(out.read_text())
    assert saved["fps"] == pytest.approx(24.0) and saved["source"] == str(CLIP)
    assert saved["estimator"] == "mediapipe-blazepose-full"


def test_pose_on_a_video_with_nobody_in_it(tmp_path: Path) -> None:
    video = make_video(tmp_path / "empty_room.mp4", regular_times(0.5, 10))
    out = tmp_path / "out.json"
    result = backcoach("pose", str(video), "-o", str(out), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "5 frames, person found in 0%" in result.stdout
    assert result.stderr.strip() == ""
    assert not any(frame["detected"] for frame in json.loads(out.read_text())["frames"])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.mp4", None, "does not exist"),
        ("empty.mp4", b"", "is empty"),
        ("notes.mp4", b"my notes\n" * 100, "is not a video file that can be read"),
    ],
)
def test_pose_bad_input_is_one_line(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = backcoach("pose", str(path), "-o", str(tmp_path / "out.json"), home=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:")
    assert not (tmp_path / "out.json").exists()


def test_pose_still_image(tmp_path: Path) -> None:
    photo = tmp_path / "me.jpg"
    cv2.imwrite(str(photo), np.full((48, 64, 3), 120, dtype=np.uint8))
    result = backcoach("pose", str(photo), "-o", str(tmp_path / "o.json"), home=tmp_path)
    assert result.returncode != 0
    assert "is a still image, not a video" in result.stderr
    assert "Traceback" not in result.stderr


def test_pose_help_names_every_option(tmp_path: Path) -> None:
    result = backcoach("pose", "--help", home=tmp_path)
    assert result.returncode == 0
    for option in ("--output", "--max-fps", "--max-width", "--workers", "--smooth"):
        assert option in result.stdout


def test_pose_on_a_cut_short_video_warns_and_saves_what_it_read(tmp_path: Path) -> None:
    full = make_video(tmp_path / "full.mp4", regular_times(6.0, 25), faststart=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(full.read_bytes()[: int(full.stat().st_size * 0.7)])
    out = tmp_path / "out.json"
    result = backcoach("pose", str(cut), "-o", str(out), "--max-fps", "5", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Warning:" in result.stderr and "cut short" in result.stderr
    assert "Traceback" not in result.stderr
    saved = json.loads(out.read_text())
    assert 10 <= len(saved["frames"]) < 30 and "cut short" in saved["problems"][0]
