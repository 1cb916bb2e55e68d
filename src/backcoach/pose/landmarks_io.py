"""Save and load landmark files (JSON), so analysis can be re-run without the pose model.

Format (a superset of the plain dump ``{"file", "width", "height", "frames"}``)::

    {"format": "backcoach-landmarks", "version": 1, "file": ..., "source": ..., "width": ...,
     "height": ..., "fps": ..., "duration": ..., "rotation": ..., "estimator": ...,
     "frames": [PoseFrame.to_dict(), ...]}

The loader also accepts the plain dump, which lacks the extra keys.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from backcoach import jsonio
from backcoach.errors import InputError
from backcoach.pose.frame import PoseFrame
from backcoach.pose.track import PoseTrack

FORMAT_NAME = "backcoach-landmarks"
FORMAT_VERSION = 1


def track_to_dict(track: PoseTrack) -> dict[str, Any]:
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "file": Path(track.source).name if track.source else "",
        "source": track.source,
        "width": track.width,
        "height": track.height,
        "fps": round(track.fps, 4),
        "duration": round(track.duration, 4),
        "rotation": track.rotation,
        "estimator": track.estimator,
        "problems": list(track.problems),
        "frames": [frame.to_dict() for frame in track.frames],
    }


def save_landmarks(track: PoseTrack, path: str | Path) -> Path:
    """Write ``track`` to ``path`` atomically: an interrupted save leaves any old file intact."""
    target = Path(path)
    temporary = target.with_name(target.name + ".part")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(track_to_dict(track), handle, separators=(",", ":"))
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise InputError(f"cannot write {target}: {error.strerror or error}") from error
    return target


def _number(data: dict[str, Any], key: str, path: Path, default: float | None = None) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{path} is not a valid landmarks file: '{key}' must be a number")
    if not math.isfinite(value):
        raise InputError(f"{path} is not a valid landmarks file: '{key}' must be a finite number")
    return float(value)


def _median_fps(frames: list[PoseFrame]) -> float:
    """Frame rate told by the timestamps, for files that do not state it (0 if unknown)."""
    gaps = np.diff([frame.timestamp for frame in frames])
    gaps = gaps[gaps > 0]
    return float(1.0 / np.median(gaps)) if gaps.size else 0.0


def track_from_dict(data: Any, path: Path) -> PoseTrack:
    if not isinstance(data, dict) or not isinstance(data.get("frames"), list):
        raise InputError(f"{path} is not a landmarks file (no list of frames)")
    version = data.get("version", FORMAT_VERSION)
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise InputError(f"{path} was written by a newer backcoach (format {version})")
    width = int(_number(data, "width", path))
    height = int(_number(data, "height", path))
    frames: list[PoseFrame] = []
    for position, item in enumerate(data["frames"]):
        try:
            frames.append(PoseFrame.from_dict(item, width, height))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InputError(
                f"{path} is not a valid landmarks file: frame {position} is malformed"
            ) from error
    fps = _number(data, "fps", path, _median_fps(frames))
    duration = _number(data, "duration", path, frames[-1].timestamp if frames else 0.0)
    return PoseTrack(
        frames=frames,
        width=width,
        height=height,
        fps=fps,
        duration=duration,
        source=str(data.get("source") or data.get("file") or ""),
        rotation=int(_number(data, "rotation", path, 0)),
        estimator=str(data.get("estimator") or ""),
        problems=[str(p) for p in data.get("problems", [])],
    )


def load_landmarks(path: str | Path) -> PoseTrack:
    """Read a landmarks file; anything else gives an InputError saying what is wrong."""
    source = Path(path)
    if not source.exists():
        raise InputError(f"{source} does not exist")
    if source.is_dir():
        raise InputError(f"{source} is a folder, not a landmarks file")
    try:
        data = jsonio.loads(source.read_bytes(), str(source))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{source} is not a landmarks file (not JSON)") from error
    except OSError as error:
        raise InputError(f"cannot read {source}: {error.strerror or error}") from error
    return track_from_dict(data, source)
