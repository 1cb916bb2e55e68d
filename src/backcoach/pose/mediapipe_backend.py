"""The MediaPipe BlazePose backend: the only module that imports mediapipe.

Uses ``mp.solutions.pose`` with the full landmark model bundled in the mediapipe 0.10.21
wheel, so nothing is downloaded at run time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backcoach.pose.estimator import RGBImage
from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks import LANDMARK_COUNT


def from_mediapipe(
    results: Any, timestamp: float, width: int, height: int, index: int = 0
) -> PoseFrame:
    """Adapt a ``mp.solutions.pose`` result to a PoseFrame."""
    if results is None or results.pose_landmarks is None:
        return PoseFrame.empty(timestamp, width, height, index)
    image = np.array(
        [(lm.x, lm.y, lm.z) for lm in results.pose_landmarks.landmark], dtype=np.float64
    )
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


class MediaPipePoseEstimator:
    """BlazePose full model via ``mp.solutions.pose`` (tracking mode, one person)."""

    name = "mediapipe-blazepose-full"

    def __init__(
        self,
        model_complexity: int = 1,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        static_image_mode: bool = False,
    ) -> None:
        import mediapipe as mp  # imported here so that importing backcoach stays cheap

        self._pose = mp.solutions.pose.Pose(
            static_image_mode=static_image_mode,
            model_complexity=model_complexity,
            smooth_landmarks=True,
            enable_segmentation=False,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )

    def estimate(self, rgb: RGBImage, timestamp: float, index: int = 0) -> PoseFrame:
        height, width = rgb.shape[:2]
        results = self._pose.process(np.ascontiguousarray(rgb))
        return from_mediapipe(results, timestamp, width, height, index)

    def close(self) -> None:
        self._pose.close()

    def __enter__(self) -> MediaPipePoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
