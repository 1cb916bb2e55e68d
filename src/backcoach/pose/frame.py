"""One pose per video frame: 33 landmarks in image and world coordinates.

Following supervision's style, a frame is one dataclass of numpy arrays; adapters
(``from_mediapipe`` in the estimator module, ``from_dict`` for saved landmarks) build it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from backcoach.pose.landmarks import LANDMARK_COUNT

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PoseFrame:
    """The pose seen in one frame.

    ``image``: (33, 3) x, y normalised to the image width and height (0..1, y down), z relative
    depth. ``world``: (33, 3) metres, origin between the hips. ``visibility``: (33,) 0..1.
    A frame with ``detected=False`` has nobody in it; its arrays are NaN.
    """

    timestamp: float
    image: FloatArray
    world: FloatArray
    visibility: FloatArray
    width: int
    height: int
    index: int = 0
    detected: bool = True
    extras: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def empty(cls, timestamp: float, width: int, height: int, index: int = 0) -> PoseFrame:
        nan3 = np.full((LANDMARK_COUNT, 3), np.nan)
        return cls(
            timestamp=timestamp,
            image=nan3,
            world=nan3.copy(),
            visibility=np.zeros(LANDMARK_COUNT),
            width=width,
            height=height,
            index=index,
            detected=False,
        )

    def pixels(self) -> FloatArray:
        """Image landmarks in pixels, (33, 2), aspect ratio preserved (for angles)."""
        return self.image[:, :2] * np.array([self.width, self.height], dtype=np.float64)

    def visible(self, indices: tuple[int, ...] | list[int], threshold: float = 0.5) -> bool:
        return self.detected and bool(np.all(self.visibility[list(indices)] >= threshold))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "t": round(self.timestamp, 4),
            "i": self.index,
            "detected": self.detected,
        }
        if self.detected:
            data["image"] = np.round(self.image, 5).tolist()
            data["world"] = np.round(self.world, 5).tolist()
            data["visibility"] = np.round(self.visibility, 4).tolist()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], width: int, height: int) -> PoseFrame:
        if not data.get("detected", False):
            return cls.empty(float(data["t"]), width, height, int(data.get("i", 0)))
        return cls(
            timestamp=float(data["t"]),
            image=np.asarray(data["image"], dtype=np.float64).reshape(LANDMARK_COUNT, 3),
            world=np.asarray(data["world"], dtype=np.float64).reshape(LANDMARK_COUNT, 3),
            visibility=np.asarray(data["visibility"], dtype=np.float64).reshape(LANDMARK_COUNT),
            width=width,
            height=height,
            index=int(data.get("i", 0)),
        )
