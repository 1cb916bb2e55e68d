"""Writing a report or bundle file: never over an existing file unless asked, never half."""

from __future__ import annotations

import os
from pathlib import Path

from backcoach.errors import InputError


def write_output(target: Path, data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``target`` through a temporary file and a rename."""
    if target.exists() and (target.is_dir() or not overwrite):
        what = "a folder" if target.is_dir() else "a file"
        hint = "" if target.is_dir() else " or add --force to replace it"
        raise InputError(f"{target} is already {what}; choose another name{hint}.")
    if not target.parent.is_dir():
        raise InputError(f"The folder {target.parent} does not exist.")
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
    return target
