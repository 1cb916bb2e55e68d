"""Which analyzer watches which exercise: ``make_analyzer(exercise_id, dose)``."""

from __future__ import annotations

from collections.abc import Callable

from backcoach.analysis.events import Analyzer
from backcoach.analysis.exercises.bird_dog import BirdDogAnalyzer
from backcoach.analysis.exercises.bridge import BridgeAnalyzer
from backcoach.analysis.exercises.cat_cow import CatCowAnalyzer
from backcoach.analysis.exercises.knees_up import KneesUpAnalyzer
from backcoach.analysis.exercises.pelvic_tilt import PelvicTiltAnalyzer
from backcoach.analysis.exercises.press_up import PressUpAnalyzer
from backcoach.analysis.exercises.roll_and_stretch import RollAndStretchAnalyzer
from backcoach.catalog.schema import Dose
from backcoach.errors import NotFoundError


def _press_up(dose: Dose | None) -> Analyzer:
    return PressUpAnalyzer() if dose is None else PressUpAnalyzer(hold_target=dose.hold_seconds)


def _bird_dog(dose: Dose | None) -> Analyzer:
    # The stage decides what counts: an arm alone, or an arm with the opposite leg.
    if dose is None or dose.stage is None:
        return BirdDogAnalyzer()
    return BirdDogAnalyzer(stage=dose.stage, hold_target=dose.hold_seconds or None)


ANALYZERS: dict[str, Callable[[Dose | None], Analyzer]] = {
    "press-up": _press_up,
    "pelvic-tilt": lambda _dose: PelvicTiltAnalyzer(),
    "bridge": lambda _dose: BridgeAnalyzer(),
    "roll-and-stretch": lambda _dose: RollAndStretchAnalyzer(),
    "knees-up-stretch": lambda _dose: KneesUpAnalyzer(),
    "bird-dog": _bird_dog,
    "cat-cow": lambda _dose: CatCowAnalyzer(),
}


def make_analyzer(exercise_id: str, dose: Dose | None = None) -> Analyzer:
    """A fresh analyzer for one exercise (analyzers keep state: one per video or session).

    ``dose`` is today's planned dose when there is one: it sets the bird-dog stage and the
    hold targets; without it the analyzer expects the full movement.
    """
    if exercise_id not in ANALYZERS:
        raise NotFoundError(
            f"No analyzer for '{exercise_id}'. Valid exercises: {', '.join(ANALYZERS)}, auto."
        )
    return ANALYZERS[exercise_id](dose)
