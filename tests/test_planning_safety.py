"""Red-flag screening, the session gate and the pain stop rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcoach.errors import InputError
from backcoach.planning.gate import GateAction, session_gate
from backcoach.planning.pain import should_stop, validate_pain
from backcoach.planning.screening import (
    QUESTION_IDS,
    QUESTIONS,
    Category,
    Outcome,
    doctor_caution,
    evaluate_screening,
)
from backcoach.planning.settings import Settings

DEFAULTS = Settings()
NOW = datetime(2026, 5, 20, 9, 30, tzinfo=UTC)
EMERGENCY_IDS = [q.id for q in QUESTIONS if q.category is Category.EMERGENCY]
DOCTOR_IDS = [q.id for q in QUESTIONS if q.category is Category.SEE_DOCTOR]


def all_no() -> dict[str, bool]:
    return dict.fromkeys(QUESTION_IDS, False)


# --- screening ------------------------------------------------------------------------------


def test_questions_cover_the_clinical_list_with_unique_ids() -> None:
    assert len(set(QUESTION_IDS)) == len(QUESTIONS)
    assert all(isinstance(q.category, Category) for q in QUESTIONS)
    assert len(EMERGENCY_IDS) == 6
    assert len(DOCTOR_IDS) == 11
    assert all(q.text.endswith("?") for q in QUESTIONS)


def test_all_no_is_clear() -> None:
    result = evaluate_screening(all_no())
    assert (result.outcome, result.flags) == (Outcome.CLEAR, ())


@pytest.mark.parametrize("flag", EMERGENCY_IDS)
def test_any_emergency_sign_means_urgent_care(flag: str) -> None:
    answers = all_no() | {flag: True}
    result = evaluate_screening(answers)
    assert result.outcome is Outcome.EMERGENCY
    assert result.flags == (flag,)
    assert "urgent" in result.message and "today" in result.message


@pytest.mark.parametrize("flag", DOCTOR_IDS)
def test_any_doctor_sign_means_see_a_doctor(flag: str) -> None:
    result = evaluate_screening(all_no() | {flag: True})
    assert (result.outcome, result.flags) == (Outcome.SEE_DOCTOR, (flag,))


@given(st.dictionaries(st.sampled_from(QUESTION_IDS), st.booleans()))
def test_outcome_is_the_worst_category_answered_yes(overrides: dict[str, bool]) -> None:
    answers = all_no() | overrides
    result = evaluate_screening(answers)
    yes = {qid for qid, value in answers.items() if value}
    assert set(result.flags) == yes
    if yes & set(EMERGENCY_IDS):
        assert result.outcome is Outcome.EMERGENCY
    elif yes:
        assert result.outcome is Outcome.SEE_DOCTOR
    else:
        assert result.outcome is Outcome.CLEAR


def test_missing_unknown_or_non_boolean_answers_are_refused() -> None:
    answers = all_no()
    del answers["bladder"]
    with pytest.raises(InputError, match="missing: bladder"):
        evaluate_screening(answers)
    with pytest.raises(InputError, match="Unknown screening question id"):
        evaluate_screening(all_no() | {"headache": True})
    with pytest.raises(InputError, match="yes/no"):
        evaluate_screening({**all_no(), "cancer": "yes"})  # type: ignore[dict-item]


def test_doctor_caution_comes_from_the_catalog() -> None:
    from backcoach.catalog.loader import load_catalog

    assert doctor_caution() == load_catalog().doctor_caution
    assert doctor_caution()


# --- gate -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Screen:
    """A stored screen as the gate reads it (fields of journal.records.ScreeningRecord)."""

    taken_at: datetime
    outcome: str
    clinician_cleared_at: datetime | None = None
    caution_acknowledged: bool = True


def test_never_screened_must_screen() -> None:
    decision = session_gate(None, NOW, DEFAULTS)
    assert (decision.allowed, decision.action) == (False, GateAction.SCREEN)


def test_fresh_clear_screen_allows() -> None:
    decision = session_gate(Screen(NOW - timedelta(days=1), "clear"), NOW, DEFAULTS)
    assert (decision.allowed, decision.action) == (True, None)
    assert decision.to_dict() == {"allowed": True, "reason": decision.reason, "action": None}


@pytest.mark.parametrize(
    ("age", "allowed"),
    [
        (timedelta(days=14) - timedelta(seconds=1), True),
        (timedelta(days=14), False),
        (timedelta(days=30), False),
    ],
    ids=["just-inside", "exactly-14-days", "long-ago"],
)
def test_screen_is_due_again_after_rescreen_days(age: timedelta, allowed: bool) -> None:
    decision = session_gate(Screen(NOW - age, "clear"), NOW, DEFAULTS)
    assert decision.allowed is allowed
    assert decision.action is (None if allowed else GateAction.SCREEN)


def test_rescreen_days_is_a_setting() -> None:
    screen = Screen(NOW - timedelta(days=8), "clear")
    assert session_gate(screen, NOW, DEFAULTS).allowed
    assert not session_gate(screen, NOW, Settings(rescreen_days=7)).allowed


def test_naive_stored_times_are_read_as_utc() -> None:
    naive = (NOW - timedelta(days=2)).replace(tzinfo=None)
    assert session_gate(Screen(naive, "clear"), NOW, DEFAULTS).allowed


@pytest.mark.parametrize("age_days", [0, 40])
def test_emergency_blocks_until_a_new_screen_whatever_its_age(age_days: int) -> None:
    screen = Screen(NOW - timedelta(days=age_days), "emergency", clinician_cleared_at=NOW)
    decision = session_gate(screen, NOW, DEFAULTS)
    assert (decision.allowed, decision.action) == (False, GateAction.URGENT_CARE)
    assert "urgent" in decision.reason


def test_see_doctor_needs_clearance() -> None:
    taken = NOW - timedelta(days=3)
    blocked = session_gate(Screen(taken, "see_doctor"), NOW, DEFAULTS)
    assert (blocked.allowed, blocked.action) == (False, GateAction.CLEARANCE)
    cleared = Screen(taken, "see_doctor", clinician_cleared_at=NOW - timedelta(days=1))
    assert session_gate(cleared, NOW, DEFAULTS).allowed


def test_cleared_screen_still_expires() -> None:
    old = Screen(NOW - timedelta(days=15), "see_doctor", clinician_cleared_at=NOW)
    assert session_gate(old, NOW, DEFAULTS).action is GateAction.SCREEN


def test_caution_must_have_been_acknowledged() -> None:
    screen = Screen(NOW, "clear", caution_acknowledged=False)
    assert session_gate(screen, NOW, DEFAULTS).action is GateAction.SCREEN


def test_gate_reads_the_journal_record_type() -> None:
    from backcoach.journal.records import ScreeningRecord

    record = ScreeningRecord(
        id=1,
        taken_at=NOW,
        answers=all_no(),
        outcome="clear",
        flags=(),
        caution_acknowledged=True,
        clinician_cleared_at=None,
    )
    assert session_gate(record, NOW + timedelta(hours=1), DEFAULTS).allowed


# --- pain -----------------------------------------------------------------------------------


@pytest.mark.parametrize("score", [0, 5, 10, "7", " 3 "])
def test_valid_pain_ratings(score: object) -> None:
    assert validate_pain(score) == int(str(score))


@pytest.mark.parametrize("score", [-1, 11, 2.5, "", "ten", True, None, "3.0"])
def test_invalid_pain_ratings_say_what_is_valid(score: object) -> None:
    with pytest.raises(InputError, match="whole number from 0"):
        validate_pain(score)


@pytest.mark.parametrize(("score", "stop"), [(0, False), (5, False), (6, True), (10, True)])
def test_pain_above_five_stops(score: int, stop: bool) -> None:
    check = should_stop(score, DEFAULTS)
    assert bool(check) is stop and check.stop is stop
    if stop:
        assert f"{score}/10" in check.message and "above the limit of 5/10" in check.message


def test_stop_limit_is_a_setting() -> None:
    assert should_stop(4, Settings(stop_pain_above=3))
    assert not should_stop(4, DEFAULTS)
