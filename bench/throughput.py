"""Throughput of the video pipeline: decode, pose and analysis separately, against a bare loop.

    .venv/bin/python bench/throughput.py [CLIP] [--long-clip CLIP] [--exercise ID] [--repeat N]

Prints one JSON document:

- ``decode``: backcoach's frame source alone (PyAV decode, rotation, RGB conversion);
- ``pose``: time inside the estimator only, measured during the pipeline run;
- ``analysis``: the whole analysis engine (``AnalysisSession``) over the pipeline's frames;
- ``pipeline``: ``estimate_video`` end to end, fps and times real time;
- ``bare``: PyAV decode + ``mp.solutions.pose`` directly, no backcoach code, same settings;
- ``overhead``: pipeline time / bare time - 1 (target: at most 0.10), on wall time and on
  CPU time (``overhead_cpu``, steadier on a shared machine);
- ``overhead_with_engine``: (pipeline + analysis engine) / bare - 1: what backcoach adds in all;
- ``workers``: the long clip with ``workers=1`` and ``workers=2``, at 15 frames a second and at
  every frame: times real time for each, and the speed-up.

Timings are the best of ``--repeat`` runs: the machine is shared, so the minimum is the
figure least disturbed by other work.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from backcoach.analysis.footage import EXERCISE_OF_FOLDER
from backcoach.pose.estimator import RGBImage
from backcoach.pose.frame import PoseFrame
from backcoach.pose.mediapipe_backend import MediaPipePoseEstimator
from backcoach.pose.pipeline import estimate_video
from backcoach.pose.sources import VideoFileSource
from backcoach.pose.track import PoseTrack

FOOTAGE = Path(__file__).resolve().parents[1].parent / "shared" / "footage"
DEFAULT_CLIP = FOOTAGE / "cat_cow" / "Hanshitha22__personalised-fitness-companion__cat-cow.mp4"
DEFAULT_LONG_CLIP = FOOTAGE / "bridge" / "malikmrllh__exercises__buttbridge.mp4"


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 2) if seconds > 0 else 0.0


class TimedEstimator:
    """Wraps the MediaPipe estimator and adds up the time spent inside ``estimate``."""

    seconds = 0.0

    def __init__(self) -> None:
        self._inner = MediaPipePoseEstimator()
        self.name = self._inner.name

    def estimate(self, rgb: RGBImage, timestamp: float, index: int = 0) -> PoseFrame:
        started = time.perf_counter()
        frame = self._inner.estimate(rgb, timestamp, index)
        TimedEstimator.seconds += time.perf_counter() - started
        return frame

    def close(self) -> None:
        self._inner.close()


class Clock:
    """Wall time and this process's CPU time (all threads) since it was made."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def read(self, count: int) -> dict[str, Any]:
        wall = time.perf_counter() - self.wall
        cpu = time.process_time() - self.cpu
        return {
            "frames": count,
            "seconds": round(wall, 3),
            "cpu_seconds": round(cpu, 3),
            "fps": rate(count, wall),
        }


def measure_decode(clip: Path) -> dict[str, Any]:
    clock = Clock()
    count = sum(1 for _ in VideoFileSource(clip))
    return clock.read(count)


def measure_pipeline(clip: Path) -> tuple[dict[str, Any], dict[str, Any], PoseTrack]:
    TimedEstimator.seconds = 0.0
    clock = Clock()
    track = estimate_video(str(clip), TimedEstimator)
    pipeline = clock.read(len(track))
    pipeline["x_real_time"] = round(track.duration / pipeline["seconds"], 3)
    pose = {
        "frames": len(track),
        "seconds": round(TimedEstimator.seconds, 3),
        "fps": rate(len(track), TimedEstimator.seconds),
        "detected_share": round(track.detected_share, 3),
    }
    return pose, pipeline, track


def measure_bare(clip: Path) -> dict[str, Any]:
    """Decode and estimate with PyAV and MediaPipe only: the floor the pipeline is held to."""
    import av
    import mediapipe as mp  # imported before the clock starts, as the pipeline's is

    clock = Clock()
    container = av.open(str(clip))
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    count = 0
    with mp.solutions.pose.Pose(
        static_image_mode=False,
        model_complexity=1,
        smooth_landmarks=True,
        enable_segmentation=False,
        min_detection_confidence=0.5,
        min_tracking_confidence=0.5,
    ) as pose:
        for frame in container.decode(stream):
            pose.process(frame.to_ndarray(format="rgb24"))
            count += 1
    container.close()
    return clock.read(count)


def measure_analysis(track: PoseTrack, exercise: str) -> dict[str, Any]:
    """The whole analysis engine (cuts, smoothing, posture, avoided movements, the exercise's
    analyzer) over the pipeline's frames: what the engine adds to pose estimation."""
    from backcoach.analysis.engine import AnalysisSession

    started = time.perf_counter()
    session = AnalysisSession(exercise)
    for frame in track.frames:
        session.update(frame)
    session.finish()
    seconds = time.perf_counter() - started
    return {
        "exercise": exercise,
        "frames": len(track),
        "seconds": round(seconds, 4),
        "fps": rate(len(track), seconds),
        "ms_per_frame": round(1000 * seconds / max(len(track), 1), 3),
    }


