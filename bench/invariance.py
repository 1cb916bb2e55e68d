"""Metamorphic invariance: changes to a video that must not change the analysis's answer.

Each clip of the matrix (one per exercise and per avoided movement) is copied with ffmpeg into
a temporary folder once per transform (mirrored; rotated by +15 and -15 degrees keeping the
whole frame; 10, 24, 30 and 60 frames a second; 240 and 1080 px high; a landscape clip cut to
a portrait frame around the person, a portrait clip padded to landscape; started 1 s in),
encoded as H.264 so the real decode path runs, posed with the real model exactly as the
footage tests pose the originals, and analysed. The transformed run agrees when the rep count,
the avoided-movement warnings (the two sit-up kinds as one family), the recognised movement
and the holds (in order, within 0.3 s) are those of the original clip. Counts and holds are
compared on the exercise clips only: the avoided-movement clips are analysed as a bridge, the
exercise a person might have chosen, and what matters there is the warning.

    .venv/bin/python bench/invariance.py [--clips TEXT ...] [--transforms NAME ...]
        [--files FOLDER/FILE ...]   (other clips of the manifest than the matrix)

Prints one JSON document: per transform and clip, the original's and the transformed run's
answers and their differences, and the share of runs that agree. Takes tens of minutes on
two cores. ``tests/test_invariance.py`` runs the same comparisons under pytest.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from backcoach.analysis.footage import AVOIDED_OF_FOLDER, EXERCISE_OF_FOLDER, read_manifest
from backcoach.analysis.recognize import SIT_UP_FAMILY, recognize
from backcoach.analysis.runner import analyze_frames, prepare_frames
from backcoach.pose.frame import PoseFrame

FOOTAGE = Path(__file__).resolve().parents[1].parent / "shared" / "footage"
FPS = 15.0  # as tests/conftest.py poses the originals
MAX_WIDTH = 640
AVOIDED_SECONDS = 25.0  # avoided-movement clips are posed this far, as in tests/conftest.py
HOLD_TOLERANCE = 0.3
SIT_UP = "sit-up"
PERSON_MARGIN = 0.08  # share of the frame width kept either side of the person when cropping

# One clip per exercise and per avoided movement: short or small clips the analysis gets right.
MATRIX_CLIPS = (
    "press_up/Hanshitha22__personalised-fitness-companion__cobra-pose.mp4",
    "pelvic_tilt/lenagalanova8-debug__my-guides__pelvic-tilt.mp4",
    "bridge/lenagalanova8-debug__my-guides__glute-bridge.mp4",
    "trunk_rotation/malikmrllh__exercises__bentleg.mp4",
    "knee_to_chest/malikmrllh__exercises__kneetochest.mp4",
    "bird_dog/lenagalanova8-debug__my-guides__bird-dog.mp4",
    "cat_cow/Hanshitha22__personalised-fitness-companion__cat-cow.mp4",
    "sit_up/julioccv13__entrenamiento_3__crunch.mp4",
    "leg_raise/malikmrllh__exercises__scissors.mp4",
    "toe_touch/Hanshitha22__personalised-fitness-companion__standing-forward-bend.mp4",
)


@dataclass(frozen=True)
class Clip:
    file: str
    movement: str
    width: int
    height: int

    @property
    def path(self) -> Path:
        return FOOTAGE / self.file

    @property
    def avoided(self) -> bool:
        return self.movement in AVOIDED_OF_FOLDER

    @property
    def exercise(self) -> str:
        """What the clip is analysed as: its exercise, or a bridge for an avoided movement."""
        return EXERCISE_OF_FOLDER.get(self.movement, "bridge")

    @property
    def end(self) -> float | None:
        return AVOIDED_SECONDS if self.avoided else None

    @property
    def landscape(self) -> bool:
        return self.width > self.height


def rotation(degrees: int) -> str:
    angle = f"{degrees}*PI/180"
    # The output grows to hold the whole turned frame; libx264 wants even sides.
    turn = f"rotate={angle}:ow=rotw({angle}):oh=roth({angle}):c=black"
    return f"{turn},scale=trunc(iw/2)*2:trunc(ih/2)*2"


@dataclass(frozen=True)
class Transform:
    name: str
    video_filter: str  # "" for the portrait crop, which depends on where the person is
    start: float = 0.0
    needs_landscape: bool | None = None  # True: landscape clips only; False: the others only

    def applies_to(self, clip: Clip) -> bool:
        return self.needs_landscape is None or self.needs_landscape == clip.landscape


PORTRAIT_CROP = "portrait-crop"
TRANSFORMS = (
    Transform("mirror", "hflip"),
    Transform("rotate+15", rotation(15)),
    Transform("rotate-15", rotation(-15)),
    Transform("fps10", "fps=10"),
    Transform("fps24", "fps=24"),
    Transform("fps30", "fps=30"),
    Transform("fps60", "fps=60"),
    Transform("height240", "scale=-2:240"),
    Transform("height1080", "scale=-2:1080"),
    Transform(PORTRAIT_CROP, "", needs_landscape=True),
    Transform("landscape-pad", "pad=ceil(ih*16/9/2)*2:ih:(ow-iw)/2:0:black", needs_landscape=False),
    Transform("start1s", "null", start=1.0),
)
TRANSFORM_BY_NAME = {t.name: t for t in TRANSFORMS}


def load_clips(files: Iterable[str] = MATRIX_CLIPS) -> list[Clip]:
    rows = {row["file"]: row for row in read_manifest(FOOTAGE / "manifest.csv")}
    return [
        Clip(file, rows[file]["movement"], int(rows[file]["width"]), int(rows[file]["height"]))
        for file in files
        if file in rows
    ]


def person_span(frames: list[PoseFrame]) -> tuple[float, float]:
    """Left and right edge of where the person is over the whole clip, as image-width shares."""
    xs = [f.image[f.visibility > 0.5, 0] for f in frames if f.detected]
    seen = np.concatenate(xs) if xs else np.array([0.0, 1.0])
    seen = seen[np.isfinite(seen)]
    left, right = np.percentile(seen, [1, 99]) if seen.size else (0.0, 1.0)
    return float(left), float(right)


def portrait_crop(clip: Clip, span: tuple[float, float]) -> str:
    """A 9:16 frame around the person. A person lying down is usually wider than 9/16 of the
    frame height: then the crop keeps their whole width and black bars above and below make
    the frame 9:16, as a phone held upright would frame them, so nobody leaves the picture."""
    left = max(span[0] - PERSON_MARGIN, 0.0) * clip.width
    right = min(span[1] + PERSON_MARGIN, 1.0) * clip.width
    width = max(_even(clip.height * 9 / 16), _even(right - left))
    width = min(width, clip.width - clip.width % 2)
    x = min(max((left + right) / 2 - width / 2, 0.0), clip.width - width)
    height = max(clip.height, _even(width * 16 / 9))
    return f"crop={width}:ih:{int(x)}:0,pad={width}:{height}:0:(oh-ih)/2:black"


def _even(value: float) -> int:
    return 2 * math.ceil(value / 2)


def make_variant(clip: Clip, transform: Transform, video_filter: str, folder: Path) -> Path:
    """The clip changed by ``transform``, as an H.264 MP4 in ``folder``."""
    out = folder / f"{Path(clip.file).stem}.{transform.name}.mp4"
    command = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y"]
    if transform.start:
        command += ["-ss", f"{transform.start}"]
    command += ["-i", str(clip.path)]
    if clip.end is not None:
        command += ["-t", f"{clip.end - transform.start}"]
    command += ["-vf", video_filter, "-an", "-c:v", "libx264", "-preset", "veryfast"]
    command += ["-pix_fmt", "yuv420p", "-threads", "1", str(out)]
    subprocess.run(command, check=True, capture_output=True, timeout=900)
    return out


def pose(path: Path, end: float | None) -> list[PoseFrame]:
    from backcoach.pose.mediapipe_backend import MediaPipePoseEstimator
    from backcoach.pose.sources import VideoFileSource

    source = VideoFileSource(path, max_fps=FPS, max_width=MAX_WIDTH, end=end)
    with MediaPipePoseEstimator() as estimator:
        return [estimator.estimate(rgb, t, i) for t, i, rgb in source]


def pose_variant(
    clip: Clip, transform: Transform, video_filter: str, folder: Path
) -> list[PoseFrame]:
    """Make the transformed copy, pose it like the originals, then delete it."""
    video = make_variant(clip, transform, video_filter, folder)
    try:
        return pose(video, None)
    finally:
        video.unlink(missing_ok=True)


def filter_for(clip: Clip, transform: Transform, original: list[PoseFrame]) -> str:
    if transform.name == PORTRAIT_CROP:
        return portrait_crop(clip, person_span(original))
    return transform.video_filter


def family(movement: str) -> str:
    return SIT_UP if movement in SIT_UP_FAMILY else movement


@dataclass(frozen=True)
class Answer:
    """What the analysis says about one run, reduced to what must not change."""

    rep_starts: tuple[float, ...]
    holds: tuple[tuple[float, float], ...]  # (start, seconds)
    warnings: frozenset[str]  # avoided-movement codes, the sit-up kinds as one family
    recognized: str  # recognised movement, the sit-up kinds as one family

    def to_dict(self) -> dict[str, Any]:
        return {
            "reps": len(self.rep_starts),
            "holds": [round(seconds, 2) for _, seconds in self.holds],
            "warnings": sorted(self.warnings),
            "recognized": self.recognized,
        }


def answer_of(frames: list[PoseFrame], exercise: str) -> Answer:
    report = analyze_frames(frames, exercise)
    return Answer(
        rep_starts=tuple(rep.start for rep in report.reps),
        holds=tuple((hold.start, hold.seconds) for hold in report.holds),
        warnings=frozenset(family(w.code) for w in report.avoided),
        recognized=family(recognize(prepare_frames(frames)).movement_id),
    )


def count_difference(original: Answer, changed: Answer, start: float) -> str | None:
    """None when the counts agree. A rep the original began before ``start`` is cut by it in
    the changed run and may be lost."""
    whole = sum(s >= start for s in original.rep_starts)
    if whole <= len(changed.rep_starts) <= len(original.rep_starts):
        return None
    return f"count {len(original.rep_starts)} -> {len(changed.rep_starts)}"


def warning_difference(original: Answer, changed: Answer) -> str | None:
    if original.warnings == changed.warnings:
        return None
    return f"warnings {sorted(original.warnings)} -> {sorted(changed.warnings)}"


def recognition_difference(original: Answer, changed: Answer) -> str | None:
    if original.recognized == changed.recognized:
        return None
    return f"recognised {original.recognized} -> {changed.recognized}"


def hold_difference(original: Answer, changed: Answer, start: float) -> str | None:
    """None when the holds, matched in order, last the same within 0.3 s. A hold the
    original began before ``start`` may be shorter by the part cut off."""
    before = [round(s, 2) for _, s in original.holds]
    after = [round(s, 2) for _, s in changed.holds]
    if len(before) != len(after):
        return f"holds {before} -> {after} s"
    for (began, seconds), (_, changed_seconds) in zip(original.holds, changed.holds, strict=True):
        cut = max(start - began, 0.0)
        if not -HOLD_TOLERANCE <= seconds - changed_seconds <= HOLD_TOLERANCE + cut:
            return f"holds {before} -> {after} s"
    return None


PROPERTIES = ("count", "warnings", "recognition", "holds")


def properties_of(clip: Clip) -> tuple[str, ...]:
    """Counts and holds are answers only on a clip of the exercise analysed."""
    return ("warnings", "recognition") if clip.avoided else PROPERTIES


def difference(prop: str, original: Answer, changed: Answer, start: float) -> str | None:
    if prop == "count":
        return count_difference(original, changed, start)
    if prop == "warnings":
        return warning_difference(original, changed)
    if prop == "recognition":
        return recognition_difference(original, changed)
    return hold_difference(original, changed, start)


def differences(clip: Clip, original: Answer, changed: Answer, start: float) -> list[str]:
    found = (difference(p, original, changed, start) for p in properties_of(clip))
    return [d for d in found if d is not None]


def pool(workers: int) -> ProcessPoolExecutor:
    # spawn, not fork: MediaPipe's threads do not survive a fork.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def run(clips: list[Clip], transforms: list[Transform], workers: int) -> dict[str, Any]:
    started = time.monotonic()
    with pool(workers) as executor:
        originals = {c.file: executor.submit(pose, c.path, c.end) for c in clips}
        original_frames = {file: future.result() for file, future in originals.items()}
        answers = {c.file: answer_of(original_frames[c.file], c.exercise) for c in clips}
        with tempfile.TemporaryDirectory(prefix="backcoach-invariance-") as folder:
            longest_first = sorted(clips, key=lambda c: -len(original_frames[c.file]))
            variants: dict[tuple[Clip, Transform], Future[list[PoseFrame]]] = {
                (c, t): executor.submit(
                    pose_variant, c, t, filter_for(c, t, original_frames[c.file]), Path(folder)
                )
                for c in longest_first
                for t in transforms
                if t.applies_to(c)
            }
            results: dict[str, dict[str, Any]] = {t.name: {} for t in transforms}
            for (clip, transform), future in variants.items():
                result = compare(clip, transform, answers[clip.file], future)
                results[transform.name][clip.file] = result
                print(clip.file, transform.name, result["differences"], file=sys.stderr)
    return summary(results, time.monotonic() - started)


def compare(
    clip: Clip, transform: Transform, original: Answer, future: Future[list[PoseFrame]]
) -> dict[str, Any]:
    """One transformed run against the original; a run that fails counts as disagreeing."""
    try:
        changed = answer_of(future.result(), clip.exercise)
    except Exception as error:
        failed = f"{type(error).__name__}: {error}"
        return {"original": original.to_dict(), "differences": [failed], "agrees": False}
    found = differences(clip, original, changed, transform.start)
    return {
        "original": original.to_dict(),
        "transformed": changed.to_dict(),
        "differences": found,
        "agrees": not found,
    }


def summary(results: dict[str, dict[str, Any]], seconds: float) -> dict[str, Any]:
    runs = [r for by_clip in results.values() for r in by_clip.values()]
    agreeing = sum(r["agrees"] for r in runs)
    return {
        "runs": len(runs),
        "agreeing": agreeing,
        "share_agreeing": round(agreeing / len(runs), 3) if runs else None,
        "by_transform": {
            name: f"{sum(r['agrees'] for r in by_clip.values())}/{len(by_clip)}"
            for name, by_clip in results.items()
            if by_clip
        },
        "disagreements": [
            {"clip": file, "transform": name, "differences": r["differences"]}
            for name, by_clip in results.items()
            for file, r in by_clip.items()
            if not r["agrees"]
        ],
        "results": {name: by_clip for name, by_clip in results.items() if by_clip},
        "seconds": round(seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--clips", nargs="*", default=[], help="keep clips whose file has TEXT")
    parser.add_argument(
        "--files", nargs="*", default=list(MATRIX_CLIPS), help="manifest files (default: matrix)"
    )
    parser.add_argument("--transforms", nargs="*", default=[], choices=list(TRANSFORM_BY_NAME))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if not (FOOTAGE / "manifest.csv").exists():
        print(f"no footage at {FOOTAGE}", file=sys.stderr)
        return 2
    clips = [
        c for c in load_clips(args.files) if not args.clips or any(t in c.file for t in args.clips)
    ]
    transforms = [t for t in TRANSFORMS if not args.transforms or t.name in args.transforms]
    print(json.dumps(run(clips, transforms, args.workers), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
