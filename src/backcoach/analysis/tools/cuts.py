"""Scene cuts: every landmark jumps at once between two frames."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backcoach.analysis.settings import ANALYSIS
from backcoach.analysis.tools.visibility import MAX_FRAME_GAP
from backcoach.pose.frame import FloatArray, PoseFrame

# CutDetector's ``jump`` is for frames one analysis frame apart; further apart, a body moves
# further, so more is allowed in proportion.
JUMP_RATE = ANALYSIS.fps


# Landmarks that move together when the whole picture changes (a cut) but not all at once
# in any real movement: shoulders, hips, knees, ankles.
_CUT_LANDMARKS = (11, 12, 23, 24, 25, 26, 27, 28)
_CUT_INDEX = list(_CUT_LANDMARKS)


@dataclass(frozen=True)
class _Seen:
    """What the detector keeps of the last frame with a person: worked out once per frame."""

    time: float
    points: FloatArray  # the cut landmarks, in pixels
    size: float | None  # shoulder-to-hip length in pixels


def _body_size(pixels: FloatArray) -> float | None:
    shoulders = (pixels[11] + pixels[12]) / 2
    hips = (pixels[23] + pixels[24]) / 2
    size = float(np.linalg.norm(shoulders - hips))
    return size if np.isfinite(size) and size > 1.0 else None


class CutDetector:
    """Tells a scene cut from movement: every landmark jumps at once between two frames.

    The jump is measured in body sizes (shoulder-to-hip length). A person moves a limb fast,
    but the hips, shoulders, knees and ankles never all move a large part of a torso length
    within one frame; a cut to another camera angle or a zoom does exactly that. A change of
    the apparent body size by more than ``scale_ratio`` also counts (a cut to a close-up),
    and so does a gap in the stream longer than ``max_gap`` seconds.
    """

    def __init__(
        self, *, jump: float = 0.15, scale_ratio: float = 1.3, max_gap: float = MAX_FRAME_GAP
    ) -> None:
        self.jump = jump
        self.scale_ratio = scale_ratio
        self.max_gap = max_gap
        self._prev: _Seen | None = None
        self._prev_time: float | None = None
        self.cuts: list[float] = []

    @staticmethod
    def body_size(frame: PoseFrame) -> float | None:
        return _body_size(frame.pixels())

    def update(self, frame: PoseFrame) -> bool:
        """True when this frame starts a new scene."""
        time = frame.timestamp
        gap = self._prev_time is not None and time - self._prev_time > self.max_gap
        self._prev_time = time
        if not frame.detected:
            return bool(gap)
        pixels = frame.pixels()
        cur = _Seen(time, pixels[_CUT_INDEX], _body_size(pixels))
        prev, self._prev = self._prev, cur
        if prev is None:
            return False
        cut = bool(gap) or self._jumped(prev, cur, time - prev.time)
        if cut:
            self.cuts.append(time)
        return cut

    def _jumped(self, prev: _Seen, cur: _Seen, dt: float) -> bool:
        size_a, size_b = prev.size, cur.size
        if size_a is None or size_b is None:
            return False
        ratio = max(size_a, size_b) / min(size_a, size_b)
        if ratio > self.scale_ratio:
            return True
        moves = np.linalg.norm(cur.points - prev.points, axis=1)
        moves = moves[np.isfinite(moves)]
        if moves.size < 4:
            return False
        # The smallest moves decide: a cut moves even the landmarks that were still. A body
        # moves further between frames that are further apart, so the jump allowed grows with
        # the time between them (``jump`` is for frames one analysis frame apart, or closer).
        quiet = float(np.sort(moves)[moves.size // 4])
        allowed = self.jump * max(1.0, dt * JUMP_RATE)
        return quiet / min(size_a, size_b) > allowed

    def reset(self) -> None:
        self._prev = None
        self._prev_time = None
