"""The analysis constants that are tuned on footage, and how they are chosen.

Each constant below has a few candidate values; the first is its prior, the value it had
before the clips it is scored on were looked at. ``choose`` scores every candidate
configuration (all priors, then each constant moved to each of its other values) on a set of
clips and keeps the best, preferring the priors on a tie. The defaults in the code are what
``choose`` picks on all the footage (``--loso`` prints it, and whether the code agrees).

``leave_one_source_out`` shows how well the choice carries to people and cameras it was not
made on: for each source repository, the constants are chosen on the other sources' clips
only, and that source's clips are scored with them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from evaluate import HOLD_TOLERANCE, ClipResult, summarize


@dataclass(frozen=True)
class Constant:
    module: str
    name: str
    values: tuple[float, ...]
    meaning: str


CANDIDATES: tuple[Constant, ...] = (
    Constant("avoided", "CURL_ENTER", (0.2, 0.15, 0.25), "trunk rise above usual: a curl"),
    Constant("avoided", "CURL_EXIT", (0.1, 0.05), "trunk rise above usual: back down"),
    Constant("posture", "HIPS_DOWN", (0.15, 0.1, 0.2), "hips near the shoulder-ankle line"),
    Constant("avoided", "TUCK_WINDOW", (12.0, 8.0, 20.0), "seconds for two leg pull-ins"),
    Constant("supine", "LEGS_DRAWN_IN", (75.0, 65.0, 85.0), "thigh-trunk angle: drawn in"),
    Constant("supine", "LEGS_STRETCHED", (130.0, 120.0, 140.0), "hip and knee: stretched"),
    Constant("exercises.press_up", "RESTING_BEFORE", (0.3, 0.6, 1.0), "lying before a press-up"),
    Constant("posture", "KNEES_UP_LYING", (1.5, 1.2, 2.0), "knees above hips, still lying"),
    Constant("recognize", "PRESENCE_FULL_SHARE", (0.5, 0.35, 0.75), "share weighing fully"),
    Constant("recognize", "KNEES_ROLLED", (0.45, 0.4, 0.5), "knees aside: rolled"),
    Constant("recognize", "ROLL_WEIGHT", (4.0, 2.5, 5.5), "weight of rolled frames"),
    Constant("recognize", "LEGS_UP_SHARE", (0.15, 0.1, 0.25), "frames with a leg up: bird dog"),
    Constant("recognize", "STILL_CAT_COW", (0.35, 0.25, 0.5), "all fours, nothing raised"),
    Constant("supine", "FEET_OUT", (1.3, 1.2, 1.4), "feet from hips: legs stretched out"),
    Constant("exercises.roll_and_stretch", "FEET_STAY", (0.3, 0.2, 0.4), "feet still in a roll"),
    Constant("exercises.roll_and_stretch", "SHALLOW_IN", (0.15, 0.12, 0.2, 0.3), "shallow roll"),
    Constant("exercises.bird_dog", "ARM_DROP", (20.0, 15.0, 25.0), "arm down from its peak"),
    Constant("exercises.bird_dog", "ANKLE_RAISED", (-25.0, -20.0, -30.0), "leg reaching back"),
    Constant("exercises.knees_up", "KNEES_APART", (0.35, 0.3, 0.4), "knees no longer overlap"),
    Constant("exercises.cat_cow_small", "MIN_SWING", (2.0, 1.5, 3.0), "head+back turn: small cat"),
    Constant("exercises.cat_cow_small", "MIN_SHARE", (0.5, 0.25, 1.0), "head and back both move"),
)

Config = dict[str, float]  # "module.NAME" -> value; empty = the defaults


def _key(constant: Constant) -> str:
    return f"{constant.module}.{constant.name}"


def configurations() -> list[Config]:
    """All priors first, then each constant moved to each of its other candidates."""
    priors: Config = {_key(c): c.values[0] for c in CANDIDATES}
    configs: list[Config] = [priors]
    for constant in CANDIDATES:
        for value in constant.values[1:]:
            configs.append(priors | {_key(constant): value})
    return configs


def changes(config: Config) -> Config:
    """What a configuration changes from the priors."""
    return {c: v for c, v in config.items() if v != configurations()[0][c]}


def code_defaults() -> Config:
    return {_key(c): _get(c) for c in CANDIDATES}


def _module(name: str) -> Any:
    return importlib.import_module(f"backcoach.analysis.{name}")


def _get(constant: Constant) -> float:
    return float(getattr(_module(constant.module), constant.name))


def run_with(config: Config, evaluate: Callable[[], list[ClipResult]]) -> list[ClipResult]:
    """Evaluate with the constants of ``config`` set, then put the defaults back."""
    saved: dict[str, float] = {}
    try:
        for key, value in config.items():
            module, name = key.rsplit(".", 1)
            saved[key] = getattr(_module(module), name)
            setattr(_module(module), name, value)
        return evaluate()
    finally:
        for key, value in saved.items():
            module, name = key.rsplit(".", 1)
            setattr(_module(module), name, value)


def clip_score(result: ClipResult) -> float:
    """One point for each thing the clip can be right about."""
    score = 0.0
    if result.rep_error is not None:
        score += result.rep_error == 0
    measured = [e for e in result.hold_errors if e is not None]
    if result.hold_errors:
        score += sum(e <= HOLD_TOLERANCE for e in measured) / len(result.hold_errors)
    if result.warned_right is not None:
        score += result.warned_right
    if result.recognized_ok is not None:
        score += result.recognized_ok
    return score


def choose(per_config: Sequence[list[ClipResult]], keep: Sequence[int]) -> int:
    """The configuration scoring best on the clips at ``keep`` (the first wins a tie)."""
    totals = [sum(clip_score(results[i]) for i in keep) for results in per_config]
    return max(range(len(totals)), key=lambda k: (totals[k], -k))


def leave_one_source_out(
    rows: list[dict[str, str]],
    frames: object,
    evaluate: Callable[[], list[ClipResult]],
) -> dict[str, Any]:
    configs = configurations()
    per_config = [run_with(config, evaluate) for config in configs]
    sources = sorted({row["source_repo"] for row in rows})
    held_out: list[ClipResult | None] = [None] * len(rows)
    folds = []
    for source in sources:
        inside = [i for i, row in enumerate(rows) if row["source_repo"] == source]
        outside = [i for i, row in enumerate(rows) if row["source_repo"] != source]
        best = choose(per_config, outside)
        folds.append({"source": source, "clips": len(inside), "constants": changes(configs[best])})
        for i in inside:
            held_out[i] = per_config[best][i]
    results = [r for r in held_out if r is not None]
    overall = choose(per_config, range(len(rows)))
    return {
        "results": results,
        "summary": summarize(results),
        "chosen": changes(configs[overall]),
        "code_agrees": configs[overall] == code_defaults(),
        "folds": folds,
        "configurations": len(configs),
    }


def loso_lines(loso: dict[str, Any]) -> str:
    chosen = loso["chosen"] or "the priors"
    agrees = (
        "the code's defaults are that choice"
        if loso["code_agrees"]
        else ("the code's defaults DIFFER from that choice")
    )
    changed = [f for f in loso["folds"] if f["constants"]]
    lines = [
        f"- {loso['configurations']} candidate configurations of {len(CANDIDATES)} constants "
        f"(`bench/constants.py`); chosen on all the footage, against the priors: {chosen}; "
        f"{agrees}.",
        f"- {len(loso['folds'])} sources held out in turn; {len(changed)} of them chose "
        "constants other than the priors" + (":" if changed else "."),
    ]
    lines += [f"  - {f['source']} ({f['clips']} clips): {f['constants']}" for f in changed]
    return "\n".join(lines)
