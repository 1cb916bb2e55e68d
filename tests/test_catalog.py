"""The shipped catalog: the seven exercises, the article's doses, and texts in our own words."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from backcoach.catalog import Exercise, Side, UnknownExerciseError, load_catalog
from backcoach.errors import NotFoundError
from backcoach.pose.landmarks import BODY_PARTS

SEED_ARTICLE = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "seed"
    / "lower-back-toning-exercises.txt"
)
SEVEN = (
    "press-up",
    "pelvic-tilt",
    "bridge",
    "roll-and-stretch",
    "knees-up-stretch",
    "bird-dog",
    "cat-cow",
)
# The article never says how long to take moving, returning or resting.
ALWAYS_CHOSEN = {"move_seconds", "return_seconds", "rest_seconds"}


def exercise(exercise_id: str) -> Exercise:
    return load_catalog().get(exercise_id)


def test_the_shipped_catalog_has_exactly_the_seven_exercises_in_order() -> None:
    assert load_catalog().ids == SEVEN


def test_load_catalog_is_cached() -> None:
    assert load_catalog() is load_catalog()


def test_press_up_holds_3_s_returns_slowly_and_its_reps_are_the_programs_choice() -> None:
    press_up = exercise("press-up")
    dose = press_up.dose_at(0)
    assert press_up.level_count == 1
    assert dose.hold_seconds == 3
    assert dose.return_seconds >= 2 * dose.move_seconds
    assert dose.reps == 5
    assert {"reps", "rest_seconds"} <= set(dose.program_choices)
    assert not dose.is_program_choice("hold_seconds")
    assert dose.describe() == "5 reps, hold 3 s, slow return (4 s)"


def test_pelvic_tilt_hold_climbs_one_second_at_a_time_from_2_to_10() -> None:
    ladder = exercise("pelvic-tilt").ladder()
    assert [dose.hold_seconds for dose in ladder] == list(range(2, 11))
    assert {dose.reps for dose in ladder} == {10}
    assert all(dose.is_program_choice("reps") for dose in ladder)
    assert not any(dose.is_program_choice("hold_seconds") for dose in ladder)


def test_bridge_reps_climb_from_5_to_the_articles_10_with_a_short_hold() -> None:
    ladder = exercise("bridge").ladder()
    assert [dose.reps for dose in ladder] == [5, 6, 7, 8, 9, 10]
    assert all(dose.hold_seconds == 2 and dose.is_program_choice("hold_seconds") for dose in ladder)
    assert all(dose.return_seconds > dose.move_seconds for dose in ladder)
    assert all(dose.is_program_choice("reps") for dose in ladder[:-1])
    assert not ladder[-1].is_program_choice("reps")


def test_roll_and_stretch_holds_20_s_five_times_each_side() -> None:
    roll = exercise("roll-and-stretch")
    dose = roll.dose_at(0)
    assert roll.level_count == 1
    assert (dose.reps, dose.hold_seconds) == (5, 20)
    assert [part.side for part in dose.parts] == [Side.LEFT, Side.RIGHT]
    assert not set(dose.program_choices) & {"reps", "hold_seconds"}
    assert dose.describe() == "5 each side, hold 20 s each"


def test_knees_up_stretch_is_left_right_both_held_20_s_repeated_3_to_10_times() -> None:
    ladder = exercise("knees-up-stretch").ladder()
    for dose in ladder:
        assert [(p.label, p.side) for p in dose.parts] == [
            ("left knee", Side.LEFT),
            ("right knee", Side.RIGHT),
            ("both knees", Side.BOTH),
        ]
        assert dose.hold_seconds == 20
    assert [dose.reps for dose in ladder] == list(range(3, 11))
    assert ladder[0].is_program_choice("reps")
    assert not ladder[-1].is_program_choice("reps")


def test_bird_dog_goes_from_arm_only_to_arm_and_opposite_leg_held_3_s() -> None:
    ladder = exercise("bird-dog").ladder()
    arm_only, arm_and_leg = ladder[:2], ladder[2:]
    assert [(d.stage, d.reps) for d in arm_only] == [("arm-only", 5), ("arm-only", 10)]
    for dose in arm_only:
        assert [(p.label, p.side) for p in dose.parts] == [
            ("left arm", Side.LEFT),
            ("right arm", Side.RIGHT),
        ]
        assert dose.is_program_choice("hold_seconds") and dose.is_program_choice("reps")
    assert [d.reps for d in arm_and_leg] == [5, 6, 7, 8, 9, 10]
    for dose in arm_and_leg:
        assert dose.stage == "arm-and-leg"
        assert dose.hold_seconds == 3 and not dose.is_program_choice("hold_seconds")
        assert not dose.is_program_choice("reps")
        assert [(p.label, p.side) for p in dose.parts] == [
            ("left arm + right leg", Side.LEFT),
            ("right arm + left leg", Side.RIGHT),
        ]
    assert ladder[-1].describe() == "Arm and opposite leg: 10 each side, hold 3 s each"


def test_cat_cow_is_5_to_10_of_each_with_a_short_pause_chosen_by_the_program() -> None:
    ladder = exercise("cat-cow").ladder()
    assert [dose.reps for dose in ladder] == [5, 6, 7, 8, 9, 10]
    for dose in ladder:
        assert [part.key for part in dose.parts] == ["cat", "cow"]
        assert 0 < dose.hold_seconds <= 2 and dose.is_program_choice("hold_seconds")
    assert ladder[0].describe() == "5 of each (cat, cow), pause 1 s each"


@pytest.mark.parametrize("exercise_id", SEVEN)
def test_every_exercise_is_complete_and_marks_timing_as_the_programs_choice(
    exercise_id: str,
) -> None:
    item = exercise(exercise_id)
    assert item.steps and item.form_cues and item.cautions and item.article_dose
    for dose in item.ladder():
        assert set(dose.program_choices) >= ALWAYS_CHOSEN
        assert all(part.cue for part in dose.part_list())
        assert dose.describe()[0].isalnum()


@pytest.mark.parametrize("exercise_id", SEVEN)
def test_camera_is_a_side_view_at_floor_level_naming_known_body_parts(exercise_id: str) -> None:
    camera = exercise(exercise_id).camera
    assert camera.view == "side"
    assert "floor" in camera.height
    near, far = camera.distance_m
    assert 1 <= near < far <= 4
    assert set(camera.must_see) <= set(BODY_PARTS)


def test_dose_at_clamps_to_the_ladder() -> None:
    tilt = exercise("pelvic-tilt")
    assert tilt.dose_at(-3) == tilt.dose_at(0)
    assert tilt.dose_at(99).hold_seconds == 10


def test_avoided_movements_and_doctor_caution() -> None:
    catalog = load_catalog()
    assert [m.id for m in catalog.avoided] == [
        "straight-leg-sit-up",
        "bent-leg-sit-up",
        "leg-lift",
        "standing-toe-touch",
    ]
    assert all(len(m.reason) > 40 and len(m.looks_like) > 40 for m in catalog.avoided)
    assert "doctor" in catalog.doctor_caution


def test_unknown_exercise_is_a_not_found_error_listing_valid_ids() -> None:
    with pytest.raises(NotFoundError) as caught:
        load_catalog().get("sit-up")
    message = str(caught.value)
    assert "'sit-up'" in message and "press-up" in message and "cat-cow" in message
    assert isinstance(caught.value, UnknownExerciseError | KeyError)
    assert "\n" not in message


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _texts(item)]
    return []


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "").replace("'", ""))


def _shingles(words: list[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def test_no_text_repeats_eight_consecutive_words_of_the_article() -> None:
    if not SEED_ARTICLE.is_file():
        pytest.skip(f"the seed article is not here ({SEED_ARTICLE}); nothing to compare with")
    article = _shingles(_words(SEED_ARTICLE.read_text(encoding="utf-8")), 8)
    texts = _texts(load_catalog().model_dump(mode="json"))
    assert len(texts) > 100
    copied = [
        (" ".join(shingle), text)
        for text in texts
        for shingle in _shingles(_words(text), 8) & article
    ]
    assert copied == []


def test_the_shingle_check_would_catch_a_copied_sentence() -> None:
    if not SEED_ARTICLE.is_file():
        pytest.skip(f"the seed article is not here ({SEED_ARTICLE}); nothing to compare with")
    article = _shingles(_words(SEED_ARTICLE.read_text(encoding="utf-8")), 8)
    copied = "Don’t force it; go only as far as is comfortable."
    assert _shingles(_words(copied), 8) & article
