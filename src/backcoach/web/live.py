"""The live pipeline: webcam frames (or the page's own landmarks) in over a WebSocket,
landmarks and analysis state out.

Where the page runs the pose model itself it sends landmarks as text messages
(``web.landmark_message``) and no picture. Otherwise it sends each frame as one binary
message: 8 bytes of little-endian float64 (the page's capture time in milliseconds) followed
by a JPEG. The server keeps only the newest message that is waiting: when the worker is still
busy with the previous one, a newer one replaces the waiting one and the replaced one is
counted as dropped. There is never a queue, so the answer always describes the person as they
are now, not as they were a second ago.

Only one browser tab may run the live coach at a time; a second tab gets a clear message.
Frames live in memory only, unless the person turned saving on.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import statistics
import struct
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from backcoach.analysis.engine import AnalysisSession
from backcoach.analysis.events import Analyzer, Event
from backcoach.catalog.schema import Dose
from backcoach.errors import InputError
from backcoach.files import make_private_dir, write_private
from backcoach.pose.estimator import PoseEstimator, RGBImage
from backcoach.pose.frame import PoseFrame
from backcoach.web.landmark_message import check_landmarks, to_pose_frame

HEADER = struct.Struct("<d")
ALREADY_OPEN = (
    "backcoach is already open in another tab. Close this tab and use the other one, "
    "or close the other one and reload this page."
)
CLOSE_BUSY = 4409  # WebSocket close code for "another tab has the live coach"
CLOSE_ORIGIN = 4403
CLOSE_REPLACED = 4000
STATS_WINDOW = 100  # frames the reported server time is taken over
MAX_FRAME_PIXELS = 4_000_000  # a 2560×1440 frame fits; the page sends 320 px wide ones

EstimatorFactory = Callable[[], PoseEstimator]
AnalyzerFactory = Callable[[str], Analyzer]
# What the app is given: the planned dose (bird-dog stage, hold target) goes with the id.
PlannedAnalyzerFactory = Callable[[str, Dose | None], Analyzer]


def decode_frame(message: bytes) -> tuple[float, RGBImage]:
    """Split a frame message into the page's capture time (ms) and an RGB image.

    The time must be a finite number and the JPEG's size (read from its header, before any
    decoding) at most MAX_FRAME_PIXELS.
    """
    if len(message) <= HEADER.size:
        raise InputError("A live frame message is too short to hold an image.")
    (client_ms,) = HEADER.unpack_from(message)
    if not math.isfinite(client_ms):
        raise InputError("A live frame's capture time is not a number.")
    _check_frame_size(message)
    data = np.frombuffer(message, dtype=np.uint8, offset=HEADER.size)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if bgr is None:
        raise InputError("A live frame could not be decoded as an image.")
    rgb: RGBImage = np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)
    return float(client_ms), rgb


def _check_frame_size(message: bytes) -> None:
    try:
        with Image.open(io.BytesIO(message[HEADER.size :]), formats=["JPEG"]) as picture:
            width, height = picture.size
    except Image.DecompressionBombError as error:
        raise _too_large("A live frame") from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise InputError("A live frame could not be decoded as an image.") from error
    if width * height > MAX_FRAME_PIXELS:
        raise _too_large(f"A live frame of {width}×{height} pixels")


def _too_large(what: str) -> InputError:
    return InputError(
        f"{what} is larger than the coach accepts "
        f"({MAX_FRAME_PIXELS // 1_000_000} million pixels at most)."
    )


def encode_frame(client_ms: float, jpeg: bytes) -> bytes:
    """The message the page (or the latency bench) sends for one frame."""
    return HEADER.pack(client_ms) + jpeg


@dataclass
class PendingFrame:
    """A camera frame (bytes) or a landmark message (a JSON object) waiting for the worker."""

    message: bytes | dict[str, Any]
    received_at: float


class LatestFrameSlot:
    """Holds at most one waiting frame; a newer frame replaces it and counts a drop."""

    def __init__(self) -> None:
        self._frame: PendingFrame | None = None
        self._ready = asyncio.Event()
        self.dropped = 0

    def put(self, frame: PendingFrame) -> None:
        if self._frame is not None:
            self.dropped += 1
        self._frame = frame
        self._ready.set()

    async def take(self) -> PendingFrame:
        while self._frame is None:
            self._ready.clear()
            await self._ready.wait()
        frame, self._frame = self._frame, None
        self._ready.clear()
        return frame


@dataclass
class LiveStats:
    received: int = 0
    processed: int = 0
    dropped: int = 0
    rejected: int = 0
    server_ms: deque[float] = field(default_factory=lambda: deque(maxlen=STATS_WINDOW))

    def to_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "processed": self.processed,
            "dropped": self.dropped,
            "rejected": self.rejected,
            "server_ms_p50": self.server_ms_median(),
        }

    def server_ms_median(self) -> float | None:
        # Sent with every answer: the standard library's median sorts a hundred floats;
        # numpy's percentile was half the server's work per landmark message.
        return round(statistics.median(self.server_ms), 2) if self.server_ms else None


class FrameSaver:
    """Writes received frames as JPEG files, readable by their owner only (0600 in a 0700
    folder); only used when the person turned saving on."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory / time.strftime("live-%Y%m%d-%H%M%S")
        make_private_dir(self.directory)
        self._count = 0

    def save(self, message: bytes) -> None:
        self._count += 1
        write_private(self.directory / f"{self._count:06d}.jpg", message[HEADER.size :])


