"""The guided-session player: a state machine with an injected clock and no I/O.

See ``backcoach.player.session`` for how to drive it (and the camera-counting API).
"""

from backcoach.player.clock import Clock, FakeClock, ScaledClock
from backcoach.player.events import (
    CountedBy,
    Counting,
    EventKind,
    Phase,
    PlayerEvent,
    PlayerState,
    RepDone,
    SessionStatus,
    SetResult,
    SetStatus,
    Snapshot,
)
from backcoach.player.session import SessionPlayer

__all__ = [
    "Clock",
    "CountedBy",
    "Counting",
    "EventKind",
    "FakeClock",
    "Phase",
    "PlayerEvent",
    "PlayerState",
    "RepDone",
    "ScaledClock",
    "SessionPlayer",
    "SessionStatus",
    "SetResult",
    "SetStatus",
    "Snapshot",
]
