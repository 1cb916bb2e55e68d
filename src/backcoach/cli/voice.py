"""Spoken cues through espeak-ng, started in the background so they never delay the timer."""

from __future__ import annotations

import contextlib
import shutil
import subprocess

ESPEAK = "espeak-ng"
WORDS_PER_MINUTE = "160"


class Voice:
    """Says one cue at a time; a new cue cuts off the one still being spoken."""

    def __init__(self, enabled: bool, command: str = ESPEAK) -> None:
        self._path = shutil.which(command) if enabled else None
        self._speaking: subprocess.Popen[bytes] | None = None
        self._stopping: list[subprocess.Popen[bytes]] = []

    @property
    def available(self) -> bool:
        return self._path is not None

    def say(self, text: str) -> None:
        if self._path is None or not text:
            return
        self._hush()
        try:
            self._speaking = subprocess.Popen(
                [self._path, "-s", WORDS_PER_MINUTE, text],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C for the session is not for the speech
            )
        except OSError:
            self._path = None  # the speech program went away: go on silently

    def close(self) -> None:
        """Reap the cut-off cues; the last cue may finish on its own (the session is over)."""
        for process in self._stopping:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=1)
        self._stopping.clear()

    def _hush(self) -> None:
        speaking, self._speaking = self._speaking, None
        if speaking is not None and speaking.poll() is None:
            speaking.terminate()
            self._stopping.append(speaking)
        # Reap the ones that have stopped, without waiting for any.
        self._stopping = [p for p in self._stopping if p.poll() is None]
