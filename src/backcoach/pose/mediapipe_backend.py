"""The MediaPipe BlazePose backend: the only module that imports mediapipe.

Uses ``mp.solutions.pose`` with the full landmark model bundled in the mediapipe 0.10.21
wheel, so nothing is downloaded at run time. ``MediaPipePersonDetector`` runs that solution's
person detector alone, to count people.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from backcoach.pose.estimator import RGBImage
from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks import LANDMARK_COUNT
from backcoach.pose.picture import Picture, PictureBounds


def from_mediapipe(
    results: Any,
    timestamp: float,
    width: int,
    height: int,
    index: int = 0,
    picture: Picture | None = None,
) -> PoseFrame:
    """Adapt a ``mp.solutions.pose`` result to a PoseFrame. ``picture``: the part of the
    frame that was posed, when black bars were cut off."""
    if results is None or results.pose_landmarks is None:
        return PoseFrame.empty(timestamp, width, height, index)
    image = np.array(
        [(lm.x, lm.y, lm.z) for lm in results.pose_landmarks.landmark], dtype=np.float64
    )
    if picture is not None and not picture.is_whole:
        image = picture.to_frame(image)
    visibility = np.array(
        [lm.visibility for lm in results.pose_landmarks.landmark], dtype=np.float64
    )
    if results.pose_world_landmarks is not None:
        world = np.array(
            [(lm.x, lm.y, lm.z) for lm in results.pose_world_landmarks.landmark],
            dtype=np.float64,
        )
    else:
        world = np.full((LANDMARK_COUNT, 3), np.nan)
    return PoseFrame(
        timestamp=timestamp,
        image=image,
        world=world,
        visibility=visibility,
        width=width,
        height=height,
        index=index,
    )


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence the C++ start-up chatter (TFLite, absl) that mediapipe writes straight to fd 2.

    Only the model's start-up runs inside it (up to the first frame with a person), so native
    messages after that still show.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@contextlib.contextmanager
def native_logs_silenced() -> Iterator[TextIO]:
    """For a front end: silence everything written to fd 2 (mediapipe's C++ logging, which
    comes from its own threads at unpredictable moments) and yield a stream that still reaches
    the real stderr, for progress bars and messages.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    stream = os.fdopen(os.dup(saved), "w", buffering=1, encoding="utf-8", errors="replace")
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield stream
    finally:
        stream.flush()
        os.dup2(saved, 2)
        os.close(saved)
        stream.close()


class MediaPipePoseEstimator:
    """BlazePose full model via ``mp.solutions.pose`` (tracking mode, one person).

    Black bars round the picture are cut off, and a picture turned inside black corners is
    turned back upright, before posing (see ``backcoach.pose.picture``).

    With ``people_every`` (seconds), a person detector also counts the people in the picture
    at most that often and every frame carries the latest count in ``extras["people"]``.
    """

    name = "mediapipe-blazepose-full"

    def __init__(
        self,
        model_complexity: int = 1,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        static_image_mode: bool = False,
        people_every: float | None = None,
    ) -> None:
        self._people_every = people_every
        self._people: MediaPipePersonDetector | None = None
        self._people_count = 0
        self._people_checked_at: float | None = None
        with _quiet_native_stderr():
            import mediapipe as mp  # imported here so that importing backcoach stays cheap

            self._pose = mp.solutions.pose.Pose(
                static_image_mode=static_image_mode,
                model_complexity=model_complexity,
                smooth_landmarks=True,
                enable_segmentation=False,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
        self._started = False
        self._calls = 0
        self._picture = PictureBounds()

    def estimate(self, rgb: RGBImage, timestamp: float, index: int = 0) -> PoseFrame:
        height, width = rgb.shape[:2]
        picture = self._picture.update(rgb)
        image = np.ascontiguousarray(picture.cut(rgb))
        if self._started:
            results = self._pose.process(image)
        else:
            # The landmark model starts (and logs) on the first frame with a person in it.
            with _quiet_native_stderr():
                results = self._pose.process(image)
            self._calls += 1
            self._started = results.pose_landmarks is not None and self._calls >= 2
        frame = from_mediapipe(results, timestamp, width, height, index, picture)
        if self._people_every is not None:
            frame.extras["people"] = self._count_people(image, timestamp)
        return frame

    def _count_people(self, image: RGBImage, timestamp: float) -> int:
        from backcoach.pose.people import people_in_frame

        last = self._people_checked_at
        assert self._people_every is not None
        if last is None or not 0 <= timestamp - last < self._people_every:
            if self._people is None:
                self._people = MediaPipePersonDetector()
            self._people_count = people_in_frame(image, self._people)
            self._people_checked_at = timestamp
        return self._people_count

    def close(self) -> None:
        self._pose.close()
        if self._people is not None:
            self._people.close()

    def __enter__(self) -> MediaPipePoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# BlazePose's own person detector (the first stage of mp.solutions.pose), run on its own. The
# pose solution tracks one person; the detector can return several, which is how backcoach
# notices a second person in the picture.
_PERSON_DETECTOR_NODE = "PoseDetectionCpu"  # a subgraph registered by mp.solutions.pose


@dataclass(frozen=True)
class PersonBox:
    """One person found by the detector: score 0..1 and a box normalised to the image."""

    score: float
    x: float
    y: float
    width: float
    height: float


class MediaPipePersonDetector:
    """Finds people (not their landmarks) with BlazePose's bundled detection model.

    The model looks for a face and upper body, so people far away or turned away may be
    missed: a count is a lower bound.
    """

    name = "mediapipe-blazepose-detector"

    def __init__(self) -> None:
        with _quiet_native_stderr():
            from mediapipe.framework import calculator_pb2
            from mediapipe.python.solution_base import SolutionBase

            config = calculator_pb2.CalculatorGraphConfig()
            config.input_stream.append("image")
            config.output_stream.append("detections")
            node = config.node.add()
            node.calculator = _PERSON_DETECTOR_NODE
            node.input_stream.append("IMAGE:image")
            node.output_stream.append("DETECTIONS:detections")
            self._graph = SolutionBase(graph_config=config, outputs=["detections"])
            self._graph.process({"image": np.zeros((64, 64, 3), dtype=np.uint8)})

    def detect(self, rgb: RGBImage) -> list[PersonBox]:
        results = self._graph.process({"image": np.ascontiguousarray(rgb)})
        boxes = []
        for detection in results.detections or []:
            box = detection.location_data.relative_bounding_box
            boxes.append(
                PersonBox(float(detection.score[0]), box.xmin, box.ymin, box.width, box.height)
            )
        return sorted(boxes, key=lambda person: -person.score)

    def close(self) -> None:
        self._graph.close()

    def __enter__(self) -> MediaPipePersonDetector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
