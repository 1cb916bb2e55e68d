"""Drawing an analysis onto the video: skeleton, the angle that drives the count, the counter,
the phase, the hold timer and warnings. Drawing only; all judging happens in the analyzers.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from backcoach.analysis.events import AnalyzerState
from backcoach.errors import InputError
from backcoach.pose.estimator import RGBImage
from backcoach.pose.frame import FloatArray, PoseFrame
from backcoach.pose.landmarks import SKELETON_EDGES

_GREEN = (60, 200, 80)
_YELLOW = (240, 200, 40)
_RED = (230, 60, 50)
_WHITE = (255, 255, 255)


@dataclass(frozen=True)
class Overlay:
    """What to draw on one video frame."""

    frame: PoseFrame
    state: AnalyzerState
    warning: str = ""


class OverlayTrack:
    """Overlays by time, so each decoded video frame finds the analysis frame nearest to it."""

    def __init__(self) -> None:
        self._times: list[float] = []
        self._items: list[Overlay] = []

    def add(self, overlay: Overlay) -> None:
        self._times.append(overlay.frame.timestamp)
        self._items.append(overlay)

    def at(self, timestamp: float, tolerance: float = 0.2) -> Overlay | None:
        pos = bisect.bisect_right(self._times, timestamp + 1e-6) - 1
        if pos < 0 or timestamp - self._times[pos] > tolerance:
            return None
        return self._items[pos]

    def __len__(self) -> int:
        return len(self._items)


def draw(rgb: RGBImage, overlay: Overlay | None) -> RGBImage:
    """A copy of the frame with the overlay drawn on it (RGB in, RGB out)."""
    out: RGBImage = np.ascontiguousarray(rgb.copy())
    h = out.shape[0]
    scale = max(0.5, h / 720)
    if overlay is None:
        _text(out, "no analysis for this frame", (10, int(30 * scale)), scale, _YELLOW)
        return out
    frame, state = overlay.frame, overlay.state
    if frame.detected:
        _skeleton(out, frame, scale)
    lines = [f"reps: {state.reps}", f"phase: {state.phase}"]
    if state.side:
        lines.append(f"side: {state.side}")
    if state.driving_value is not None and math.isfinite(state.driving_value):
        lines.append(f"{state.driving_label or 'value'}: {state.driving_value:.0f}")
    if state.hold_seconds is not None:
        lines.append(f"hold: {state.hold_seconds:.1f} s")
    y = int(32 * scale)
    for line in lines:
        _text(out, line, (10, y), scale, _WHITE)
        y += int(30 * scale)
    if not state.seen:
        missing = ", ".join(state.missing) or "you"
        _text(out, f"can't see: {missing}", (10, y), scale, _YELLOW)
        y += int(30 * scale)
    if overlay.warning:
        _text(out, overlay.warning[:90], (10, h - int(20 * scale)), scale * 0.8, _RED)
    return out


def _skeleton(out: RGBImage, frame: PoseFrame, scale: float) -> None:
    # Normalised coordinates: the picture drawn on may be larger than the one analysed.
    px = frame.image[:, :2] * np.array([out.shape[1], out.shape[0]], dtype=np.float64)
    thickness = max(1, int(3 * scale))
    for a, b in SKELETON_EDGES:
        if frame.visibility[a] < 0.3 or frame.visibility[b] < 0.3:
            continue
        pa, pb = px[a], px[b]
        if not (np.all(np.isfinite(pa)) and np.all(np.isfinite(pb))):
            continue
        cv2.line(out, _pt(pa), _pt(pb), _GREEN, thickness, cv2.LINE_AA)
    for i, p in enumerate(px):
        if frame.visibility[i] >= 0.3 and np.all(np.isfinite(p)):
            cv2.circle(out, _pt(p), thickness + 1, _YELLOW, -1, cv2.LINE_AA)


def _pt(p: FloatArray) -> tuple[int, int]:
    return round(float(p[0])), round(float(p[1]))


def _text(
    out: RGBImage, text: str, origin: tuple[int, int], scale: float, color: tuple[int, int, int]
) -> None:
    font = cv2.FONT_HERSHEY_SIMPLEX
    size = 0.7 * scale
    cv2.putText(out, text, origin, font, size, (0, 0, 0), max(2, int(4 * scale)), cv2.LINE_AA)
    cv2.putText(out, text, origin, font, size, color, max(1, int(2 * scale)), cv2.LINE_AA)


def write_annotated(
    video: str | Path, overlays: OverlayTrack, output: str | Path, max_fps: float | None
) -> Path:
    """Decode ``video`` again and write it with the overlays drawn (MP4, via OpenCV)."""
    from backcoach.pose.sources import VideoFileSource

    target = Path(output)
    if target.suffix.lower() not in (".mp4", ".m4v", ".mov"):
        raise InputError(f"{target}: the annotated video must be an .mp4 file")
    source = VideoFileSource(video, max_fps=max_fps)
    info = source.info
    fps = min(info.fps, max_fps) if max_fps else info.fps
    partial = target.with_name(target.name + ".part.mp4")
    writer = cv2.VideoWriter(
        str(partial), cv2.VideoWriter.fourcc(*"mp4v"), max(fps, 1.0), (info.width, info.height)
    )
    if not writer.isOpened():
        raise InputError(f"cannot write {target}: is the folder there and writable?")
    try:
        for item in source:
            image = draw(item.rgb, overlays.at(item.timestamp))
            if image.shape[1] != info.width or image.shape[0] != info.height:
                image = np.asarray(cv2.resize(image, (info.width, info.height)), dtype=np.uint8)
            writer.write(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    finally:
        writer.release()
    try:
        partial.replace(target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise InputError(f"cannot write {target}: {error.strerror or error}") from error
    return target