def cpu_of_self_and_children() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure_workers(clip: Path, max_fps: float | None) -> dict[str, Any]:
    timings: dict[int, float] = {}
    cpu: dict[int, float] = {}
    tracks: dict[int, PoseTrack] = {}
    for workers in (1, 2):
        started, cpu_started = time.perf_counter(), cpu_of_self_and_children()
        tracks[workers] = estimate_video(
            str(clip), MediaPipePoseEstimator, workers=workers, max_fps=max_fps
        )
        timings[workers] = time.perf_counter() - started
        cpu[workers] = cpu_of_self_and_children() - cpu_started
    same = [f.timestamp for f in tracks[1].frames] == [f.timestamp for f in tracks[2].frames]
    duration = tracks[1].duration
    return {
        "clip": str(clip),
        "max_fps": max_fps,
        "duration": round(duration, 2),
        "frames": len(tracks[1]),
        "seconds_1_worker": round(timings[1], 2),
        "seconds_2_workers": round(timings[2], 2),
        # Seconds of video per second of work: above 1 keeps up with a live camera.
        "x_real_time_1_worker": round(duration / timings[1], 3),
        "x_real_time_2_workers": round(duration / timings[2], 3),
        "speed_up": round(timings[1] / timings[2], 3),
        # CPU seconds spent (parent and workers): splitting should not add much work; the
        # speed-up is then bounded by how many cores are free.
        "cpu_seconds_1_worker": round(cpu[1], 2),
        "cpu_seconds_2_workers": round(cpu[2], 2),
        "same_timestamps": same,
    }


def best(runs: list[dict[str, Any]], key: str = "seconds") -> dict[str, Any]:
    return min(runs, key=lambda run: float(run[key]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", nargs="?", type=Path, default=DEFAULT_CLIP, help="clip to time")
    parser.add_argument(
        "--long-clip", type=Path, default=DEFAULT_LONG_CLIP, help="clip for the workers test"
    )
    parser.add_argument("--exercise", help="analyzer to time (default: from the clip's folder)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing; best kept")
    parser.add_argument("--no-workers", action="store_true", help="skip the workers test")
    args = parser.parse_args()
    if not args.clip.exists():
        print(f"no clip at {args.clip}", file=sys.stderr)
        return 1
    exercise = args.exercise or EXERCISE_OF_FOLDER.get(args.clip.parent.name, "bridge")

    load_at_start = os.getloadavg()[0]
    decode_runs, pose_runs, pipeline_runs, bare_runs = [], [], [], []
    track: PoseTrack | None = None
    MediaPipePoseEstimator().close()  # loads mediapipe once, outside every timing
    for run in range(args.repeat):
        decode_runs.append(measure_decode(args.clip))
        if run % 2:  # alternate the order so neither loop always runs on a warmer machine
            bare_runs.append(measure_bare(args.clip))
        pose, pipeline, track = measure_pipeline(args.clip)
        pose_runs.append(pose)
        pipeline_runs.append(pipeline)
        if not run % 2:
            bare_runs.append(measure_bare(args.clip))
    assert track is not None
    pipeline_best, bare_best = best(pipeline_runs), best(bare_runs)
    analysis = min(
        (measure_analysis(track, exercise) for _ in range(args.repeat)),
        key=lambda run: float(run["seconds"]),
    )
    report: dict[str, Any] = {
        "cores": os.cpu_count(),
        "load_average_1min_at_start": round(load_at_start, 2),
        "clip": str(args.clip),
        "video_seconds": round(track.duration, 2),
        "size": [track.width, track.height],
        "decode": best(decode_runs),
        "pose": best(pose_runs),
        "analysis": analysis,
        "pipeline": pipeline_best,
        "bare": bare_best,
        "overhead": round(pipeline_best["seconds"] / bare_best["seconds"] - 1.0, 3),
        # The engine's whole cost: decode, pose and the analysis engine against the bare loop.
        "overhead_with_engine": round(
            (pipeline_best["seconds"] + analysis["seconds"]) / bare_best["seconds"] - 1.0, 3
        ),
        # CPU time is less disturbed than wall time when other work shares the machine.
        "overhead_cpu": round(
            best(pipeline_runs, "cpu_seconds")["cpu_seconds"]
            / best(bare_runs, "cpu_seconds")["cpu_seconds"]
            - 1.0,
            3,
        ),
    }
    if not args.no_workers and args.long_clip.exists():
        report["workers"] = [measure_workers(args.long_clip, rate) for rate in (15.0, None)]
    report["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":  # required: workers are spawned processes that import this module
    sys.exit(main())
