"""Writing a file the person asked for: whole or not at all, never half a file."""

from __future__ import annotations

import os
from pathlib import Path

from backcoach.errors import InputError


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` through a temporary file and a rename; a full disk leaves no trace."""
    temporary = target.with_name(f".{target.name}.partial")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise InputError(f"Cannot write {target}: {error.strerror or error}.") from error
