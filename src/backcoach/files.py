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


def make_private_dir(directory: Path) -> None:
    """Create ``directory`` (and its missing parents) readable by its owner only (0700).

    A folder that already exists keeps the permissions its owner gave it.
    """
    missing = [directory, *directory.parents]
    missing = [folder for folder in missing if not folder.exists()]
    directory.mkdir(parents=True, exist_ok=True)
    for folder in missing:
        folder.chmod(0o700)


def write_private(target: Path, data: bytes) -> None:
    """Write a new file readable by its owner only (0600), whatever the umask."""
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
