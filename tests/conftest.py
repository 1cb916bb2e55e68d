"""Fixtures shared by several test files.

``footage_poses``: the real pose model's landmarks of every manifest clip, computed once per
test session (15 frames a second on frames at most 640 px wide, two processes; clips of the
avoided movements only up to 25 s, where they show within seconds). The analysis tests of
every exercise read from it, so no clip is posed twice.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from backcoach.analysis.engine import ANALYSIS
from backcoach.analysis.footage import read_manifest
from backcoach.pose.frame import PoseFrame

FOOTAGE = Path(__file__).resolve().parents[1].parent / "shared" / "footage"
MANIFEST = FOOTAGE / "manifest.csv"
FOOTAGE_FPS = ANALYSIS.fps
FOOTAGE_MAX_WIDTH = ANALYSIS.max_width
AVOIDED_MOVEMENTS = ("sit_up", "leg_raise", "toe_touch")
AVOIDED_SECONDS = 25.0


def footage_manifest() -> list[dict[str, str]]:
    return read_manifest(MANIFEST)


def _estimate(path: str, end: float | None) -> list[PoseFrame]:
    from backcoach.pose.mediapipe_backend import MediaPipePoseEstimator
    from backcoach.pose.sources import VideoFileSource

    source = VideoFileSource(path, max_fps=FOOTAGE_FPS, max_width=FOOTAGE_MAX_WIDTH, end=end)
    with MediaPipePoseEstimator() as estimator:
        return [estimator.estimate(rgb, t, i) for t, i, rgb in source]


@pytest.fixture(scope="session")
def footage_poses() -> dict[str, list[PoseFrame]]:
    """Every clip's poses by manifest file name, longest first so both processes end together."""
    rows = footage_manifest()
    if not rows:
        pytest.skip(f"no footage at {FOOTAGE}")

    def end_of(row: dict[str, str]) -> float | None:
        return AVOIDED_SECONDS if row["movement"] in AVOIDED_MOVEMENTS else None

    rows.sort(key=lambda row: -min(float(row["duration_s"]), end_of(row) or float("inf")))
    # spawn, not fork: the test process may already hold MediaPipe and server threads.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = {
            row["file"]: pool.submit(_estimate, str(FOOTAGE / row["file"]), end_of(row))
            for row in rows
        }
        return {name: future.result() for name, future in futures.items()}
