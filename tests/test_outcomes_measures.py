"""Outcome measures: PSFS scoring and timing, questionnaire ranges, weekly means, change flags."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from backcoach.errors import InputError
from backcoach.journal.outcomes_store import (
    Instrument,
    check_questionnaire_score,
    check_rating,
    clean_activity_names,
    parse_instrument,
)
from backcoach.reports.measures import (
    DatedValue,
    Direction,
    first_and_last_week,
    format_number,
    is_meaningful_pain_change,
    is_meaningful_psfs_change,
    pain_change,
    psfs_change,
    psfs_due,
    psfs_next_due,
    psfs_score,
    week_start,
    weekly_averages,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ratings", "score"),
    [([0, 0, 0], 0.0), ([10, 10, 10, 10, 10], 10.0), ([3, 4, 8], 5.0), ([1, 2, 2, 3], 2.0)],
)
def test_psfs_score_is_the_mean(ratings: list[int], score: float) -> None:
    assert psfs_score(ratings) == pytest.approx(score)


@pytest.mark.parametrize("ratings", [[], [3, 11, 2], [-1, 2, 3], [True, 2, 3]])
def test_psfs_score_refuses_bad_ratings(ratings: list[int]) -> None:
    with pytest.raises(InputError):
        psfs_score(ratings)


@pytest.mark.parametrize(
    ("last", "now", "due"),
    [
        (None, T0, True),  # asked at the start
        (T0, T0 + timedelta(days=13, hours=23), False),
        (T0, T0 + timedelta(days=14), True),
        (T0, T0 + timedelta(days=40), True),
    ],
)
def test_psfs_is_due_at_start_then_every_two_weeks(
    last: datetime | None, now: datetime, due: bool
) -> None:
    assert psfs_due(now, last) is due


def test_psfs_next_due_is_two_weeks_after_the_last_rating() -> None:
    assert psfs_next_due(None) is None
    assert psfs_next_due(T0) == T0 + timedelta(days=14)


@pytest.mark.parametrize(
    ("names", "cleaned"),
    [
        (["  socks ", "lifting  a bag", "sitting"], ["socks", "lifting a bag", "sitting"]),
        (["a", "b", "c", "d", "e"], ["a", "b", "c", "d", "e"]),
    ],
)
def test_activity_names_are_trimmed(names: list[str], cleaned: list[str]) -> None:
    assert clean_activity_names(names) == cleaned


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["a", "b"], "3 to 5"),
        (["a", "b", "c", "d", "e", "f"], "3 to 5"),
        (["a", " ", "c"], "empty"),
        (["Socks", "socks ", "c"], "twice"),
        (["x" * 121, "b", "c"], "characters"),
    ],
)
def test_activity_names_are_checked(names: list[str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        clean_activity_names(names)


@pytest.mark.parametrize("value", [0, 5, 10])
def test_ratings_accept_0_to_10(value: int) -> None:
    assert check_rating(value) == value


@pytest.mark.parametrize("value", [-1, 11, 2.5, "3", None, False])
def test_ratings_refuse_anything_else(value: object) -> None:
    with pytest.raises(InputError):
        check_rating(value)


@pytest.mark.parametrize(
    ("instrument", "score", "ok"),
    [
        (Instrument.OSWESTRY, 0, True),
        (Instrument.OSWESTRY, 100, True),
        (Instrument.OSWESTRY, 44.4, True),
        (Instrument.OSWESTRY, 100.5, False),
        (Instrument.OSWESTRY, -2, False),
        (Instrument.OSWESTRY, float("nan"), False),
        (Instrument.ROLAND_MORRIS, 0, True),
        (Instrument.ROLAND_MORRIS, 24, True),
        (Instrument.ROLAND_MORRIS, 25, False),
        (Instrument.ROLAND_MORRIS, 7.5, False),
    ],
)
def test_questionnaire_ranges(instrument: Instrument, score: float, ok: bool) -> None:
    if ok:
        assert check_questionnaire_score(instrument, score) == score
    else:
        with pytest.raises(InputError):
            check_questionnaire_score(instrument, score)


def test_instrument_names_are_parsed_with_a_clear_error() -> None:
    assert parse_instrument(" Roland-Morris ") is Instrument.ROLAND_MORRIS
    with pytest.raises(InputError, match="oswestry, roland-morris"):
        parse_instrument("odi-v3")


def test_weekly_averages_group_by_monday_weeks() -> None:
    values = [
        DatedValue(date(2026, 3, 2), 6),  # Monday
        DatedValue(date(2026, 3, 8), 4),  # Sunday, same week
        DatedValue(date(2026, 3, 9), 3),  # next Monday
        DatedValue(date(2026, 3, 25), 1),  # two weeks later (no empty weeks listed)
    ]
    weeks = weekly_averages(values)
    assert [(w.week_start, w.mean, w.count) for w in weeks] == [
        (date(2026, 3, 2), 5.0, 2),
        (date(2026, 3, 9), 3.0, 1),
        (date(2026, 3, 23), 1.0, 1),
    ]
    assert week_start(date(2026, 3, 8)) == date(2026, 3, 2)
    assert first_and_last_week(values) == (5.0, 1.0)
    assert first_and_last_week(values[:2]) is None
    assert weekly_averages([]) == []


@pytest.mark.parametrize(
    ("start", "end", "meaningful"),
    [
        (6, 4, True),  # 2 points
        (6, 5, False),  # 1 point, 17 %
        (3, 2, True),  # 1 point but 33 %
        (10, 7, True),  # exactly 30 %
        (10, 8, True),  # 2 points, 20 %
        (8, 6.5, False),  # 1.5 points, 19 %
        (0, 1, False),  # from zero: points only
        (0, 2, True),
        (4, 4, False),
        (4, 6, True),  # worse counts too
        (5.0, 3.6, False),  # 1.4 points, 28 %
        (5.0, 3.5, True),  # 1.5 points, 30 %
    ],
)
def test_meaningful_pain_change(start: float, end: float, meaningful: bool) -> None:
    assert is_meaningful_pain_change(start, end) is meaningful


@pytest.mark.parametrize(
    ("start", "end", "meaningful"),
    [(3, 5, True), (3, 4.9, False), (6, 4, True), (5, 5, False), (2.3, 4.3, True)],
)
def test_meaningful_psfs_change(start: float, end: float, meaningful: bool) -> None:
    assert is_meaningful_psfs_change(start, end) is meaningful


@pytest.mark.parametrize(
    ("start", "end", "direction", "sentence"),
    [
        (
            6,
            3,
            Direction.IMPROVED,
            "Your usual pain before sessions fell from 6 to 3 - a meaningful improvement.",
        ),
        (
            4,
            6.5,
            Direction.WORSENED,
            "Your usual pain before sessions rose from 4 to 6.5 - a meaningful worsening - "
            "worth talking over with your physio.",
        ),
        (
            6,
            5.5,
            Direction.IMPROVED,
            "Your usual pain before sessions fell from 6 to 5.5 - a small change, within the "
            "usual ups and downs.",
        ),
        (4, 4.02, Direction.UNCHANGED, "Your usual pain before sessions stayed at 4."),
    ],
)
def test_pain_change_sentences(
    start: float, end: float, direction: Direction, sentence: str
) -> None:
    flag = pain_change("usual pain before sessions", start, end)
    assert flag.direction is direction
    assert flag.sentence == sentence
    assert flag.change == pytest.approx(end - start)


def test_psfs_change_higher_is_better() -> None:
    better = psfs_change(3, 6.33)
    assert better.meaningful and better.direction is Direction.IMPROVED
    assert better.sentence == (
        "Your activity score (PSFS) rose from 3 to 6.3 - a meaningful improvement."
    )
    worse = psfs_change(7, 4)
    assert worse.meaningful and worse.direction is Direction.WORSENED
    small = psfs_change(5, 6)
    assert not small.meaningful and "small change" in small.sentence


@pytest.mark.parametrize(
    ("value", "text"), [(6.0, "6"), (3.24, "3.2"), (3.26, "3.3"), (0.04, "0"), (-0.0, "0")]
)
def test_numbers_show_at_most_one_decimal(value: float, text: str) -> None:
    assert format_number(value) == text
