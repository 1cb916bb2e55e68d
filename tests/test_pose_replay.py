"""Landmark files (save, load, validation) and the replay estimator built on them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from backcoach.errors import InputError
from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks import LANDMARK_COUNT
from backcoach.pose.landmarks_io import load_landmarks, save_landmarks
from backcoach.pose.replay import ReplayEstimator
from backcoach.pose.track import PoseTrack


def synthetic_track(count: int = 12, fps: float = 30.0) -> PoseTrack:
    rng = np.random.default_rng(3)
    frames = []
    for n in range(count):
        t = n / fps
        if n % 5 == 4:
            frames.append(PoseFrame.empty(t, 640, 360, n))
            continue
        frames.append(
            PoseFrame(
                timestamp=t,
                image=rng.uniform(0, 1, (LANDMARK_COUNT, 3)),
                world=rng.uniform(-1, 1, (LANDMARK_COUNT, 3)),
                visibility=rng.uniform(0, 1, LANDMARK_COUNT),
                width=640,
                height=360,
                index=n,
            )
        )
    return PoseTrack(
        frames, 640, 360, fps, count / fps, source="/videos/clip.mp4", estimator="test"
    )


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    track = synthetic_track()
    path = save_landmarks(track, tmp_path / "landmarks.json")
    loaded = load_landmarks(path)
    assert (loaded.width, loaded.height, loaded.fps) == (640, 360, 30.0)
    assert loaded.source == "/videos/clip.mp4" and loaded.estimator == "test"
    assert len(loaded) == len(track)
    for before, after in zip(track.frames, loaded.frames, strict=True):
        assert after.detected == before.detected and after.index == before.index
        assert after.timestamp == pytest.approx(before.timestamp, abs=1e-4)
        if before.detected:
            assert np.allclose(after.image, before.image, atol=1e-5)
            assert np.allclose(after.world, before.world, atol=1e-5)
            assert np.allclose(after.visibility, before.visibility, atol=1e-4)
    saved = json.loads(path.read_text())
    assert {"file", "width", "height", "frames", "fps", "source", "rotation", "estimator"} <= set(
        saved
    )
    assert not (tmp_path / "landmarks.json.part").exists()


def test_loads_the_plain_dump_format(tmp_path: Path) -> None:
    track = synthetic_track(4)
    plain = {
        "file": "bridge/clip.mp4",
        "width": 640,
        "height": 360,
        "frames": [f.to_dict() for f in track.frames],
    }
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(plain))
    loaded = load_landmarks(path)
    assert len(loaded) == 4 and loaded.source == "bridge/clip.mp4"
    assert loaded.fps == pytest.approx(30.0, rel=0.01)  # told by the timestamps
    assert loaded.duration == pytest.approx(track.frames[-1].timestamp, abs=1e-4)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("this is not json", "not a landmarks file \\(not JSON\\)"),
        ('{"exercises": []}', "not a landmarks file \\(no list of frames\\)"),
        ("[1, 2, 3]", "no list of frames"),
        ('{"width": "wide", "height": 3, "frames": []}', "'width' must be a number"),
        ('{"width": 3, "height": 3, "frames": [{"t": 0, "detected": true}]}', "frame 0"),
        (
            '{"width": 3, "height": 3, "frames": [{"t": 0, "detected": true, "image": [1],'
            ' "world": [1], "visibility": [1]}]}',
            "frame 0 is malformed",
        ),
        ('{"version": 99, "width": 3, "height": 3, "frames": []}', "newer backcoach"),
        ('{"width": Infinity, "height": 3, "frames": []}', "'width' must be a finite number"),
        ('{"width": 3, "height": 1e400, "frames": []}', "'height' must be a finite number"),
        ('{"width": 3, "height": 3, "fps": NaN, "frames": []}', "'fps' must be a finite number"),
    ],
)
def test_wrong_files_are_refused_clearly(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_landmarks(path)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_landmarks(tmp_path / "none.json")
    (tmp_path / "video.mp4").write_bytes(bytes(range(256)) * 10)
    with pytest.raises(InputError, match="not JSON"):
        load_landmarks(tmp_path / "video.mp4")


def test_save_into_a_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot write"):
        save_landmarks(synthetic_track(2), tmp_path / "no" / "such" / "dir.json")


def test_replay_returns_the_saved_frames(tmp_path: Path) -> None:
    track = synthetic_track()
    path = save_landmarks(track, tmp_path / "landmarks.json")
    replay = ReplayEstimator(path)
    blank = np.zeros((360, 640, 3), dtype=np.uint8)
    for frame in track.frames:
        got = replay.estimate(blank, frame.timestamp, frame.index)
        assert got.detected == frame.detected and got.index == frame.index
        if frame.detected:
            assert np.allclose(got.image, frame.image, atol=1e-5)
    assert [f.index for f in replay.frames()] == [f.index for f in track.frames]
    replay.close()


def test_replay_by_timestamp_and_outside_the_track() -> None:
    track = synthetic_track()
    replay = ReplayEstimator(track)
    near = replay.estimate(None, track.frames[2].timestamp + 0.01, index=999)
    assert near.detected and np.allclose(near.image, track.frames[2].image)
    assert near.index == 999 and near.timestamp == pytest.approx(track.frames[2].timestamp + 0.01)
    assert not replay.estimate(None, 50.0, 5000).detected
