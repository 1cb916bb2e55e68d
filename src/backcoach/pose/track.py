"""A whole video's poses: the frames in time order and what is known about the video."""

from __future__ import annotations

from dataclasses import dataclass, field

from backcoach.pose.frame import PoseFrame


@dataclass
class PoseTrack:
    """Poses of one video. ``fps`` and ``duration`` describe the video itself; ``frames`` may be
    fewer than the video's frames when a frame-rate limit was used."""

    frames: list[PoseFrame]
    width: int
    height: int
    fps: float
    duration: float
    source: str = ""
    rotation: int = 0
    estimator: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def detected_share(self) -> float:
        """Share of frames with a person found (0..1; 0 for an empty track)."""
        if not self.frames:
            return 0.0
        return sum(frame.detected for frame in self.frames) / len(self.frames)

    def __len__(self) -> int:
        return len(self.frames)
