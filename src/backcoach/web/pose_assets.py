"""The pose model the live coach runs in the browser, served by backcoach itself.

``scripts/setup.sh`` installs ``@mediapipe/pose`` from the npm registry (``package.json`` and
``package-lock.json`` pin it) and copies the files a page needs into ``ASSETS_DIR`` with
``python -m backcoach.web.pose_assets install node_modules/@mediapipe/pose``. Nothing is
fetched from elsewhere at run time, so the page works with no internet.

Why this package: ``@mediapipe/tasks-vision`` ships no model, and its Tasks API refuses the
legacy BlazePose ``.tflite`` files of the mediapipe wheel (they carry no normalisation
metadata). ``@mediapipe/pose`` ships the legacy solution's WASM and its landmark models, and
its ``pose_landmark_full.tflite`` is byte for byte the model of the mediapipe 0.10.21 wheel
that the Python backend runs (``install`` checks this when the wheel is there), so the
browser and the server see the same landmarks.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.staticfiles import PathLike
from starlette.types import Scope

ASSETS_DIR = Path(__file__).parent / "pose_model"
URL_PATH = "/pose-model"
MODEL = "pose_landmark_full.tflite"  # model complexity 1, as the Python backend
FILES = (
    "pose.js",
    "pose_solution_packed_assets_loader.js",
    "pose_solution_packed_assets.data",
    "pose_solution_simd_wasm_bin.js",
    "pose_solution_simd_wasm_bin.wasm",
    "pose_solution_simd_wasm_bin.data",
    "pose_solution_wasm_bin.js",
    "pose_solution_wasm_bin.wasm",
    "pose_web.binarypb",
    MODEL,
)
MEDIA_TYPES = {
    ".js": "text/javascript",
    ".wasm": "application/wasm",
    ".data": "application/octet-stream",
    ".binarypb": "application/octet-stream",
    ".tflite": "application/octet-stream",
}


def available(directory: Path = ASSETS_DIR) -> bool:
    """Whether every file a page needs to run pose itself is installed."""
    return all((directory / name).is_file() for name in FILES)


class PoseAssets(StaticFiles):
    """The installed files, each with its own media type (WASM must be application/wasm to
    compile while it streams) and cached for a day: they change only with the lock file."""

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        media_type = MEDIA_TYPES.get(Path(full_path).suffix)
        if media_type is not None:
            response.headers["content-type"] = media_type
        response.headers["cache-control"] = "public, max-age=86400"
        return response

    async def check_config(self) -> None:
        if self.directory is not None and not Path(self.directory).is_dir():
            return  # not installed: every file is simply not found (404)
        await super().check_config()

    async def get_response(self, path: str, scope: Scope) -> Response:
        if Path(path).name not in FILES:  # only the files a page needs, nothing else there
            return Response(status_code=404)
        return await super().get_response(path, scope)


def wheel_model() -> Path | None:
    """The landmark model inside the installed mediapipe wheel, when there is one."""
    try:
        import mediapipe
    except ImportError:
        return None
    path = Path(mediapipe.__file__).parent / "modules" / "pose_landmark" / MODEL
    return path if path.is_file() else None


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def install(source: Path, target: Path = ASSETS_DIR) -> None:
    """Copy the files a page needs from an installed ``@mediapipe/pose`` into ``target``."""
    missing = [name for name in FILES if not (source / name).is_file()]
    if missing:
        raise SystemExit(f"{source} lacks {', '.join(missing)}: is @mediapipe/pose installed?")
    wheel = wheel_model()
    if wheel is not None and sha256(wheel) != sha256(source / MODEL):
        raise SystemExit(
            f"The browser's {MODEL} differs from the mediapipe wheel's: the browser and the "
            "server would not see the same landmarks."
        )
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copyfile(source / name, target / name)


def main(argv: list[str]) -> None:
    if len(argv) != 2 or argv[0] != "install":
        raise SystemExit("usage: python -m backcoach.web.pose_assets install NODE_PACKAGE_DIR")
    install(Path(argv[1]))


if __name__ == "__main__":
    main(sys.argv[1:])
