"""Frame sources: a video file, a webcam or a folder of images, as (timestamp, index, rgb).

Timestamps are seconds. For a video file they come from the container's presentation time
stamps, so variable frame rate video keeps its real timing; ``index`` is the frame's position
in the stream (frames skipped by ``max_fps`` keep their gap in the numbering).
"""

from __future__ import annotations

import glob
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from backcoach.errors import InputError
from backcoach.pose.estimator import RGBImage

STILL_IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".heic", ".heif"}
)
# A file that plays less than this share of its announced length is refused, not just warned.
MIN_READABLE_SHARE = 0.5


class SourceFrame(NamedTuple):
    """One frame: seconds, position in the stream, upright RGB pixels (height, width, 3)."""

    timestamp: float
    index: int  # type: ignore[assignment]  # shadows tuple.index on purpose: it is the name
    rgb: RGBImage


@dataclass(frozen=True)
class VideoInfo:
    """What a video file says about itself. ``width``/``height`` are as displayed (rotation and
    ``max_width`` applied); ``rotation`` is the counter-clockwise turn applied to decoded frames."""

    path: str
    width: int
    height: int
    fps: float
    duration: float
    frame_count: int
    rotation: int
    start_time: float


def _fail(path: Path, reason: str) -> InputError:
    return InputError(f"{path} {reason}")


def _top_level_atoms(path: Path) -> list[bytes]:
    """The top-level box types of an ISO-BMFF (MP4/MOV) file, as far as they can be read."""
    atoms: list[bytes] = []
    size_total = path.stat().st_size
    with path.open("rb") as handle:
        offset = 0
        while offset + 8 <= size_total and len(atoms) < 1000:
            handle.seek(offset)
            header = handle.read(16)
            size = int.from_bytes(header[:4], "big")
            atoms.append(header[4:8])
            if size == 1 and len(header) >= 16:
                size = int.from_bytes(header[8:16], "big")
            if size < 8:
                break
            offset += size
    return atoms


def _explain_unopenable(path: Path) -> InputError:
    atoms = _top_level_atoms(path)
    if atoms and atoms[0] == b"ftyp" and b"moov" not in atoms:
        return _fail(
            path,
            "is a truncated or unfinished MP4: its index (the moov atom) is missing, "
            "so it cannot be played. Re-export or re-copy the video.",
        )
    return _fail(path, "is not a video file that can be read (unknown or damaged format)")


def _check_file(path: Path) -> None:
    if not path.exists():
        raise _fail(path, "does not exist")
    if path.is_dir():
        raise _fail(path, "is a folder, not a video file")
    if path.stat().st_size == 0:
        raise _fail(path, "is empty (0 bytes)")
    if path.suffix.lower() in STILL_IMAGE_SUFFIXES:
        raise _fail(path, "is a still image, not a video")


def _open_container(path: Path) -> Any:
    import av

    _check_file(path)
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError as error:
        raise _explain_unopenable(path) from error
    except OSError as error:
        raise _fail(path, f"cannot be read: {error.strerror or error}") from error
    format_name = str(container.format.name)
    if format_name == "image2" or format_name.endswith("_pipe"):
        container.close()
        raise _fail(path, "is a still image, not a video")
    if not container.streams.video:
        container.close()
        raise _fail(path, "has no video stream (is it an audio file?)")
    return container


def _rotation_of(frame: Any) -> int:
    """Counter-clockwise degrees (0, 90, 180, 270) that turn a decoded frame upright."""
    degrees = float(getattr(frame, "rotation", 0) or 0)
    return round(degrees / 90.0) % 4 * 90


def _scaled_size(width: int, height: int, rotation: int, max_width: int | None) -> tuple[int, int]:
    """Coded size to decode to so that the displayed width is at most ``max_width``."""
    display_width = height if rotation in (90, 270) else width
    if max_width is None or display_width <= max_width:
        return width, height
    scale = max_width / display_width
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


class FrameRateLimiter:
    """Keeps at most ``max_fps`` frames a second, chosen by timestamp (never by index)."""

    def __init__(self, max_fps: float | None) -> None:
        if max_fps is not None and max_fps <= 0:
            raise InputError(f"max fps must be above 0, not {max_fps}")
        self.max_fps = max_fps
        self._last_slot: int | None = None

    def keep(self, timestamp: float) -> bool:
        if self.max_fps is None:
            return True
        # Slots on a fixed grid avoid drift; the small epsilon absorbs rounded pts.
        slot = math.floor(timestamp * self.max_fps + 1e-3)
        if self._last_slot is not None and slot <= self._last_slot:
            return False
        self._last_slot = slot
        return True


