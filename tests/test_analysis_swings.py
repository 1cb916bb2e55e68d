"""The swing tool: turning points of a noisy number, confirmed by a minimum swing back."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcoach.analysis.tools.swings import SwingTurns, Turn

FPS = 15.0


def turns_of(
    values: list[float], min_swing: float, fps: float = FPS, first_swing: float | None = None
) -> list[Turn]:
    tool = SwingTurns(min_swing, first_swing)
    found = [tool.update(v, i / fps) for i, v in enumerate(values)]
    return [t for t in found if t is not None]


def sine(amplitude: float, period: float, seconds: float, fps: float = FPS) -> list[float]:
    return [amplitude * math.sin(2 * math.pi * i / fps / period) for i in range(int(seconds * fps))]


def test_each_peak_and_trough_of_a_wave_is_one_turn_at_its_extreme() -> None:
    turns = turns_of(sine(8.0, 3.0, 10.0), min_swing=6.0)
    # Extremes at 0.75, 2.25, 3.75, ... s; the last (9.75 s) is not yet confirmed at 10 s.
    assert [t.peak for t in turns] == [True, False, True, False, True, False]
    assert [t.time for t in turns] == pytest.approx([0.75, 2.25, 3.75, 5.25, 6.75, 8.25], abs=0.07)
    assert [t.value for t in turns] == pytest.approx([8, -8, 8, -8, 8, -8], abs=0.1)
    assert turns[0].swing == pytest.approx(8.0, abs=0.1)  # from the first value, 0
    assert all(t.swing == pytest.approx(16.0, abs=0.2) for t in turns[1:])


def test_movement_smaller_than_the_swing_is_no_turn() -> None:
    rng = np.random.default_rng(3)
    jitter = list(sine(1.5, 2.0, 20.0) + rng.normal(0.0, 0.3, int(20 * FPS)))
    assert turns_of(jitter, min_swing=6.0) == []


def test_a_turn_is_confirmed_only_once_the_value_has_come_back_far_enough() -> None:
    tool = SwingTurns(5.0)
    for i, v in enumerate([0.0, 3.0, 7.0, 10.0, 8.0, 6.0]):
        assert tool.update(v, float(i)) is None
    turn = tool.update(4.9, 6.0)
    assert turn == Turn(time=3.0, value=10.0, peak=True, swing=10.0)


def test_the_first_turn_needs_only_the_first_swing_into_it() -> None:
    # Seen from 3 (on the way down from somewhere), down to 1, up to 4, then down to -3.
    values = [3.0, 2.0, 1.0, 2.5, 4.0, 2.0, 0.0, -3.0, 0.0, 3.0]
    trough = Turn(time=7 / FPS, value=-3.0, peak=False, swing=7.0)
    assert turns_of(values, min_swing=5.0) == [trough]  # 3 into the peak at 4 is not 5
    peak = Turn(time=4 / FPS, value=4.0, peak=True, swing=3.0)
    assert turns_of(values, min_swing=5.0, first_swing=2.0) == [peak, trough]
    # Where the value was first seen is no turn: it did not come there.
    assert turns_of([4.0, 2.0, -2.0, 1.0, 4.0], min_swing=5.0, first_swing=0.5) == [
        Turn(time=2 / FPS, value=-2.0, peak=False, swing=6.0)
    ]


def test_pending_is_an_extreme_left_by_less_than_the_swing() -> None:
    tool = SwingTurns(5.0)
    for i, v in enumerate([0.0, 6.0, 9.0]):
        tool.update(v, float(i))
    assert tool.pending() is None  # still rising: no extreme yet
    tool.update(7.0, 3.0)
    assert tool.pending() == Turn(time=2.0, value=9.0, peak=True, swing=9.0)


def test_missing_values_are_skipped_and_reset_forgets() -> None:
    tool = SwingTurns(5.0)
    for i, v in enumerate([0.0, 10.0, math.nan, None]):
        assert tool.update(v, float(i)) is None
    tool.reset(4.0)
    assert tool.pending() is None
    assert tool.update(4.0, 5.0) is None  # a fresh first value, not a fall from 10


def test_the_swing_must_be_positive() -> None:
    with pytest.raises(ValueError):
        SwingTurns(0.0)
    with pytest.raises(ValueError):
        SwingTurns(1.0, first_swing=-1.0)


@settings(max_examples=60, deadline=None)
@given(
    # Whole numbers keep the arithmetic exact, so a swing on the threshold stays on it.
    values=st.lists(st.integers(-50, 50).map(float), min_size=2, max_size=60),
    offset=st.integers(-100, 100).map(float),
    fps=st.sampled_from([10.0, 15.0, 30.0]),
)
def test_turns_do_not_depend_on_offset_or_sign(
    values: list[float], offset: float, fps: float
) -> None:
    base = turns_of(values, 6.0, fps, first_swing=3.0)
    shifted = turns_of([v + offset for v in values], 6.0, fps, first_swing=3.0)
    flipped = turns_of([-v for v in values], 6.0, fps, first_swing=3.0)
    assert [(t.time, t.peak) for t in shifted] == [(t.time, t.peak) for t in base]
    assert [t.value - offset for t in shifted] == pytest.approx([t.value for t in base], abs=1e-6)
    assert [(t.time, not t.peak) for t in flipped] == [(t.time, t.peak) for t in base]
