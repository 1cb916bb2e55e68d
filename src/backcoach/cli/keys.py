"""Single key presses from the terminal without blocking, with the terminal always restored.

``with RawKeys() as keys: keys.read(0.05)`` returns the keys pressed so far (possibly none).
The terminal is put in cbreak mode (no echo, no line buffering, Ctrl-C still interrupts) and
put back as it was when the block ends, however it ends.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import termios
import time
import tty
from typing import IO, Any, Protocol

ENTER = "enter"
ESCAPE = "escape"
BACKSPACE = "backspace"

_NAMED = {"\r": ENTER, "\n": ENTER, "\x7f": BACKSPACE, "\b": BACKSPACE}


def split_keys(text: str) -> list[str]:
    """Raw input as keys: printable characters, ENTER, BACKSPACE, ESCAPE; arrows dropped."""
    keys: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\x1b":
            if text[index + 1 : index + 2] in ("[", "O"):
                index += 2  # an escape sequence (arrow, function key): skip to its final byte
                while index < len(text) and not text[index].isalpha() and text[index] != "~":
                    index += 1
            else:
                keys.append(ESCAPE)
        elif char in _NAMED:
            keys.append(_NAMED[char])
        elif char.isprintable():
            keys.append(char)
        index += 1
    return keys


class KeySource(Protocol):
    def __enter__(self) -> KeySource: ...

    def __exit__(self, *_exc: object) -> None: ...

    def read(self, timeout: float) -> list[str]: ...


class RawKeys:
    def __init__(self, stream: IO[str] | None = None) -> None:
        self._stream = stream or sys.stdin
        self._fd = self._stream.fileno()
        self._saved: list[Any] | None = None
        self._closed = False

    def __enter__(self) -> RawKeys:
        if os.isatty(self._fd):
            self._saved = termios.tcgetattr(self._fd)
            tty.setcbreak(self._fd)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.restore()

    def restore(self) -> None:
        if self._saved is not None:
            # The terminal may be gone already (closed window): nothing left to restore.
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
            self._saved = None

    def read(self, timeout: float) -> list[str]:
        """Keys pressed within ``timeout`` seconds (returns as soon as there are some)."""
        if self._closed:
            time.sleep(timeout)
            return []
        try:
            ready, _, _ = select.select([self._fd], [], [], timeout)
            if not ready:
                return []
            data = os.read(self._fd, 64)
        except InterruptedError:
            return []
        except OSError:
            data = b""
        if not data:  # end of input: keep the session going on its timers
            self._closed = True
            return []
        return split_keys(data.decode("utf-8", errors="ignore"))