def landmarks_payload(frame: PoseFrame) -> list[list[float]] | None:
    if not frame.detected:
        return None
    rows = np.column_stack([frame.image[:, :2], frame.visibility])
    return [[round(float(v), 4) for v in row] for row in rows]


class LivePipeline:
    """Pose and the analysis engine (with the current exercise's analyzer) for one stream.

    Two kinds of message reach it: camera frames (the pose model runs here) and landmarks
    from a page that runs the model itself (:mod:`backcoach.web.landmark_message`). Both go
    through the same ``AnalysisSession``. The pose model is made at once when ``preload``,
    else only when the first frame arrives, so a page that sends landmarks costs no model.

    ``process`` and ``process_landmarks`` run in a worker thread, one message at a time;
    nothing else touches the estimator or the analyzer, so they need no locking.
    """

    def __init__(
        self,
        estimator_factory: EstimatorFactory,
        analyzer_factory: AnalyzerFactory | None,
        *,
        preload: bool = True,
    ) -> None:
        self._estimator_factory = estimator_factory
        self._estimator: PoseEstimator | None = estimator_factory() if preload else None
        self._analyzer_factory = analyzer_factory
        self._exercise_id: str | None = None
        self._analysis = AnalysisSession(None, analyzer_factory=self._planned_analyzer)
        self._index = 0
        self._first_ms: float | None = None
        self._last_t = -1.0
        self._last_landmark_ms: float | None = None

    @property
    def model_loaded(self) -> bool:
        return self._estimator is not None

    def _timestamp(self, client_ms: float) -> float:
        """Seconds since the stream began, from the page's capture clock, always increasing."""
        if self._first_ms is None:
            self._first_ms = client_ms
        t = (client_ms - self._first_ms) / 1000.0
        if t <= self._last_t:
            t = self._last_t + 1e-3
        self._last_t = t
        return t

    def switch(self, exercise_id: str | None) -> None:
        """Follow a new exercise: a fresh analyzer (movement does not carry over)."""
        if exercise_id == self._exercise_id:
            return
        self._exercise_id = exercise_id
        self._analysis.switch(exercise_id if self._analyzer_factory is not None else None)

    def _planned_analyzer(self, exercise_id: str, _dose: Dose | None) -> Analyzer:
        assert self._analyzer_factory is not None  # the session is only switched when set
        return self._analyzer_factory(exercise_id)

    def process(
        self, message: bytes, exercise_id: str | None
    ) -> tuple[dict[str, Any], list[Event]]:
        """A camera frame: pose here, then analysis."""
        started = time.perf_counter()
        client_ms, rgb = decode_frame(message)
        if self._estimator is None:
            self._estimator = self._estimator_factory()
        self.switch(exercise_id)
        t = self._timestamp(client_ms)
        frame = self._estimator.estimate(rgb, t, self._index)
        return self._analyse(frame, client_ms, started, send_landmarks=True)

    def process_landmarks(
        self, data: dict[str, Any], exercise_id: str | None
    ) -> tuple[dict[str, Any], list[Event]]:
        """Landmarks from the page's own pose model (``read_text_message``'s object): checked,
        then the same analysis."""
        started = time.perf_counter()
        message = check_landmarks(data)
        if self._last_landmark_ms is not None and message.t < self._last_landmark_ms:
            raise InputError("A landmark message's capture time went backwards.")
        self._last_landmark_ms = message.t
        self.switch(exercise_id)
        frame = to_pose_frame(message, self._timestamp(message.t), self._index)
        # The page draws its own landmarks: they are not sent back.
        return self._analyse(frame, message.t, started, send_landmarks=False)

    def _analyse(
        self, raw: PoseFrame, client_ms: float, started: float, *, send_landmarks: bool
    ) -> tuple[dict[str, Any], list[Event]]:
        update = self._analysis.update(raw)
        frame = update.frame
        self._index += 1
        events: list[Event] = list(update.events)
        result: dict[str, Any] = {
            "type": "pose",
            "client_t": client_ms,
            "t": round(frame.timestamp, 3),
            "exercise_id": self._exercise_id,
            "width": frame.width,
            "height": frame.height,
            "landmarks": landmarks_payload(frame) if send_landmarks else None,
            "detected": frame.detected,
        }
        result["position"] = update.position.value
        result["in_start_position"] = update.in_start_position
        state = update.state
        if state is not None:
            result["analysis"] = {
                "phase": state.phase,
                "reps": state.reps,
                "side": state.side,
                "hold_seconds": state.hold_seconds,
                "seen": state.seen,
                "missing": list(state.missing),
                "message": state.message,
                "driving_value": state.driving_value,
                "driving_label": state.driving_label,
            }
        result["events"] = [event.to_dict() for event in events]
        result["server_ms"] = round((time.perf_counter() - started) * 1000.0, 2)
        return result, events

    def close(self) -> None:
        if self._estimator is not None:
            self._estimator.close()


