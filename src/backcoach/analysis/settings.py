"""The rate and frame width every analysis runs at, declared once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AnalysisSettings:
    """The analyzers' time constants are in seconds, but the pose model's noise, the smoother
    and the scene-cut detector are tuned at this rate and width."""

    fps: float = 15.0
    max_width: int = 640


ANALYSIS = AnalysisSettings()
