"""How many people are in the picture: the pose model follows one, so a second one confuses it.

Counts come from a person detector (``MediaPipePersonDetector`` by default). The detector can
miss small or turned-away people, so counts are lower bounds: "two people" is reported only
when several sampled frames agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from backcoach.pose.estimator import RGBImage
from backcoach.pose.sources import VideoFileSource

MIN_SCORE = 0.8  # detections below this are too often shadows, posters or pets


class PersonBoxLike(Protocol):
    @property
    def score(self) -> float: ...


class PersonDetector(Protocol):
    def detect(self, rgb: RGBImage) -> Sequence[PersonBoxLike]: ...

    def close(self) -> None: ...


def _default_detector() -> PersonDetector:
    from backcoach.pose.mediapipe_backend import MediaPipePersonDetector

    return MediaPipePersonDetector()


def people_in_frame(rgb: RGBImage, detector: PersonDetector, min_score: float = MIN_SCORE) -> int:
    """People found in one image with at least ``min_score`` confidence."""
    return sum(1 for person in detector.detect(rgb) if person.score >= min_score)


@dataclass(frozen=True)
class PeopleSurvey:
    """People counted on frames sampled across a video."""

    counts: tuple[int, ...]

    @property
    def frames_checked(self) -> int:
        return len(self.counts)

    @property
    def typical(self) -> int:
        """The largest count seen on at least a quarter of the sampled frames (at least 2)."""
        needed = max(2, math.ceil(len(self.counts) / 4))
        for people in sorted(set(self.counts), reverse=True):
            if sum(1 for count in self.counts if count >= people) >= needed:
                return people
        return max(self.counts, default=0)

    @property
    def several_people(self) -> bool:
        return self.typical >= 2

    @property
    def nobody(self) -> bool:
        return not any(self.counts)


def survey_people(
    path: str | Path,
    samples: int = 12,
    detector_factory: Callable[[], PersonDetector] = _default_detector,
    min_score: float = MIN_SCORE,
) -> PeopleSurvey:
    """Count people on about ``samples`` frames spread evenly over the video."""
    source = VideoFileSource(path)
    duration = source.info.duration
    if duration > 0:
        source = VideoFileSource(path, max_fps=samples / duration)
    detector = detector_factory()
    counts: list[int] = []
    try:
        for _, _, rgb in source:
            counts.append(people_in_frame(rgb, detector, min_score))
            if len(counts) >= samples:
                break
    finally:
        detector.close()
    return PeopleSurvey(tuple(counts))
