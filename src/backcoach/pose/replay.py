"""An estimator that answers from a saved landmarks file instead of running the model."""

from __future__ import annotations

import bisect
import dataclasses
from pathlib import Path

from backcoach.pose.estimator import RGBImage
from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks_io import load_landmarks
from backcoach.pose.track import PoseTrack


class ReplayEstimator:
    """Gives back the saved frame for an index, or else the nearest saved timestamp.

    A timestamp further than half a frame from any saved one gives an undetected frame, so a
    replay never invents a pose that was not saved.
    """

    name = "replay"

    def __init__(self, landmarks: str | Path | PoseTrack, tolerance: float | None = None) -> None:
        self.track = landmarks if isinstance(landmarks, PoseTrack) else load_landmarks(landmarks)
        self._frames = sorted(self.track.frames, key=lambda frame: frame.timestamp)
        self._times = [frame.timestamp for frame in self._frames]
        self._by_index = {frame.index: frame for frame in self.track.frames}
        if tolerance is None:
            fps = self.track.fps if self.track.fps > 0 else 30.0
            tolerance = 0.5 / fps
        self.tolerance = tolerance

    def frames(self) -> list[PoseFrame]:
        """All saved frames in time order (to re-run analysis without any video)."""
        return list(self._frames)

    def _nearest(self, timestamp: float) -> PoseFrame | None:
        position = bisect.bisect_left(self._times, timestamp)
        candidates = [p for p in (position - 1, position) if 0 <= p < len(self._times)]
        if not candidates:
            return None
        best = min(candidates, key=lambda p: abs(self._times[p] - timestamp))
        if abs(self._times[best] - timestamp) > self.tolerance + 1e-9:
            return None
        return self._frames[best]

    def estimate(self, rgb: RGBImage | None, timestamp: float, index: int = 0) -> PoseFrame:
        saved = self._by_index.get(index)
        if saved is None or abs(saved.timestamp - timestamp) > self.tolerance + 1e-9:
            saved = self._nearest(timestamp)
        if saved is None:
            return PoseFrame.empty(timestamp, self.track.width, self.track.height, index)
        return dataclasses.replace(saved, timestamp=timestamp, index=index)

    def close(self) -> None:
        """Nothing to release; present for the estimator protocol."""
