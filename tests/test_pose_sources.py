"""Frame sources on real small videos made here with PyAV and ffmpeg, and on bad input."""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt
import pytest

from backcoach.errors import InputError
from backcoach.pose.sources import (
    FrameRateLimiter,
    ImageSequenceSource,
    VideoFileSource,
    WebcamSource,
)

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is not installed")


def gradient_image(width: int, height: int, shade: int = 0) -> npt.NDArray[np.uint8]:
    """A frame whose top-left corner is bright and the rest dark: shows any rotation."""
    image = np.full((height, width, 3), 30, dtype=np.uint8)
    image[: height // 4, : width // 4] = 230
    image[-4:, :, 2] = shade % 256
    return image


def make_video(
    path: Path,
    times_ms: list[int],
    width: int = 96,
    height: int = 64,
    rotation: int | None = None,
    faststart: bool = False,
) -> Path:
    """Write an H.264 MP4 whose frames have exactly the given presentation times (ms)."""
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, 1000)
        stream.codec_context.time_base = Fraction(1, 1000)
        stream.options = {"bf": "0"}
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for n, t in enumerate(times_ms):
            frame = av.VideoFrame.from_ndarray(gradient_image(width, height, n), format="rgb24")
            frame.pts = t
            frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def regular_times(seconds: float, fps: float) -> list[int]:
    return [round(1000 * n / fps) for n in range(round(seconds * fps))]


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return make_video(tmp_path / "clip.mp4", regular_times(2.0, 25))


def test_reads_every_frame_with_container_timestamps(clip: Path) -> None:
    source = VideoFileSource(clip)
    frames = list(source)
    assert len(frames) == 50
    assert [f.index for f in frames] == list(range(50))
    assert frames[1].timestamp == pytest.approx(0.04)
    assert frames[-1].timestamp == pytest.approx(1.96)
    assert frames[0].rgb.shape == (64, 96, 3) and frames[0].rgb.dtype == np.uint8
    assert source.info.width == 96 and source.info.height == 64
    assert source.info.duration == pytest.approx(2.0, abs=0.05)


def test_variable_frame_rate_keeps_real_timestamps(tmp_path: Path) -> None:
    times = [0, 33, 66, 200, 210, 220, 500, 533, 1000, 1040]
    path = make_video(tmp_path / "vfr.mp4", times)
    frames = list(VideoFileSource(path))
    assert [round(f.timestamp * 1000) for f in frames] == times
    # Never index / fps: the gap from 66 ms to 200 ms is kept.
    assert frames[3].timestamp - frames[2].timestamp == pytest.approx(0.134, abs=1e-3)


def test_display_matrix_rotation_gives_portrait_frames(tmp_path: Path) -> None:
    path = make_video(tmp_path / "rot.mp4", regular_times(0.4, 25), rotation=90)
    source = VideoFileSource(path)
    frames = list(source)
    assert source.info.rotation == 90
    assert (source.info.width, source.info.height) == (64, 96)
    assert frames[0].rgb.shape == (96, 64, 3)
    # Counter-clockwise turn: the bright top-left corner ends up bottom-left.
    corner = frames[0].rgb[-10:, :10].mean()
    assert corner > 150 and frames[0].rgb[:10, :10].mean() < 100


