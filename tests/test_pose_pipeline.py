"""The video pipeline: the real model on real footage, and splitting across worker processes."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backcoach.errors import InputError
from backcoach.pose import pipeline
from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks import LANDMARK_COUNT, Landmark
from backcoach.pose.landmarks_io import save_landmarks
from backcoach.pose.mediapipe_backend import MediaPipePoseEstimator
from backcoach.pose.pipeline import estimate_video, split_points
from backcoach.pose.replay import ReplayEstimator
from backcoach.pose.sources import VideoFileSource
from backcoach.pose.track import PoseTrack
from test_pose_sources import make_video, regular_times

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CLIP = SHARED / "footage" / "bridge" / "ForIRIS__fitness_gem__glute_bridge.mp4"
needs_footage = pytest.mark.skipif(
    not CLIP.exists(), reason=f"real footage not available at {CLIP}"
)


@pytest.fixture(scope="module")
def real_track() -> PoseTrack:
    return estimate_video(str(CLIP), MediaPipePoseEstimator, max_fps=10)


@pytest.mark.footage
@needs_footage
def test_real_model_finds_the_person_on_real_footage(real_track: PoseTrack) -> None:
    assert (real_track.width, real_track.height) == (560, 560)
    assert real_track.fps == pytest.approx(24.0)
    assert real_track.estimator == "mediapipe-blazepose-full"
    assert len(real_track) == 61  # 6.04 s at most 10 a second
    assert real_track.detected_share > 0.9
    detected = [f for f in real_track.frames if f.detected]
    hips = np.array([f.visibility[Landmark.LEFT_HIP] for f in detected])
    assert np.median(hips) > 0.5
    image = np.array([f.image for f in detected])
    assert image.shape[1:] == (LANDMARK_COUNT, 3)
    assert np.nanmedian(image[:, :, :2]) == pytest.approx(0.5, abs=0.3)
    # Someone lying on their back for a bridge: the body spans the image more wide than tall.
    torso = detected[0].pixels()
    span = np.ptp(torso[[11, 23, 25, 27], :], axis=0)
    assert span[0] > span[1]


@pytest.mark.footage
@needs_footage
def test_real_model_with_two_workers_matches_one(real_track: PoseTrack) -> None:
    progress: list[tuple[float, float]] = []
    split = estimate_video(
        str(CLIP),
        MediaPipePoseEstimator,
        max_fps=10,
        workers=2,
        progress=lambda done, total: progress.append((done, total)),
    )
    assert [f.timestamp for f in split.frames] == [f.timestamp for f in real_track.frames]
    assert [f.index for f in split.frames] == [f.index for f in real_track.frames]
    assert split.detected_share > 0.9
    assert progress[-1][0] == pytest.approx(progress[-1][1])


def replay_file_for(video: Path, tmp_path: Path) -> Path:
    """A landmarks file with a distinct pose for every frame of ``video``."""
    frames = []
    for timestamp, index, _rgb in VideoFileSource(video, judge_damage=False):
        image = np.full((LANDMARK_COUNT, 3), index / 1000.0)
        frames.append(
            PoseFrame(timestamp, image, image.copy(), np.ones(LANDMARK_COUNT), 96, 64, index)
        )
    track = PoseTrack(frames, 96, 64, 25.0, frames[-1].timestamp, source=str(video))
    return save_landmarks(track, tmp_path / "replay.json")


@pytest.mark.parametrize("max_fps", [None, 7.0])
def test_workers_give_the_same_frames_as_one_process(
    tmp_path: Path, max_fps: float | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = make_video(tmp_path / "long.mp4", regular_times(6.0, 25))
    factory = functools.partial(ReplayEstimator, replay_file_for(video, tmp_path))
    one = estimate_video(str(video), factory, max_fps=max_fps)
    parallel_runs: list[int] = []
    original = pipeline._run_parallel

    def counted(*args: Any) -> Any:
        parallel_runs.append(args[5])
        return original(*args)

    monkeypatch.setattr(pipeline, "_run_parallel", counted)
    two = estimate_video(str(video), factory, max_fps=max_fps, workers=2)
    assert parallel_runs == [2]
    assert len(two) == len(one) > 0
    assert [f.timestamp for f in two.frames] == [f.timestamp for f in one.frames]
    assert [f.index for f in two.frames] == [f.index for f in one.frames]
    assert all(
        np.array_equal(a.image, b.image) for a, b in zip(one.frames, two.frames, strict=True)
    )
    assert all(f.image[0, 0] == pytest.approx(f.index / 1000) for f in two.frames)


def test_progress_reaches_the_end_and_only_grows(tmp_path: Path) -> None:
    video = make_video(tmp_path / "clip.mp4", regular_times(2.0, 25))
    factory = functools.partial(ReplayEstimator, replay_file_for(video, tmp_path))
    seen: list[float] = []
    track = estimate_video(str(video), factory, progress=lambda done, total: seen.append(done))
    assert len(track) == 50 and track.estimator == "replay"
    assert seen == sorted(seen) and seen[-1] == pytest.approx(track.duration)


def test_smoothing_option_changes_nothing_on_a_constant_pose(tmp_path: Path) -> None:
    video = make_video(tmp_path / "clip.mp4", regular_times(1.0, 25))
    factory = functools.partial(ReplayEstimator, replay_file_for(video, tmp_path))
    raw = estimate_video(str(video), factory)
    smooth = estimate_video(str(video), factory, smooth=True)
    # The replayed pose moves by 0.001 a frame: smoothing lags it a little, never overshoots.
    lag = np.array(
        [a.image[0, 0] - b.image[0, 0] for a, b in zip(raw.frames, smooth.frames, strict=True)]
    )
    assert lag.min() >= -1e-9 and 0 < lag.max() < 0.01


def test_split_points_cover_the_video_on_limiter_slots() -> None:
    from backcoach.pose.sources import VideoInfo

    info = VideoInfo("x", 10, 10, 25.0, 10.0, 250, 0, 0.0)
    cuts = split_points(info, 2, None)
    assert cuts[0] == float("-inf") and cuts[-1] == float("inf") and cuts[1] == 5.0
    cuts = split_points(info, 3, 4.0)
    assert all(abs(c * 4 - round(c * 4)) < 0.01 for c in cuts[1:-1])


def test_bad_worker_count_and_bad_video(tmp_path: Path) -> None:
    video = make_video(tmp_path / "clip.mp4", regular_times(0.2, 25))
    with pytest.raises(InputError, match="workers must be 1 or more"):
        estimate_video(str(video), MediaPipePoseEstimator, workers=0)
    with pytest.raises(InputError, match="does not exist"):
        estimate_video(str(tmp_path / "none.mp4"), MediaPipePoseEstimator, workers=2)


def cut_video(tmp_path: Path, share: float) -> Path:
    full = make_video(tmp_path / "full.mp4", regular_times(6.0, 25), faststart=True)
    data = full.read_bytes()
    path = tmp_path / f"cut{share}.mp4"
    path.write_bytes(data[: int(len(data) * share)])
    return path


@pytest.mark.parametrize("workers", [1, 2])
def test_damaged_video_is_judged_on_the_whole_not_per_segment(tmp_path: Path, workers: int) -> None:
    video = cut_video(tmp_path, 0.7)  # the second half is mostly gone, the first intact
    factory = functools.partial(ReplayEstimator, replay_file_for(video, tmp_path))
    track = estimate_video(str(video), factory, workers=workers)
    assert 75 <= len(track) < 150
    assert len(track.problems) == 1 and "cut short" in track.problems[0]
    assert [f.index for f in track.frames] == list(range(len(track)))


@pytest.mark.parametrize("workers", [1, 2])
def test_mostly_unreadable_video_is_refused(tmp_path: Path, workers: int) -> None:
    video = cut_video(tmp_path, 0.3)
    with pytest.raises(InputError, match="damaged or cut short"):
        estimate_video(str(video), MediaPipePoseEstimator, workers=workers)