class TabLock:
    """Lets one browser tab at a time run the live coach.

    The same tab (same id, kept in the tab's sessionStorage) may reconnect and take over its
    own earlier connection, e.g. after a reload; a different tab is refused.
    """

    def __init__(self) -> None:
        self._owner: str | None = None
        self._on_replace: Callable[[], None] | None = None

    @property
    def owner(self) -> str | None:
        return self._owner

    def acquire(self, tab_id: str, on_replace: Callable[[], None]) -> bool:
        if self._owner is not None and self._owner != tab_id:
            return False
        if self._owner == tab_id and self._on_replace is not None:
            self._on_replace()
        self._owner = tab_id
        self._on_replace = on_replace
        return True

    def release(self, tab_id: str, on_replace: Callable[[], None]) -> None:
        if self._owner == tab_id and self._on_replace == on_replace:
            self._owner = None
            self._on_replace = None


class Sender:
    """Serialises sends from the frame worker and the state ticker onto one WebSocket."""

    def __init__(self, send_text: Callable[[str], Any]) -> None:
        self._send_text = send_text
        self._lock = asyncio.Lock()

    async def send(self, payload: dict[str, Any]) -> None:
        async with self._lock:
            await self._send_text(json.dumps(payload))


def new_executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="backcoach-live")


async def run_in(executor: ThreadPoolExecutor, fn: Callable[[], Any]) -> Any:
    return await asyncio.get_running_loop().run_in_executor(executor, fn)
