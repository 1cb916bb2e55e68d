"""Run a pose estimator over a whole video file, in one process or split across several.

With ``workers=N`` the video is cut into N time segments; each is decoded and estimated in its
own process with its own estimator (the tracker restarts at each cut, which costs a detection
on the first frame of a segment). Results are joined in time order, so the frames and their
timestamps are the same as with one worker.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue
import traceback
from collections.abc import Callable
from typing import Any

from backcoach.errors import BackcoachError, InputError
from backcoach.pose.estimator import PoseEstimator
from backcoach.pose.frame import PoseFrame
from backcoach.pose.smoothing import smooth_frames
from backcoach.pose.sources import (
    MIN_READABLE_SHARE,
    VideoFileSource,
    VideoInfo,
)
from backcoach.pose.track import PoseTrack

EstimatorFactory = Callable[[], PoseEstimator]
# progress(seconds of video done, seconds in total)
ProgressCallback = Callable[[float, float], None]
PROGRESS_EVERY = 10  # frames between progress reports from a worker


def _estimator_name(estimator: object) -> str:
    return str(getattr(estimator, "name", type(estimator).__name__))


def _run_segment(
    path: str,
    factory: EstimatorFactory,
    max_fps: float | None,
    max_width: int | None,
    start: float | None,
    end: float | None,
    report: Callable[[float], None],
) -> tuple[list[PoseFrame], str, list[str]]:
    # Damage is judged on the whole video once the segments are joined, not per segment.
    source = VideoFileSource(path, max_fps, max_width, start=start, end=end, judge_damage=False)
    begin = start if start is not None else source.info.start_time
    estimator = factory()
    frames: list[PoseFrame] = []
    try:
        for timestamp, index, rgb in source:
            frames.append(estimator.estimate(rgb, timestamp, index))
            if len(frames) % PROGRESS_EVERY == 0:
                report(timestamp - begin)
    finally:
        estimator.close()
    return frames, _estimator_name(estimator), source.problems


def _worker_main(
    slot: int,
    path: str,
    factory: EstimatorFactory,
    max_fps: float | None,
    max_width: int | None,
    start: float | None,
    end: float | None,
    messages: Any,
) -> None:
    # A worker reports through ``messages``; its stderr only carries native library chatter
    # that would scramble the parent's progress bar.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        result = _run_segment(
            path,
            factory,
            max_fps,
            max_width,
            start,
            end,
            lambda done: messages.put(("progress", slot, done)),
        )
        messages.put(("done", slot, result))
    except BackcoachError as error:
        messages.put(("error", slot, str(error)))
    except BaseException:
        messages.put(("crash", slot, traceback.format_exc()))


def split_points(info: VideoInfo, workers: int, max_fps: float | None) -> list[float]:
    """Cut times giving ``workers`` segments of about equal length.

    With a frame-rate limit the cuts sit on the limiter's slot boundaries, so the same frames
    are kept as when the video is read in one piece.
    """
    begin = info.start_time
    end = info.start_time + info.duration
    cuts = [begin + (end - begin) * k / workers for k in range(workers + 1)]
    if max_fps is not None:
        cuts[1:-1] = [(math.ceil(c * max_fps) - 1e-3) / max_fps for c in cuts[1:-1]]
    cuts[0] = -math.inf
    cuts[-1] = math.inf
    return cuts


def _run_parallel(
    path: str,
    factory: EstimatorFactory,
    info: VideoInfo,
    max_fps: float | None,
    max_width: int | None,
    workers: int,
    progress: ProgressCallback | None,
) -> tuple[list[PoseFrame], str, list[str]]:
    context = multiprocessing.get_context("spawn")  # fork is unsafe with decoder threads
    messages = context.Queue()
    cuts = split_points(info, workers, max_fps)
    processes = []
    for slot in range(workers):
        start = None if math.isinf(cuts[slot]) else cuts[slot]
        end = None if math.isinf(cuts[slot + 1]) else cuts[slot + 1]
        process = context.Process(
            target=_worker_main,
            args=(slot, path, factory, max_fps, max_width, start, end, messages),
            daemon=True,
        )
        process.start()
        processes.append(process)
    segment_starts = [max(c, info.start_time) for c in cuts[:-1]]
    done_seconds = [0.0] * workers
    results: dict[int, tuple[list[PoseFrame], str, list[str]]] = {}
    try:
        while len(results) < workers:
            try:
                kind, slot, payload = messages.get(timeout=1.0)
            except queue.Empty:
                dead = [p for i, p in enumerate(processes) if not p.is_alive() and i not in results]
                if dead and messages.empty():
                    raise RuntimeError("a pose worker process stopped without a result") from None
                continue
            if kind == "progress":
                done_seconds[slot] = float(payload)
                if progress is not None:
                    progress(min(sum(done_seconds), info.duration), info.duration)
            elif kind == "done":
                results[slot] = payload
                done_seconds[slot] = (
                    min(cuts[slot + 1], info.start_time + info.duration) - segment_starts[slot]
                )
            elif kind == "error":
                raise InputError(str(payload))
            else:
                raise RuntimeError(f"pose worker {slot} failed:\n{payload}")
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join(timeout=5)
    frames = [frame for slot in range(workers) for frame in results[slot][0]]
    problems = [problem for slot in range(workers) for problem in results[slot][2]]
    return frames, results[0][1], problems


def _judge_damage(
    path: str,
    frames: list[PoseFrame],
    info: VideoInfo,
    max_fps: float | None,
    problems: list[str],
) -> str | None:
    """One message for a video that could not all be decoded, or None if it was.

    Raises InputError when less than half of it was readable.
    """
    step = 1.0 / info.fps if info.fps > 0 else 0.0
    if max_fps is not None:
        step = max(step, 1.0 / max_fps)
    read = frames[-1].timestamp - info.start_time + step if frames else 0.0
    if not problems and read >= info.duration - max(0.5, 3 * step):
        return None
    message = (
        f"{path} is damaged or cut short: only {read:.1f} s of {info.duration:.1f} s "
        "could be decoded"
    )
    if info.duration > 0 and read < MIN_READABLE_SHARE * info.duration:
        raise InputError(message)
    return message + "; using what could be read"


def estimate_video(
    path: str,
    estimator_factory: EstimatorFactory,
    max_fps: float | None = None,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    max_width: int | None = None,
    smooth: bool = False,
) -> PoseTrack:
    """Estimate the pose on every frame of a video (at most ``max_fps`` a second).

    ``estimator_factory`` builds one estimator per process; with ``workers > 1`` it must be
    picklable (a class such as ``MediaPipePoseEstimator`` or a ``functools.partial``).
    """
    if workers < 1:
        raise InputError(f"workers must be 1 or more, not {workers}")
    source = VideoFileSource(path, max_fps=max_fps, max_width=max_width)
    info = source.info
    # Splitting a short clip costs more (process start, model load) than it saves.
    if workers > 1 and info.duration >= 2.0 * workers:
        frames, name, problems = _run_parallel(
            str(path), estimator_factory, info, max_fps, max_width, workers, progress
        )
    else:

        def report(done: float) -> None:
            if progress is not None:
                progress(min(done, info.duration), info.duration)

        frames, name, problems = _run_segment(
            str(path), estimator_factory, max_fps, max_width, None, None, report
        )
    if progress is not None:
        progress(info.duration, info.duration)
    verdict = _judge_damage(str(path), frames, info, max_fps, problems)
    problems = [verdict] if verdict else []
    if smooth:
        frames = smooth_frames(frames)
    return PoseTrack(
        frames=frames,
        width=info.width,
        height=info.height,
        fps=info.fps,
        duration=info.duration,
        source=str(path),
        rotation=info.rotation,
        estimator=name,
        problems=problems,
    )
