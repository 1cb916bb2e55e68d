"""Writing a report or bundle file: never over an existing file unless asked, never half."""

from __future__ import annotations

from pathlib import Path

from backcoach.errors import InputError
from backcoach.files import write_atomically


def write_output(target: Path, data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``target`` through a temporary file and a rename."""
    if target.exists() and (target.is_dir() or not overwrite):
        what = "a folder" if target.is_dir() else "a file"
        hint = "" if target.is_dir() else " or add --force to replace it"
        raise InputError(f"{target} is already {what}; choose another name{hint}.")
    if not target.parent.is_dir():
        raise InputError(f"The folder {target.parent} does not exist.")
    write_atomically(target, data)
    return target
