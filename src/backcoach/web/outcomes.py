"""The measures page: the Patient-Specific Functional Scale (name the activities once, rate
them every two weeks) and the totals of disability questionnaires scored elsewhere.

The same library calls as ``backcoach psfs`` and ``backcoach questionnaire``; a mistake in the
form comes back as the page with a plain message and the answers kept.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from backcoach.errors import InputError
from backcoach.journal.outcomes_store import (
    INSTRUMENTS,
    PSFS_MAX_ACTIVITIES,
    PSFS_MIN_ACTIVITIES,
    OutcomesStore,
    check_rating,
    parse_instrument,
)
from backcoach.reports.measures import (
    PSFS_EXPLAINED,
    format_number,
    psfs_change,
    psfs_due,
    psfs_next_due,
)
from backcoach.web import program
from backcoach.web.context import WebContext, context_of
from backcoach.web.pages import render

router = APIRouter()

INSTRUMENT_SHORT = {"oswestry": "Oswestry (0 to 100 %)", "roland-morris": "Roland-Morris (0 to 24)"}
RATING_WORDS = "0 = cannot do it at all, 10 = as well as before your back trouble"


def _page(
    request: Request,
    ctx: WebContext,
    *,
    status_code: int = 200,
    problem: str | None = None,
    problem_form: str | None = None,
    values: dict[str, str] | None = None,
    saved: str | None = None,
) -> HTMLResponse:
    outcomes = OutcomesStore(ctx.store)
    activities = outcomes.psfs_activities()
    assessments = outcomes.psfs_assessments()
    last = assessments[-1].at if assessments else None
    next_due = psfs_next_due(last)
    names = {activity.id: activity.name for activity in activities}
    history = [
        {
            "day": ctx.store.local_date(a.at).strftime("%d %b %Y"),
            "score": format_number(a.score),
            "ratings": [(names.get(i, "an earlier activity"), score) for i, score in a.ratings],
        }
        for a in reversed(assessments)
    ]
    totals = [
        {
            "day": t.day.strftime("%d %b %Y"),
            "title": INSTRUMENTS[t.instrument].title,
            "score": f"{format_number(t.score)} {INSTRUMENTS[t.instrument].unit}",
        }
        for t in reversed(outcomes.questionnaire_totals())
    ]
    return render(
        request,
        "outcomes.html",
        status_code=status_code,
        psfs_explained=PSFS_EXPLAINED,
        rating_words=RATING_WORDS,
        activities=activities,
        min_activities=PSFS_MIN_ACTIVITIES,
        max_activities=PSFS_MAX_ACTIVITIES,
        due=psfs_due(ctx.now(), last),
        next_due=None if next_due is None else ctx.store.local_date(next_due).strftime("%d %b %Y"),
        history=history,
        instruments=[
            (key.value, {"short": INSTRUMENT_SHORT.get(key.value, info.title)})
            for key, info in INSTRUMENTS.items()
        ],
        totals=totals,
        today=program.today(ctx).isoformat(),
        problem=problem,
        problem_form=problem_form,
        values=values or {},
        saved=saved,
        summary=psfs_summary(ctx),
    )


def _form_values(form: FormData) -> dict[str, str]:
    return {key: str(value) for key, value in form.items() if isinstance(value, str)}


@router.get("/outcomes", response_class=HTMLResponse)
async def outcomes_page(request: Request) -> Response:
    ctx = context_of(request)
    saved = request.query_params.get("saved")
    return _page(request, ctx, saved=saved if saved in SAVED_WORDS else None)


SAVED_WORDS = {"activities", "ratings", "total"}


@router.post("/outcomes/activities")
async def name_activities(request: Request) -> Response:
    ctx = context_of(request)
    form = await request.form()
    names = [str(form.get(f"activity{i}", "")).strip() for i in range(1, PSFS_MAX_ACTIVITIES + 1)]
    try:
        outcomes = OutcomesStore(ctx.store)
        if outcomes.psfs_activities():
            raise InputError("Your activities are already named; rate them below.")
        outcomes.ensure_profile(ctx.now())
        outcomes.set_psfs_activities([name for name in names if name], ctx.now())
    except InputError as error:
        return _page(
            request,
            ctx,
            status_code=400,
            problem=str(error),
            problem_form="activities",
            values=_form_values(form),
        )
    return RedirectResponse("/outcomes?saved=activities#rate", status_code=303)


@router.post("/outcomes/psfs")
async def rate_activities(request: Request) -> Response:
    ctx = context_of(request)
    form = await request.form()
    outcomes = OutcomesStore(ctx.store)
    try:
        activities = outcomes.psfs_activities()
        if not activities:
            raise InputError("Name your activities first.")
        ratings: dict[int, int] = {}
        for activity in activities:
            raw = str(form.get(f"rating{activity.id}", "")).strip()
            if not raw.isdigit():
                raise InputError(f"Choose a rating from 0 to 10 for '{activity.name}'.")
            ratings[activity.id] = check_rating(int(raw), f"The rating of '{activity.name}'")
        outcomes.add_psfs_assessment(ratings, ctx.now())
    except InputError as error:
        return _page(
            request,
            ctx,
            status_code=400,
            problem=str(error),
            problem_form="psfs",
            values=_form_values(form),
        )
    return RedirectResponse("/outcomes?saved=ratings#psfs-history", status_code=303)


@router.post("/outcomes/questionnaire")
async def questionnaire_total(request: Request) -> Response:
    ctx = context_of(request)
    form = await request.form()
    try:
        instrument = parse_instrument(str(form.get("instrument", "")))
        info = INSTRUMENTS[instrument]
        raw = str(form.get("score", "")).strip().replace(",", ".")
        try:
            score = float(raw)
        except ValueError:
            raise InputError(
                f"Type the {info.title} total as a number from 0 to {info.maximum}."
            ) from None
        if not math.isfinite(score):
            raise InputError(f"Type the {info.title} total as a number from 0 to {info.maximum}.")
        raw_day = str(form.get("day", "")).strip()
        try:
            day = date.fromisoformat(raw_day) if raw_day else program.today(ctx)
        except ValueError:
            raise InputError("Choose the day the questionnaire was filled in.") from None
        if day > program.today(ctx):
            raise InputError("The day the questionnaire was filled in cannot be in the future.")
        OutcomesStore(ctx.store).add_questionnaire_total(
            instrument=instrument, score=score, day=day, at=ctx.now()
        )
    except InputError as error:
        return _page(
            request,
            ctx,
            status_code=400,
            problem=str(error),
            problem_form="questionnaire",
            values=_form_values(form),
        )
    return RedirectResponse("/outcomes?saved=total#totals", status_code=303)


def psfs_summary(ctx: WebContext) -> dict[str, Any]:
    """The latest PSFS score and its change since the first rating, for other pages."""
    assessments = OutcomesStore(ctx.store).psfs_assessments()
    if not assessments:
        return {}
    latest = assessments[-1].score
    summary: dict[str, Any] = {"score": format_number(latest)}
    if len(assessments) >= 2:
        summary["change"] = psfs_change(assessments[0].score, latest).sentence
    return summary
