"""``backcoach analyze`` of a long video tells its progress even when stderr is not a
terminal (a log file, a pipe): a plain line every tenth, while it works."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from test_web_upload import empty_room_video

BACKCOACH = Path(sys.executable).with_name("backcoach")


def test_progress_lines_when_stderr_is_a_pipe(tmp_path: Path) -> None:
    video = empty_room_video(tmp_path / "long.mp4", 12.0)
    done = subprocess.run(
        [str(BACKCOACH), "analyze", str(video), "--exercise", "bridge", "--max-fps", "5"],
        capture_output=True,
        text=True,
        env={**os.environ, "BACKCOACH_HOME": str(tmp_path / "home")},
        timeout=300,
    )
    assert "could not see a person" in done.stderr  # an empty room: the analysis still ran
    lines = [line for line in done.stderr.splitlines() if line.startswith("analysing: ")]
    assert len(lines) >= 5, done.stderr
    assert lines[-1].startswith("analysing: 100%")
    assert "Traceback" not in done.stderr
