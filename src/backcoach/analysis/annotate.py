"""Drawing an analysis onto the video: skeleton, the angle that drives the count, the counter,
the phase, the hold timer and warnings. Drawing only; all judging happens in the analyzers.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from fractions import Fraction
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


# The container each suffix names, and the codec written into it: both play in browsers.
VIDEO_FORMATS = {
    ".mp4": ("mp4", "libx264"),
    ".m4v": ("mp4", "libx264"),
    ".mov": ("mov", "libx264"),
    ".webm": ("webm", "libvpx-vp9"),
}


def write_annotated(
    video: str | Path, overlays: OverlayTrack, output: str | Path, max_fps: float | None
) -> Path:
    """Decode ``video`` again and write it with the overlays drawn.

    ``.mp4`` (also ``.m4v``, ``.mov``) gets H.264, ``.webm`` gets VP9, both in 4:2:0 colour
    with even dimensions, so the file plays in a browser's ``<video>``. Written to a
    temporary name first: a failed run leaves no half-written video under ``output``.
    """
    import av

    from backcoach.pose.sources import VideoFileSource

    target = Path(output)
    suffix = target.suffix.lower()
    if suffix not in VIDEO_FORMATS:
        raise InputError(
            f"{target}: the annotated video must end in .mp4 (H.264) or .webm (VP9), "
            f"not '{target.suffix or 'no suffix'}'"
        )
    if not target.parent.is_dir():
        raise InputError(f"cannot write {target}: the folder {target.parent} does not exist")
    container_format, codec = VIDEO_FORMATS[suffix]
    source = VideoFileSource(video, max_fps=max_fps)
    info = source.info
    fps = min(info.fps, max_fps) if max_fps else info.fps
    rate = Fraction(max(fps, 1.0)).limit_denominator(1001)
    width, height = info.width - info.width % 2, info.height - info.height % 2
    partial = target.with_name(f".{target.name}.part{suffix}")
    try:
        container = av.open(str(partial), mode="w", format=container_format)
    except OSError as error:
        raise InputError(f"cannot write {target}: {error.strerror or error}") from error
    try:
        stream = container.add_stream(codec, rate=rate)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if codec == "libx264":
            stream.options = {"crf": "23", "preset": "veryfast", "movflags": "+faststart"}
        else:
            stream.options = {"crf": "32", "b": "0", "deadline": "realtime", "cpu-used": "8"}
        for index, item in enumerate(source):
            image = draw(item.rgb, overlays.at(item.timestamp))
            if image.shape[1] != width or image.shape[0] != height:
                image = np.asarray(cv2.resize(image, (width, height)), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts = index
            frame.time_base = 1 / rate
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
        container.close()
    except BaseException:
        container.close()
        partial.unlink(missing_ok=True)
        raise
    try:
        partial.replace(target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise InputError(f"cannot write {target}: {error.strerror or error}") from error
    return target
