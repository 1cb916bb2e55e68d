"""The red-flag screen: questions asked before exercising, and what the answers mean.

Two kinds of sign: *emergency* signs (possible pressure on the nerves at the base of the
spine) mean urgent care today and no session; *see a doctor* signs mean no session until a
clinician has cleared the person to exercise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from backcoach.catalog.loader import load_catalog
from backcoach.errors import InputError


class Category(StrEnum):
    EMERGENCY = "emergency"
    SEE_DOCTOR = "see_doctor"


class Outcome(StrEnum):
    CLEAR = "clear"
    SEE_DOCTOR = "see_doctor"
    EMERGENCY = "emergency"


@dataclass(frozen=True)
class Question:
    id: str
    text: str  # a yes/no question; "yes" is the warning sign
    category: Category


_E = Category.EMERGENCY
_D = Category.SEE_DOCTOR

QUESTIONS: tuple[Question, ...] = (
    Question("both-legs", "Do you have pain, tingling or numbness going down BOTH legs?", _E),
    Question("legs-weakening", "Are both of your legs getting weaker?", _E),
    Question(
        "bladder",
        "Have you recently started having trouble passing urine, or leaking it?",
        _E,
    ),
    Question(
        "bowel",
        "Have you lost control of your bowels, or can you no longer feel when you need to go?",
        _E,
    ),
    Question(
        "saddle-numbness",
        "Is the skin around your back passage, genitals or inner thighs numb or tingling?",
        _E,
    ),
    Question("sexual-function", "Have you had new problems with sexual function?", _E),
    Question("cancer", "Have you ever had cancer?", _D),
    Question("weight-loss", "Have you lost weight recently without trying to?", _D),
    Question("fever-unwell", "Do you have a fever, chills, or feel generally unwell?", _D),
    Question("infection", "Have you had a serious infection recently?", _D),
    Question("iv-drugs", "Have you ever injected drugs into a vein?", _D),
    Question(
        "immunity-steroids",
        "Is your immune system weakened (by illness or medicine), or have you taken steroid "
        "tablets for a long time?",
        _D,
    ),
    Question("fall-injury", "Did this back pain start after a fall, accident or injury?", _D),
    Question("onset-age", "Did this back pain first start before age 20 or after age 50?", _D),
    Question(
        "constant-night-pain",
        "Is the pain constant whatever you do, or bad at night even when you lie still?",
        _D,
    ),
    Question("mid-back", "Is the pain mainly in the middle of your back, between the ribs?", _D),
    Question(
        "spreading-symptoms",
        "Is numbness or weakness in your legs or feet spreading or getting worse?",
        _D,
    ),
)

QUESTION_IDS: tuple[str, ...] = tuple(q.id for q in QUESTIONS)

EMERGENCY_MESSAGE = (
    "Please get urgent medical care today (an emergency department or urgent care service) "
    "and do not exercise: your answers include signs that the nerves at the base of the spine "
    "may be under pressure, which needs checking straight away."
)
SEE_DOCTOR_MESSAGE = (
    "Please see a doctor or physiotherapist before you start: your answers include signs that "
    "need a clinician's check first. Once a clinician has cleared you to exercise, record that "
    "and the program will open."
)
CLEAR_MESSAGE = (
    "No warning signs in your answers: you can start the program. Stop and get help if any "
    "of these signs appear later."
)


@dataclass(frozen=True)
class ScreeningResult:
    outcome: Outcome
    flags: tuple[str, ...]  # ids of the questions answered yes, in question order
    message: str


def question(question_id: str) -> Question:
    for item in QUESTIONS:
        if item.id == question_id:
            return item
    raise InputError(f"Unknown screening question '{question_id}'.")


def evaluate_screening(answers: Mapping[str, bool]) -> ScreeningResult:
    """The outcome of a complete set of answers (question id -> True for yes)."""
    unknown = sorted(set(answers) - set(QUESTION_IDS))
    if unknown:
        raise InputError(
            f"Unknown screening question id(s): {', '.join(unknown)}. "
            f"Known ids: {', '.join(QUESTION_IDS)}."
        )
    missing = [qid for qid in QUESTION_IDS if qid not in answers]
    if missing:
        raise InputError(
            f"Every screening question needs an answer; missing: {', '.join(missing)}."
        )
    not_yes_no = [qid for qid in QUESTION_IDS if not isinstance(answers[qid], bool)]
    if not_yes_no:
        raise InputError(
            f"Screening answers must be yes/no (true/false); not so for: {', '.join(not_yes_no)}."
        )
    flags = tuple(q.id for q in QUESTIONS if answers[q.id])
    categories = {question(flag).category for flag in flags}
    if Category.EMERGENCY in categories:
        return ScreeningResult(Outcome.EMERGENCY, flags, EMERGENCY_MESSAGE)
    if Category.SEE_DOCTOR in categories:
        return ScreeningResult(Outcome.SEE_DOCTOR, flags, SEE_DOCTOR_MESSAGE)
    return ScreeningResult(Outcome.CLEAR, flags, CLEAR_MESSAGE)


SEVERITY = (Outcome.CLEAR, Outcome.SEE_DOCTOR, Outcome.EMERGENCY)


def outcome_of_answers(
    answers: Mapping[str, object], recorded: str
) -> tuple[Outcome, tuple[str, ...]]:
    """The outcome and flags a stored screen's answers call for (e.g. on import).

    Only yes answers to known questions count (a screen from another question list may lack
    some or have others); the outcome is never less serious than those answers say, whatever
    was recorded, and a recorded outcome more serious than the answers is kept.
    """
    if not all(isinstance(value, bool) for value in answers.values()):
        raise InputError("Screening answers must be yes/no (true/false).")
    flags = tuple(q.id for q in QUESTIONS if answers.get(q.id) is True)
    categories = {question(flag).category for flag in flags}
    if Category.EMERGENCY in categories:
        computed = Outcome.EMERGENCY
    elif Category.SEE_DOCTOR in categories:
        computed = Outcome.SEE_DOCTOR
    else:
        computed = Outcome.CLEAR
    stored = Outcome(recorded) if recorded in set(Outcome) else Outcome.CLEAR
    return max(computed, stored, key=SEVERITY.index), flags


def doctor_caution() -> str:
    """The doctor caution shown before the screen (the catalog's text when available)."""
    return load_catalog().doctor_caution
