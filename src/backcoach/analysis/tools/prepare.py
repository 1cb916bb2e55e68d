"""Raw poses made ready for judging: scene cuts marked, landmarks smoothed."""

from __future__ import annotations

import dataclasses

from backcoach.analysis.tools.cuts import CutDetector
from backcoach.pose.frame import PoseFrame
from backcoach.pose.smoothing import LandmarkSmoother


class FramePreparer:
    """Marks scene cuts (``extras["scene_cut"]``) and smooths the landmarks, frame by frame.

    Cuts are found on the raw poses, before smoothing would blur the jump, and the smoother
    restarts at each cut so the new scene is not pulled towards the old one. A frame already
    marked as a cut counts as one.
    """

    def __init__(self, smooth: bool = True) -> None:
        self.smooth = smooth
        self._cuts = CutDetector()
        self._smoother = LandmarkSmoother()

    def prepare(self, raw: PoseFrame) -> tuple[PoseFrame, bool]:
        """The frame to judge, and whether it starts a new scene."""
        cut = self._cuts.update(raw) or bool(raw.extras.get("scene_cut", False))
        if cut:
            self._smoother.reset()
        frame = self._smoother.update(raw) if self.smooth else raw
        if cut:
            frame = dataclasses.replace(frame, extras={**frame.extras, "scene_cut": True})
        return frame, cut
