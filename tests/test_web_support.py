"""Shared helpers for the web tests: a real journal in a temp dir, fakes for time and pose."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi import FastAPI

from backcoach.analysis.events import AnalyzerState, Event, EventKind
from backcoach.catalog.loader import load_catalog
from backcoach.journal.store import JournalStore
from backcoach.planning.screening import QUESTIONS
from backcoach.player.clock import FakeClock
from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks import LANDMARK_COUNT, Landmark
from backcoach.web.app import create_app
from backcoach.web.live import encode_frame
from backcoach.web.settings import WebSettings

ORIGIN = "http://127.0.0.1:8000"
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class MovableNow:
    """The wall clock the app reads for journal times; tests move it."""

    def __init__(self, start: datetime = START) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


def side_view_frame(t: float, index: int = 0, *, width: int = 320, height: int = 180) -> PoseFrame:
    """A person lying on their back seen from the side: every landmark visible, in frame."""
    image = np.zeros((LANDMARK_COUNT, 3))
    image[:, 0] = np.linspace(0.15, 0.85, LANDMARK_COUNT)
    image[:, 1] = 0.7
    for lm, x in (
        (Landmark.LEFT_SHOULDER, 0.3),
        (Landmark.RIGHT_SHOULDER, 0.31),
        (Landmark.LEFT_HIP, 0.55),
        (Landmark.RIGHT_HIP, 0.56),
    ):
        image[lm, 0] = x
    return PoseFrame(
        timestamp=t,
        image=image,
        world=np.zeros((LANDMARK_COUNT, 3)),
        visibility=np.ones(LANDMARK_COUNT),
        width=width,
        height=height,
        index=index,
    )


@dataclass
class FakeEstimator:
    """Returns a side-view pose for every image, after ``delay`` seconds of 'work'."""

    delay: float = 0.0
    seen_timestamps: list[float] = field(default_factory=list)
    closed: bool = False

    def estimate(self, rgb: Any, timestamp: float, index: int = 0) -> PoseFrame:
        if self.delay:
            time.sleep(self.delay)
        self.seen_timestamps.append(timestamp)
        height, width = rgb.shape[:2]
        return side_view_frame(timestamp, index, width=width, height=height)

    def close(self) -> None:
        self.closed = True


class ScriptedAnalyzer:
    """Counts a rep on every ``every``-th frame (a stand-in for the logic-level tests)."""

    def __init__(self, exercise_id: str, every: int = 3) -> None:
        self.exercise_id = exercise_id
        self.every = every
        self.frames = 0
        self.reps = 0

    def update(self, frame: PoseFrame) -> list[Event]:
        self.frames += 1
        if self.frames % self.every:
            return []
        self.reps += 1
        return [
            Event(EventKind.HOLD_ENDED, frame.timestamp, duration=1.5),
            Event(EventKind.REP_COMPLETED, frame.timestamp, side="both", duration=2.0),
        ]

    def finish(self, time: float) -> list[Event]:
        return []

    @property
    def state(self) -> AnalyzerState:
        return AnalyzerState(phase="down", reps=self.reps)


def jpeg_message(client_ms: float, width: int = 64, height: int = 36) -> bytes:
    image = np.full((height, width, 3), 128, dtype=np.uint8)
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return encode_frame(client_ms, data.tobytes())


@dataclass
class WebHarness:
    app: FastAPI
    store: JournalStore
    clock: FakeClock
    now: MovableNow
    estimator: FakeEstimator
    upload_dir: Path


def make_harness(
    tmp_path: Path,
    *,
    estimator_delay: float = 0.0,
    analyzer_every: int = 3,
    analyze: Callable[[Path, str | None, Callable[[float], None]], dict[str, Any]] | None = None,
    **settings: Any,
) -> WebHarness:
    store = JournalStore.open(f"sqlite:///{tmp_path / 'journal.sqlite3'}")
    clock = FakeClock()
    now = MovableNow()
    estimator = FakeEstimator(delay=estimator_delay)
    upload_dir = tmp_path / "uploads"
    upload_dir.mkdir()
    web_settings = WebSettings(upload_dir=upload_dir, state_interval_seconds=0.05, **settings)
    app = create_app(
        web_settings,
        store,
        load_catalog(),
        clock=clock,
        now=now,
        estimator_factory=lambda: estimator,
        analyzer_factory=lambda exercise_id, _dose: ScriptedAnalyzer(exercise_id, analyzer_every),
        analyze=analyze,
    )
    return WebHarness(app, store, clock, now, estimator, upload_dir)


def screen_answers(yes: tuple[str, ...] = (), caution: bool = True) -> dict[str, str]:
    answers = {q.id: ("yes" if q.id in yes else "no") for q in QUESTIONS}
    if caution:
        answers["caution"] = "yes"
    return answers


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[WebHarness]:
    h = make_harness(tmp_path)
    yield h
    h.store.close()


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError("condition not reached in time")


__all__ = ["ORIGIN", "threading"]
