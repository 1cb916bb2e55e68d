"""The estimator protocol: an image in, a pose out. Backends live in their own modules."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from backcoach.pose.frame import PoseFrame

RGBImage = npt.NDArray[np.uint8]


class PoseEstimator(Protocol):
    """Estimates one person's pose per image. Stateful (tracks between frames): one per stream."""

    def estimate(self, rgb: RGBImage, timestamp: float, index: int = 0) -> PoseFrame: ...

    def close(self) -> None: ...
