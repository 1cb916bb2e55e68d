"""Where "up" is when the camera is not level, from the hands and feet resting on the floor.

MediaPipe's world axes turn with the camera: filmed with the phone propped a little askew,
lying flat reads as lying on a slope, and angles to the floor are off by the camera's tilt.
Lying face down, in a press-up, a sphinx or on all fours, the hands, knees and feet are on
the floor, so the line from the feet to the hands lies along it and its angle to the
camera's horizontal is the camera's tilt. The median over the last few seconds is kept, so a
hand lifted for a moment does not move the floor, and kept while there is no new reading
(the camera does not turn by itself; a cut to another angle resets it). A reading counts
only with the knees on that line too: kneeling up with the hands on the thighs, in a plank or
standing they are well off it. A line steeper than a camera is ever turned says nothing
about the floor either.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from backcoach.analysis.events import Event
from backcoach.analysis.tools.hysteresis import Resettable
from backcoach.pose.frame import FloatArray, PoseFrame
from backcoach.pose.geometry import elevation, midpoint
from backcoach.pose.landmarks import Landmark as L

MAX_TILT = 25.0  # degrees: a steeper feet-to-hands line is not lying along the floor
WINDOW = 5.0  # seconds of floor readings (up to the newest) the median is taken over
MIN_SPAN = 1.0  # torso lengths between the feet and the hands for a reading to count
KNEES_OFF_FLOOR = 0.3  # torso lengths: a knee on the floor is a few centimetres off the line
CAMERA_UP: FloatArray = np.array([0.0, -1.0, 0.0])


class FloorTilt(Resettable):
    """The camera's tilt against the floor, learned from the frames where the body lies on it.

    ``update(frame)`` then ``up(frame)``: the unit vector square to the floor, in the frame's
    world axes, for measuring angles and heights against the floor instead of the camera.
    """

    def __init__(self, window: float = WINDOW) -> None:
        self.window = window
        self._readings: deque[tuple[float, float]] = deque()

    def update(self, frame: PoseFrame) -> None:
        t = frame.timestamp
        w = frame.world
        feet = midpoint(w[L.LEFT_FOOT_INDEX], w[L.RIGHT_FOOT_INDEX])
        hands = midpoint(w[L.LEFT_WRIST], w[L.RIGHT_WRIST])
        knees = midpoint(w[L.LEFT_KNEE], w[L.RIGHT_KNEE])
        torso = float(
            np.linalg.norm(
                midpoint(w[L.LEFT_SHOULDER], w[L.RIGHT_SHOULDER])
                - midpoint(w[L.LEFT_HIP], w[L.RIGHT_HIP])
            )
        )
        line = hands - feet
        span = float(np.linalg.norm(line))
        if not (math.isfinite(span) and torso > 1e-6) or span < MIN_SPAN * torso:
            return  # no body to measure (nothing seen, or points all in one place)
        knees_off = float(np.linalg.norm(np.cross(knees - feet, line))) / span
        tilt = elevation(feet, hands)
        if not (knees_off <= KNEES_OFF_FLOOR * torso and abs(tilt) <= MAX_TILT):
            return
        self._readings.append((t, tilt))
        while t - self._readings[0][0] > self.window:
            self._readings.popleft()

    @property
    def known(self) -> bool:
        """Seen lying on the floor (hands, knees and feet on one line) since the last cut."""
        return bool(self._readings)

    @property
    def tilt(self) -> float:
        """Degrees the floor rises towards the hands, as the camera sees it (0 when unknown)."""
        if not self._readings:
            return 0.0
        return float(np.median([tilt for _, tilt in self._readings]))

    def up(self, frame: PoseFrame) -> FloatArray:
        """Up from the floor in this frame's world axes: the camera's up turned by the tilt in
        the vertical plane along the body (feet to shoulders)."""
        tilt = math.radians(self.tilt)
        if tilt == 0.0:
            return CAMERA_UP
        w = frame.world
        along = midpoint(w[L.LEFT_SHOULDER], w[L.RIGHT_SHOULDER]) - midpoint(
            w[L.LEFT_ANKLE], w[L.RIGHT_ANKLE]
        )
        heading = np.array([along[0], 0.0, along[2]])
        length = float(np.linalg.norm(heading))
        if not (math.isfinite(length) and length > 1e-6):
            return CAMERA_UP
        up: FloatArray = math.cos(tilt) * CAMERA_UP - math.sin(tilt) * heading / length
        return up

    def reset(self, time: float) -> list[Event]:
        # A cut to another camera angle brings another tilt.
        self._readings.clear()
        return []
