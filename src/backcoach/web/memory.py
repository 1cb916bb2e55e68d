"""Giving the pose model's memory back to the system after each live connection.

Each live connection loads the model in its own thread and frees it when the connection
ends. With glibc's default of one malloc arena per thread (up to eight per core), the freed
memory stays with the arenas of threads that are gone, and the server grows by hundreds of
megabytes over a few dozen connections. Two arenas and a trim after each release keep the
server's memory flat. Both are no-ops where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

M_ARENA_MAX = -8  # mallopt parameter (glibc malloc.h)
SERVER_ARENAS = 2


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt  # noqa: B018 - only glibc has these two
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def limit_malloc_arenas(arenas: int = SERVER_ARENAS) -> None:
    """Cap the malloc arenas of this process, unless MALLOC_ARENA_MAX already does."""
    libc = _glibc()
    if libc is not None and "MALLOC_ARENA_MAX" not in os.environ:
        libc.mallopt(M_ARENA_MAX, arenas)


def return_freed_memory() -> None:
    """Hand memory that has been freed back to the system (glibc keeps it otherwise)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
