"""Knees-up stretch: lying on the back, one knee pulled to the chest and held about 20 s, then
the other, then both together. Each leg is judged on its own: the angle at the hip between
the trunk and the thigh is about 120-180 degrees with the leg down and under 70 with the
knee at the chest. The report says which: left, right or both.
"""

from __future__ import annotations

import numpy as np

from backcoach.analysis.events import Event, EventKind
from backcoach.analysis.exercises.base import BaseAnalyzer
from backcoach.analysis.posture import Position, PostureTracker, body_points
from backcoach.analysis.tools.holds import HoldTracker
from backcoach.analysis.tools.hysteresis import Hysteresis
from backcoach.pose.frame import PoseFrame
from backcoach.pose.geometry import joint_angle
from backcoach.pose.landmarks import Landmark as L

_LEGS = {"left": (L.LEFT_HIP, L.LEFT_KNEE), "right": (L.RIGHT_HIP, L.RIGHT_KNEE)}
_NOT_LYING = {Position.STANDING, Position.QUADRUPED, Position.SITTING, Position.PRONE}
KNEES_OVERLAP = 0.2  # knees this close in the picture (torso lengths): one hides the other
KNEES_APART = 0.35  # ... until they are this far apart again (a de-jitter band)


class KneesUpAnalyzer(BaseAnalyzer):
    exercise_id = "knees-up-stretch"
    required_parts = ("shoulders", "hips", "knees")

    pulled_in = 70.0  # hip angle (trunk to thigh) with the knee at the chest
    let_go = 100.0
    min_hold = 3.0  # shorter than this is a movement, not a stretch
    target_hold = 20.0
    release_margin = 12.0  # degrees above the closest the knee came: letting go

    def __init__(self) -> None:
        super().__init__()
        self.posture = PostureTracker()
        self.legs = {
            side: Hysteresis(self.pulled_in, self.let_go, rising=False, min_duration=0.3)
            for side in _LEGS
        }
        self.hold = HoldTracker(
            min_hold=self.min_hold, grace=0.8, label="knee-to-chest", resume_within=6.0
        )
        self.track(self.hold)
        for judge in self.legs.values():
            self.track(judge)
        self.driving_label = "hip angle"
        self._best: float | None = None
        self._released = False
        self._overlap = False

    def reset_motion(self, time: float) -> list[Event]:
        events: list[Event] = []
        for tool in self._tools:
            if tool is not self.hold and not isinstance(tool, Hysteresis):
                events += tool.reset(time)
        # A leg keeps its last state over a cut (a close-up hides one leg, not its position).
        events += self.hold.reset(time)
        self.rep_warnings = []
        return events

    def analyze(self, frame: PoseFrame) -> list[Event]:
        time = frame.timestamp
        position, _ = self.posture.update(frame)
        b = body_points(frame)
        if b is None or position in _NOT_LYING:
            self.phase = "not in position"
            return self._hold_update(None, None, time)
        px = frame.pixels()
        angles = {s: joint_angle(b.shoulders, px[h], px[k]) for s, (h, k) in _LEGS.items()}
        hidden = self._judge_legs(frame, angles, b.torso, time)
        up = [leg for leg in _LEGS if self.legs[leg].active]
        side = "both" if len(up) == 2 else (up[0] if up else None)
        if side != self.side:
            self._best = None
            self._released = False
        self.side = side
        if not up:
            self.driving_value = max(angles.values())
            self.phase = "legs down"
            return self._hold_update(False, None, time)
        seen = [s for s in up if s != hidden]
        if not seen:
            # The raised leg is hidden behind the other: its angle is the other knee's, so
            # whether it is still held cannot be told.
            self.phase = f"{side} knee hidden"
            return self._hold_update(None, side, time)
        held = max(angles[s] for s in seen)
        self.driving_value = held
        self._best = held if self._best is None else min(self._best, held)
        # The stretch is held while the knee stays near the closest it came to the chest;
        # letting it go ends the hold before the leg is all the way down.
        holding = held <= self._best + self.release_margin and not self._released
        self.phase = f"holding {side}" if holding else f"releasing {side}"
        since = max(self.legs[s].changed_at or time for s in up)
        return self._hold_update(holding, side, time, since)

    def _judge_legs(
        self, frame: PoseFrame, angles: dict[str, float], torso: float, time: float
    ) -> str | None:
        """Update each leg's up/down judgement; returns the leg hidden behind the other, if any.

        Seen from the side, the far leg hides behind the near one: when the knees overlap in
        the picture, the model puts the far knee where the near one is. So with overlapping
        knees, a leg whose state differed from the other's keeps its state (it is hidden, not
        moved), and a poorly seen leg follows the other only if they were doing the same.
        """
        px = frame.pixels()
        vis = {leg: float(frame.visibility[knee]) for leg, (_, knee) in _LEGS.items()}
        gap = float(np.linalg.norm(px[L.LEFT_KNEE] - px[L.RIGHT_KNEE])) / torso
        # Once the knees overlap, a gap that opens a little (the model's guess of the hidden
        # knee wobbles) does not yet make the hidden leg seen.
        self._overlap = gap < (KNEES_APART if self._overlap else KNEES_OVERLAP)
        overlap = self._overlap
        same = self.legs["left"].active == self.legs["right"].active
        faint = min(vis, key=lambda leg: vis[leg])
        seen_less = vis[faint] < 0.5 or vis[faint] < max(vis.values()) - 0.15
        hidden = faint if overlap and seen_less else None
        for leg in _LEGS:
            other = "left" if leg == "right" else "right"
            if overlap and leg == hidden:
                if same and vis[other] >= 0.5:
                    self.legs[leg].update(angles[other], time)
                continue
            if vis[leg] >= 0.5:
                self.legs[leg].update(angles[leg], time)
        return hidden

    def _hold_update(
        self, holding: bool | None, side: str | None, time: float, since: float | None = None
    ) -> list[Event]:
        events: list[Event] = []
        if not holding and self.hold.last_held_at is None:
            self._best = None
        for event in self.hold.update(holding, time, side, since):
            events.append(event)
            if event.kind is EventKind.HOLD_ENDED:
                # No new hold until the knee goes down or the side changes.
                self._released = event.side == side
                events += self._hold_done(event)
        return events

    def _hold_done(self, event: Event) -> list[Event]:
        events: list[Event] = []
        seconds = event.duration or 0.0
        if seconds < self.target_hold - 5.0:
            events += self.warn(
                "short-hold",
                f"That stretch lasted {seconds:.0f} s; aim for about {self.target_hold:.0f} s.",
                event.time,
                side=event.side,
            )
        counted = Event(
            EventKind.REP_COMPLETED,
            event.time,
            duration=event.duration,
            data={"start": event.data.get("start", event.time)},
        )
        events.append(self.rep_completed(counted, side=event.side, hold_seconds=seconds))
        return events

    def close(self, time: float) -> list[Event]:
        events: list[Event] = []
        for event in self.hold.finish(time):
            events.append(event)
            if event.kind is EventKind.HOLD_ENDED:
                events += self._hold_done(event)
        return events
