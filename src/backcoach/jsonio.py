"""Reading JSON from outside (files, request bodies) with its nesting bounded.

Python's parser recurses once per level of nesting, so a few thousand ``[`` end in a
RecursionError. The depth is measured first, outside strings, without parsing; real
backcoach documents nest fewer than ten levels.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from backcoach.errors import InputError

MAX_DEPTH = 64
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_CHUNK = 1 << 20
_OPEN = np.zeros(256, dtype=np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_OPEN[[ord("]"), ord("}")]] = -1


def nesting_depth(data: bytes) -> int:
    """How deep arrays and objects nest in ``data`` (brackets inside strings do not count)."""
    outside_strings = _STRING.sub(b"", data)
    depth = 0
    deepest = 0
    for start in range(0, len(outside_strings), _CHUNK):
        chunk = np.frombuffer(outside_strings, dtype=np.uint8, count=-1, offset=start)[:_CHUNK]
        levels = np.cumsum(_OPEN[chunk], dtype=np.int64) + depth
        if levels.size:
            deepest = max(deepest, int(levels.max()))
            depth = int(levels[-1])
    return deepest


def loads(data: str | bytes, source: str, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` for outside data: InputError when it nests deeper than ``max_depth``;
    json.JSONDecodeError (for the caller's own message) when it is not JSON."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    # No deeper than it has brackets: most messages settle it without measuring the depth.
    openers = raw.count(b"[") + raw.count(b"{")
    if openers > max_depth and nesting_depth(raw) > max_depth:
        raise InputError(
            f"{source} nests lists or objects more than {max_depth} levels deep; "
            "it is not a file backcoach wrote."
        )
    return json.loads(raw)