@needs_ffmpeg
def test_rotate_tag_written_by_ffmpeg_matches_ffmpegs_own_autorotation(
    clip: Path, tmp_path: Path
) -> None:
    tagged = tmp_path / "tagged.mp4"
    subprocess.run(
        [
            FFMPEG or "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(clip),
            "-c",
            "copy",
            "-metadata:s:v",
            "rotate=90",
            str(tagged),
        ],
        check=True,
    )
    upright = subprocess.run(
        [
            FFMPEG or "ffmpeg",
            "-loglevel",
            "error",
            "-i",
            str(tagged),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    first = next(iter(VideoFileSource(tagged)))
    assert first.rgb.shape == (96, 64, 3)
    expected = np.frombuffer(upright, dtype=np.uint8).reshape(96, 64, 3)
    assert np.abs(first.rgb.astype(int) - expected.astype(int)).mean() < 3


def test_max_fps_keeps_frames_by_timestamp(clip: Path) -> None:
    frames = list(VideoFileSource(clip, max_fps=10))
    assert len(frames) == 20
    gaps = np.diff([f.timestamp for f in frames])
    assert gaps.min() >= 0.08 - 1e-6 and gaps.max() <= 0.12 + 1e-6
    assert frames[1].index > 1  # indices stay those of the stream


def test_max_fps_on_variable_frame_rate(tmp_path: Path) -> None:
    path = make_video(tmp_path / "vfr.mp4", [0, 10, 20, 30, 600, 610, 1200])
    kept = [round(f.timestamp * 1000) for f in VideoFileSource(path, max_fps=2)]
    assert kept == [0, 600, 1200]


def test_frame_rate_limiter_rejects_nonsense() -> None:
    with pytest.raises(InputError, match="above 0"):
        FrameRateLimiter(0)


def test_max_width_downscales_keeping_aspect(tmp_path: Path) -> None:
    path = make_video(tmp_path / "big.mp4", regular_times(0.2, 25), width=320, height=180)
    source = VideoFileSource(path, max_width=160)
    first = next(iter(source))
    assert first.rgb.shape == (90, 160, 3)
    assert (source.info.width, source.info.height) == (160, 90)


def test_segments_partition_the_video(clip: Path) -> None:
    whole = [(f.timestamp, f.index) for f in VideoFileSource(clip)]
    first = [(f.timestamp, f.index) for f in VideoFileSource(clip, end=1.0)]
    second = [(f.timestamp, f.index) for f in VideoFileSource(clip, start=1.0)]
    assert first + second == whole
    assert second[0][0] == pytest.approx(1.0) and second[0][1] == 25


# Bad input: each case gives an InputError whose one-line message says what is wrong.


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        _ = VideoFileSource(tmp_path / "nope.mp4").info


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(InputError, match=r"is empty \(0 bytes\)"):
        list(VideoFileSource(tmp_path / "empty.mp4"))


def test_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("these are my exercise notes, not a video\n" * 20)
    with pytest.raises(InputError, match="is not a video file that can be read"):
        list(VideoFileSource(path))


def test_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder"):
        _ = VideoFileSource(tmp_path).info


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_still_image(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"photo{suffix}"
    cv2.imwrite(str(path), gradient_image(64, 48))
    with pytest.raises(InputError, match="is a still image, not a video"):
        list(VideoFileSource(path))


def test_still_image_renamed_as_video(tmp_path: Path) -> None:
    path = tmp_path / "photo.mp4"
    ok, encoded = cv2.imencode(".png", gradient_image(64, 48))
    assert ok
    path.write_bytes(encoded.tobytes())
    with pytest.raises(InputError, match="is a still image, not a video"):
        list(VideoFileSource(path))


def test_truncated_mp4_without_moov(clip: Path, tmp_path: Path) -> None:
    data = clip.read_bytes()  # moov at the end (no faststart): cutting loses it
    assert data.find(b"moov") > len(data) // 2
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"truncated or unfinished MP4.*moov atom"):
        list(VideoFileSource(path))


def test_mostly_missing_video_is_refused(tmp_path: Path) -> None:
    full = make_video(tmp_path / "fs.mp4", regular_times(4.0, 25), faststart=True)
    data = full.read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) * 3 // 10])
    with pytest.raises(InputError, match="damaged or cut short"):
        list(VideoFileSource(path))


def test_slightly_truncated_video_warns_and_keeps_what_it_read(tmp_path: Path) -> None:
    full = make_video(tmp_path / "fs.mp4", regular_times(4.0, 25), faststart=True)
    data = full.read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) * 85 // 100])
    source = VideoFileSource(path)
    frames = list(source)
    assert 50 <= len(frames) < 100
    assert source.problems and "cut short" in source.problems[0]


@needs_ffmpeg
def test_audio_only_file(tmp_path: Path) -> None:
    path = tmp_path / "sound.m4a"
    subprocess.run(
        [FFMPEG or "ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=d=0.5", str(path)],
        check=True,
    )
    with pytest.raises(InputError, match="has no video stream"):
        list(VideoFileSource(path))


def test_image_sequence(tmp_path: Path) -> None:
    for n in range(5):
        cv2.imwrite(str(tmp_path / f"frame_{n:03d}.png"), gradient_image(40, 30, n))
    frames = list(ImageSequenceSource(tmp_path, fps=10))
    assert [f.index for f in frames] == [0, 1, 2, 3, 4]
    assert frames[3].timestamp == pytest.approx(0.3)
    assert frames[0].rgb.shape == (30, 40, 3)
    # OpenCV wrote the array as BGR (shade in its third channel: red); the source gives RGB.
    assert frames[4].rgb[-1, 0, 0] == 4 and frames[4].rgb[-1, 0, 2] == 30
    assert len(list(ImageSequenceSource(str(tmp_path / "frame_00[0-2].png")))) == 3


def test_image_sequence_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no images found"):
        ImageSequenceSource(tmp_path / "*.png")
    (tmp_path / "broken.png").write_text("not an image")
    with pytest.raises(InputError, match="not an image that can be read"):
        list(ImageSequenceSource(tmp_path))


def test_missing_webcam_is_a_clear_error() -> None:
    if Path("/dev/video90").exists():
        pytest.skip("a camera exists at index 90")
    with pytest.raises(InputError, match="camera 90 cannot be opened"):
        list(WebcamSource(90))