class VideoFileSource:
    """Decodes a video file with PyAV into upright RGB frames.

    ``start``/``end`` (seconds, container time) select a segment: frames with
    ``start <= t < end``. Raises InputError for files that cannot be used; a file damaged
    part way through is decoded as far as possible and is noted in ``problems``, or an
    InputError when less than half of it could be read. With ``judge_damage=False`` the
    source only notes decoder errors in ``problems`` and leaves the verdict to its caller
    (the pipeline judges a video split into segments as a whole).
    """

    def __init__(
        self,
        path: str | Path,
        max_fps: float | None = None,
        max_width: int | None = None,
        start: float | None = None,
        end: float | None = None,
        judge_damage: bool = True,
    ) -> None:
        self.path = Path(path)
        self.judge_damage = judge_damage
        self.max_fps = max_fps
        self.max_width = max_width
        self.start = start
        self.end = end
        self.problems: list[str] = []
        FrameRateLimiter(max_fps)  # validates max_fps early
        self._info: VideoInfo | None = None

    @property
    def info(self) -> VideoInfo:
        if self._info is None:
            self._info = self._probe()
        return self._info

    def _probe(self) -> VideoInfo:
        container = _open_container(self.path)
        try:
            stream = container.streams.video[0]
            time_base = stream.time_base or Fraction(1, 1)
            start_time = float(stream.start_time * time_base) if stream.start_time else 0.0
            if stream.duration:
                duration = float(stream.duration * time_base)
            elif container.duration:
                duration = container.duration / 1_000_000
            else:
                duration = 0.0
            fps = float(stream.average_rate or stream.guessed_rate or 0.0)
            rotation = 0
            width, height = stream.codec_context.width, stream.codec_context.height
            try:
                first = next(container.decode(stream))
                rotation = _rotation_of(first)
                width, height = first.width, first.height
            except StopIteration:
                raise _fail(
                    self.path, "is damaged or cut short: no frame in it can be decoded"
                ) from None
            except Exception as error:  # any decoder failure on the first frame
                raise _fail(
                    self.path, "is damaged or cut short: its first frame cannot be decoded"
                ) from error
            coded_w, coded_h = _scaled_size(width, height, rotation, self.max_width)
            display = (coded_h, coded_w) if rotation in (90, 270) else (coded_w, coded_h)
            frame_count = int(stream.frames or round(duration * fps))
            return VideoInfo(
                path=str(self.path),
                width=display[0],
                height=display[1],
                fps=fps,
                duration=duration,
                frame_count=frame_count,
                rotation=rotation,
                start_time=start_time,
            )
        finally:
            container.close()

    def _index_before(self, container: Any, stream: Any, start: float) -> int:
        """How many frames come before ``start``: counted on packets, which is cheap."""
        count = 0
        for packet in container.demux(stream):
            if packet.pts is None or not packet.size:
                continue
            if float(packet.pts * stream.time_base) < start - 1e-6:
                count += 1
        return count

    def __iter__(self) -> Iterator[SourceFrame]:
        import av

        info = self.info
        container = _open_container(self.path)
        try:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            index = 0
            if self.start is not None and self.start > info.start_time:
                index = self._index_before(container, stream, self.start)
                container.seek(int(self.start / stream.time_base), stream=stream, backward=True)
            yield from self._decode(container, stream, index, info)
        except av.error.FFmpegError as error:
            raise _fail(self.path, f"cannot be decoded: {error}") from error
        finally:
            container.close()

    def _decode(
        self, container: Any, stream: Any, index: int, info: VideoInfo
    ) -> Iterator[SourceFrame]:
        import av

        limiter = FrameRateLimiter(self.max_fps)
        last_time: float | None = None
        coded_size = _scaled_size(
            stream.codec_context.width, stream.codec_context.height, info.rotation, self.max_width
        )
        frames = container.decode(stream)
        decoded_any = False
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except av.error.FFmpegError as error:
                self._report_damage(last_time, info, error, decoded_any)
                return
            timestamp = self._timestamp(frame, last_time, info.fps)
            if self.start is not None and timestamp < self.start - 1e-6:
                continue  # decoded from the keyframe before the segment
            if self.end is not None and timestamp >= self.end - 1e-6:
                return
            decoded_any = True
            last_time = timestamp
            frame_index = index
            index += 1
            if not limiter.keep(timestamp):
                continue
            yield SourceFrame(timestamp, frame_index, self._to_rgb(frame, coded_size, info))
        self._check_complete(last_time, info, decoded_any)

    @staticmethod
    def _timestamp(frame: Any, last_time: float | None, fps: float) -> float:
        if frame.time is not None:
            return float(frame.time)
        # No pts (rare, raw streams): continue from the last frame at the average rate.
        step = 1.0 / fps if fps > 0 else 1.0 / 30.0
        return 0.0 if last_time is None else last_time + step

    def _to_rgb(self, frame: Any, coded_size: tuple[int, int], info: VideoInfo) -> RGBImage:
        width, height = coded_size
        if (frame.width, frame.height) != (width, height):
            frame = frame.reformat(width=width, height=height)
        rgb: RGBImage = frame.to_ndarray(format="rgb24")
        if info.rotation:
            rgb = np.ascontiguousarray(np.rot90(rgb, k=info.rotation // 90))
        return rgb

    def _segment_end(self, info: VideoInfo) -> float:
        end = info.start_time + info.duration
        return min(end, self.end) if self.end is not None else end

    def _report_damage(
        self, last_time: float | None, info: VideoInfo, error: Exception, decoded_any: bool
    ) -> None:
        if not self.judge_damage:
            self.problems.append(f"{self.path} could not be decoded after {last_time or 0:.1f} s")
            return
        if not decoded_any:
            raise _fail(self.path, f"is damaged: no frame could be decoded ({error})")
        self._check_complete(last_time, info, decoded_any, damaged=True)

    def _check_complete(
        self, last_time: float | None, info: VideoInfo, decoded_any: bool, damaged: bool = False
    ) -> None:
        """Warn (or refuse) when the decodable part is much shorter than the announced length."""
        if not self.judge_damage:
            return
        if not decoded_any:
            if self.start is None and self.end is None:
                raise _fail(self.path, "contains no video frames that can be decoded")
            return
        assert last_time is not None
        begin = self.start if self.start is not None else info.start_time
        expected = self._segment_end(info) - begin
        if expected <= 0:
            return
        frame_step = 1.0 / info.fps if info.fps > 0 else 0.0
        read = last_time - begin + frame_step
        if not damaged and read >= expected - max(0.5, 3 * frame_step):
            return
        share = max(0.0, min(1.0, read / expected))
        message = (
            f"{self.path} is damaged or cut short: only {read:.1f} s of {expected:.1f} s "
            "could be decoded"
        )
        if share < MIN_READABLE_SHARE:
            raise InputError(message)
        self.problems.append(message + "; using what could be read")


class WebcamSource:
    """Frames from a camera through OpenCV; timestamps from a monotonic clock."""

    def __init__(self, index: int = 0, width: int | None = None, height: int | None = None):
        self.index = index
        self.width = width
        self.height = height

    def __iter__(self) -> Iterator[SourceFrame]:
        import cv2

        capture = cv2.VideoCapture(self.index)
        if not capture.isOpened():
            capture.release()
            raise InputError(f"camera {self.index} cannot be opened (is it connected and free?)")
        if self.width:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        if self.height:
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        start = time.monotonic()
        count = 0
        try:
            while True:
                ok, bgr = capture.read()
                if not ok:
                    break
                timestamp = time.monotonic() - start
                rgb = np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)
                yield SourceFrame(timestamp, count, rgb)
                count += 1
        finally:
            capture.release()


class ImageSequenceSource:
    """Numbered images (a folder or a glob pattern), sorted by name, at a fixed ``fps``."""

    def __init__(self, pattern: str | Path, fps: float = 30.0) -> None:
        if fps <= 0:
            raise InputError(f"the image sequence fps must be above 0, not {fps}")
        self.fps = fps
        path = Path(pattern)
        if path.is_dir():
            files = [p for p in path.iterdir() if p.suffix.lower() in STILL_IMAGE_SUFFIXES]
        else:
            files = [Path(p) for p in glob.glob(str(pattern))]
        self.files = sorted(files)
        if not self.files:
            raise InputError(f"no images found at {pattern}")

    def __iter__(self) -> Iterator[SourceFrame]:
        import cv2

        for index, file in enumerate(self.files):
            bgr = cv2.imread(str(file), cv2.IMREAD_COLOR)
            if bgr is None:
                raise InputError(f"{file} is not an image that can be read")
            rgb = np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)
            yield SourceFrame(index / self.fps, index, rgb)
